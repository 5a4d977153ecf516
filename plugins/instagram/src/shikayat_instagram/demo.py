"""The Instagram part of ``shikayat demo``: a fake Instagram account whose posts get comments,
whose handle gets @mentioned elsewhere and which gets direct messages, pushed to the daemon as
signed webhook deliveries (comments whose delivery is lost are caught by reconciliation)."""

from __future__ import annotations

from typing import Any

from shikayat_facebook.demo import GraphDemo
from shikayat_instagram.fake import FakeInstagram
from shikayat_instagram.traffic import InstagramTraffic


class InstagramDemo(GraphDemo):
    name = "up_police_ig"
    platform = "instagram"
    env_prefix = "SHIKAYAT_DEMO_IG"

    def __init__(self, seed: int = 13) -> None:
        fake = FakeInstagram()
        super().__init__(fake, InstagramTraffic(fake, seed=seed))
        self.instagram = fake

    def settings(self) -> dict[str, Any]:
        return {"ig_user_id": self.instagram.ig_user_id, "username": self.instagram.username}

    def replies(self) -> int:
        return len(self.instagram.replies)
