"""The WhatsApp part of ``shikayat demo``: a fake Cloud API whose business number gets citizens'
messages, pushed to the daemon as signed webhook deliveries, with delivery receipts back."""

from __future__ import annotations

from typing import Any

from shikayat.demo import DemoChannel
from shikayat_facebook.fakegraph import RunningFake, run_fake
from shikayat_whatsapp.fake import FakeWhatsApp
from shikayat_whatsapp.traffic import WhatsAppTraffic

VERIFY_TOKEN = "fake-verify-token"


class WhatsAppDemo(DemoChannel):
    name = "up_police_whatsapp"
    platform = "whatsapp"

    def __init__(self, seed: int = 13) -> None:
        self.fake = FakeWhatsApp(auto_statuses=True)
        self.traffic = WhatsAppTraffic(self.fake, seed=seed)
        self.running: RunningFake | None = None

    def start(self) -> tuple[dict[str, Any], dict[str, str]]:
        self.running = run_fake(self.fake.app, name="fake-whatsapp")
        self.traffic.emit(8)                     # held until the daemon listens
        section = {
            "platform": "whatsapp", "unit": "up-hq", "base_url": self.running.base_url,
            "api_version": self.fake.version, "phone_number_id": self.fake.phone_number_id,
            "display_phone_number": self.fake.display_phone_number,
            "access_token": "env:SHIKAYAT_DEMO_WA_TOKEN", "app_secret": "env:SHIKAYAT_DEMO_WA_APP_SECRET",
            "verify_token": "env:SHIKAYAT_DEMO_WA_VERIFY_TOKEN",
            "template_name": "complaint_update", "template_language": "en", "template_language_hindi": "hi",
        }
        env = {"SHIKAYAT_DEMO_WA_TOKEN": next(iter(self.fake.tokens)),
               "SHIKAYAT_DEMO_WA_APP_SECRET": self.fake.app_secret,
               "SHIKAYAT_DEMO_WA_VERIFY_TOKEN": VERIFY_TOKEN}
        return section, env

    def daemon_started(self, base_url: str) -> None:
        self.fake.webhooks.target = f"{base_url}/webhooks/{self.name}"   # held messages go with the next emit

    def emit(self, count: int) -> int:
        return self.traffic.emit(count)

    def replies(self) -> int:
        return len(self.fake.sent)

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None
