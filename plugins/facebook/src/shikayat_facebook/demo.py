"""The Facebook part of ``shikayat demo``: a fake Graph API server whose Page gets visitor posts,
comments and Messenger messages, pushed to the daemon as signed webhook deliveries (and caught
by reconciliation polling when a delivery is lost)."""

from __future__ import annotations

from typing import Any

from shikayat.demo import DemoChannel
from shikayat_facebook.fake import FakeFacebook
from shikayat_facebook.fakegraph import RunningFake, run_fake
from shikayat_facebook.traffic import FacebookTraffic

VERIFY_TOKEN = "fake-verify-token"


class FacebookDemo(DemoChannel):
    name = "up_police_fb"
    platform = "facebook"

    def __init__(self, seed: int = 11) -> None:
        self.fake = FakeFacebook()
        self.traffic = FacebookTraffic(self.fake, seed=seed)
        self.running: RunningFake | None = None

    def start(self) -> tuple[dict[str, Any], dict[str, str]]:
        self.running = run_fake(self.fake.app, name="fake-facebook")
        self.traffic.emit(8)                 # held until the daemon listens; polling finds the posts
        section = {
            "platform": "facebook", "unit": "up-hq", "base_url": self.running.base_url,
            "api_version": self.fake.version, "page_id": self.fake.page_id,
            "access_token": "env:SHIKAYAT_DEMO_FB_TOKEN", "app_secret": "env:SHIKAYAT_DEMO_FB_APP_SECRET",
            "verify_token": "env:SHIKAYAT_DEMO_FB_VERIFY_TOKEN", "lookback_hours": 1.0,
        }
        env = {"SHIKAYAT_DEMO_FB_TOKEN": next(iter(self.fake.tokens)),
               "SHIKAYAT_DEMO_FB_APP_SECRET": self.fake.app_secret,
               "SHIKAYAT_DEMO_FB_VERIFY_TOKEN": VERIFY_TOKEN}
        return section, env

    def daemon_started(self, base_url: str) -> None:
        self.fake.webhooks.target = f"{base_url}/webhooks/{self.name}"

    def emit(self, count: int) -> int:
        return self.traffic.emit(count)

    def replies(self) -> int:
        return len(self.fake.replies)

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None
