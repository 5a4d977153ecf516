"""The WhatsApp part of ``shikayat demo``: a fake Cloud API whose business number gets citizens'
messages, pushed to the daemon as signed webhook deliveries, with delivery receipts back."""

from __future__ import annotations

from typing import Any

from shikayat_facebook.demo import GraphDemo
from shikayat_whatsapp.fake import FakeWhatsApp
from shikayat_whatsapp.traffic import WhatsAppTraffic


class WhatsAppDemo(GraphDemo):
    name = "up_police_whatsapp"
    platform = "whatsapp"
    env_prefix = "SHIKAYAT_DEMO_WA"

    def __init__(self, seed: int = 13) -> None:
        fake = FakeWhatsApp(auto_statuses=True)
        super().__init__(fake, WhatsAppTraffic(fake, seed=seed))
        self.whatsapp = fake

    def settings(self) -> dict[str, Any]:
        return {"phone_number_id": self.whatsapp.phone_number_id,
                "display_phone_number": self.whatsapp.display_phone_number,
                "template_name": "complaint_update", "template_language": "en", "template_language_hindi": "hi"}

    def replies(self) -> int:
        return len(self.whatsapp.sent)
