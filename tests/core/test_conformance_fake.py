"""Core's own CI runs the platform conformance suite against the in-repo ``fake`` platform."""

from __future__ import annotations

from pathlib import Path

from shikayat.testing import PlatformSuite, SuiteConfig
from shikayat.testing.fakes import FakePlatform, fake_handshake_query, sign_fake

FIXTURES = Path(__file__).parent / "fixtures" / "fake"


class TestFakeConformance(PlatformSuite):
    platform_class = FakePlatform
    settings = {"platform": "fake", "account_id": "police", "webhook_secret": "conformance-secret"}
    fixtures_dir = FIXTURES
    in_process = True
    config = SuiteConfig(reply_status=201, reply_id="r77", sign=sign_fake, handshake_query=fake_handshake_query,
                         handshake_token_param="token")
