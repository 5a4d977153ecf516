from __future__ import annotations

from typing import Any

import pytest

from shikayat import Channel
from shikayat_whatsapp.settings import WhatsAppSettings


@pytest.fixture
def make_channel(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WA_TOKEN", "fake-system-user-token")
    monkeypatch.setenv("WA_SECRET", "fake-app-secret")
    monkeypatch.setenv("WA_VERIFY", "verify-me")

    def make(**overrides: Any) -> Channel:
        values: dict[str, Any] = {
            "platform": "whatsapp", "phone_number_id": "800000000000002", "display_phone_number": "911140000000",
            "access_token": "env:WA_TOKEN", "app_secret": "env:WA_SECRET", "verify_token": "env:WA_VERIFY",
            "base_url": "https://graph.test", "template_name": "complaint_update", "template_language_hindi": "hi",
            **overrides,
        }
        return Channel("up_wa", "whatsapp", WhatsAppSettings.model_validate(values))

    return make
