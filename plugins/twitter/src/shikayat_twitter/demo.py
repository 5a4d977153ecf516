"""The X/Twitter part of ``shikayat demo``: a fake X server with live traffic."""

from __future__ import annotations

from typing import Any

from shikayat.demo import DemoChannel
from shikayat_twitter.fake import FakeX, RunningFakeX, run_fake_x
from shikayat_twitter.traffic import Traffic


class TwitterDemo(DemoChannel):
    name = "up_police_x"
    platform = "twitter"

    def __init__(self, seed: int = 7) -> None:
        self.fake = FakeX()
        self.traffic = Traffic(self.fake, seed=seed)
        self.running: RunningFakeX | None = None

    def start(self) -> tuple[dict[str, Any], dict[str, str]]:
        self.running = run_fake_x(self.fake)
        self.traffic.emit(12)                      # something to find on the first poll
        self.fake.add_malformed_post()             # shows a dead letter
        section = {
            "platform": "twitter", "unit": "up-hq", "base_url": self.running.base_url,
            "bearer_token": "env:SHIKAYAT_DEMO_X_BEARER", "user_token": "env:SHIKAYAT_DEMO_X_USER_TOKEN",
            "user_id": self.fake.our_id, "handle": self.fake.handle, "search_queries": ["#twittersewa"],
        }
        env = {"SHIKAYAT_DEMO_X_BEARER": "fake-bearer", "SHIKAYAT_DEMO_X_USER_TOKEN": self.fake.user_token}
        return section, env

    def emit(self, count: int) -> int:
        return self.traffic.emit(count)

    def replies(self) -> int:
        return len(self.fake.replies)

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None
