"""The WhatsApp plugin passes the platform conformance suite (it pushes and replies; it cannot
fetch, so the fetch checks skip)."""

from __future__ import annotations

from pathlib import Path

from shikayat.testing import PlatformSuite
from shikayat_facebook.conformance import meta_suite_config
from shikayat_whatsapp import WhatsAppPlatform

WABA_ID = "900000000000001"


class TestWhatsAppConformance(PlatformSuite):
    platform_class = WhatsAppPlatform
    settings = {"platform": "whatsapp", "phone_number_id": "800000000000002",
                "display_phone_number": "911140000000", "access_token": "test-system-user-token",
                "app_secret": "test-app-secret", "verify_token": "test-verify-token",
                "base_url": "https://graph.example.test", "template_name": "complaint_update"}
    fixtures_dir = Path(__file__).parent / "fixtures"
    config = meta_suite_config(throttle_code=80007, usage_type="whatsapp_business_management", object_id=WABA_ID,
                               reply_id="wamid.HBgMOTE5ODAwMDAwMDAxFQIAERgSUkVQTFkwMDAwMDAwMDAwMDEA")
