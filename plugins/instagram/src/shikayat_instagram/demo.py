"""The Instagram part of ``shikayat demo``: a fake Instagram account whose posts get comments,
whose handle gets @mentioned elsewhere and which gets direct messages, pushed to the daemon as
signed webhook deliveries (comments whose delivery is lost are caught by reconciliation)."""

from __future__ import annotations

from typing import Any

from shikayat.demo import DemoChannel
from shikayat_facebook.fakegraph import RunningFake, run_fake
from shikayat_instagram.fake import FakeInstagram
from shikayat_instagram.traffic import InstagramTraffic

VERIFY_TOKEN = "fake-verify-token"


class InstagramDemo(DemoChannel):
    name = "up_police_ig"
    platform = "instagram"

    def __init__(self, seed: int = 13) -> None:
        self.fake = FakeInstagram()
        self.traffic = InstagramTraffic(self.fake, seed=seed)
        self.running: RunningFake | None = None

    def start(self) -> tuple[dict[str, Any], dict[str, str]]:
        self.running = run_fake(self.fake.app, name="fake-instagram")
        self.traffic.emit(8)                 # held until the daemon listens; polling finds the comments
        section = {
            "platform": "instagram", "unit": "up-hq", "base_url": self.running.base_url,
            "api_version": self.fake.version, "ig_user_id": self.fake.ig_user_id, "username": self.fake.username,
            "access_token": "env:SHIKAYAT_DEMO_IG_TOKEN", "app_secret": "env:SHIKAYAT_DEMO_IG_APP_SECRET",
            "verify_token": "env:SHIKAYAT_DEMO_IG_VERIFY_TOKEN",
        }
        env = {"SHIKAYAT_DEMO_IG_TOKEN": next(iter(self.fake.tokens)),
               "SHIKAYAT_DEMO_IG_APP_SECRET": self.fake.app_secret,
               "SHIKAYAT_DEMO_IG_VERIFY_TOKEN": VERIFY_TOKEN}
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
