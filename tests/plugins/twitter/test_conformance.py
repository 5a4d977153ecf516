"""The X/Twitter plugin passes the platform conformance suite."""

from __future__ import annotations

from pathlib import Path

from shikayat.testing import PlatformSuite, SuiteConfig
from shikayat_twitter import TwitterPlatform


class TestTwitterConformance(PlatformSuite):
    platform_class = TwitterPlatform
    settings = {"platform": "twitter", "bearer_token": "test", "user_token": "u",
                "user_id": "1000000000000000001"}
    fixtures_dir = Path(__file__).parent / "fixtures"
    config = SuiteConfig(reply_status=201, reply_id="1900000000000000777")
