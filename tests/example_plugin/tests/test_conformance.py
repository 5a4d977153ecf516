"""The example platform passes Shikayat's conformance suite, like every platform plugin."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shikayat.platforms import ChannelSettings
from shikayat.testing import PlatformSuite, SuiteConfig
from shikayat_example import ExamplePlatform
from shikayat_example.settings import ExampleSettings
from shikayat_example.webhook import MAX_AGE, SIGNATURE, TIMESTAMP, signature


def sign(body: bytes, settings: ChannelSettings, at: float) -> Mapping[str, str]:
    assert isinstance(settings, ExampleSettings) and settings.webhook_secret is not None
    stamp = str(int(at))
    return {TIMESTAMP: stamp, SIGNATURE: signature(settings.webhook_secret.get_secret_value(), stamp, body)}


def handshake(settings: ChannelSettings, challenge: str) -> Mapping[str, str]:
    assert isinstance(settings, ExampleSettings) and settings.verify_token is not None
    return {"hub.mode": "subscribe", "hub.verify_token": settings.verify_token.get_secret_value(),
            "hub.challenge": challenge}


class TestExampleConformance(PlatformSuite):
    platform_class = ExamplePlatform
    settings = {"api_token": "test-token", "account_id": "acct-police",
                "webhook_secret": "whsec-test", "verify_token": "verify-test"}
    fixtures_dir = Path(__file__).parent / "fixtures"
    config = SuiteConfig(reply_status=201, reply_id="m-9001", sign=sign, handshake_query=handshake,
                         handshake_token_param="hub.verify_token", signature_max_age=MAX_AGE)
