"""The Instagram plugin passes the platform conformance suite."""

from __future__ import annotations

from pathlib import Path

from shikayat.testing import PlatformSuite
from shikayat_facebook.conformance import INSTAGRAM_THROTTLE, meta_suite_config
from shikayat_instagram import InstagramPlatform

IG_USER_ID = "17841400000000001"


class TestInstagramConformance(PlatformSuite):
    platform_class = InstagramPlatform
    settings = {"platform": "instagram", "ig_user_id": IG_USER_ID, "username": "lucknowpolice",
                "access_token": "test-token", "app_secret": "test-app-secret",
                "verify_token": "test-verify-token", "base_url": "https://graph.example.test"}
    fixtures_dir = Path(__file__).parent / "fixtures"
    config = meta_suite_config(throttle_code=INSTAGRAM_THROTTLE, usage_type="instagram", object_id=IG_USER_ID,
                               reply_id="17900000000000999")
