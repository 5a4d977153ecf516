"""Hook implementations of the WhatsApp plugin."""

from __future__ import annotations

from pathlib import Path

from shikayat import Platform, hookimpl
from shikayat.demo import DemoChannel
from shikayat_whatsapp.platform import WhatsAppPlatform


@hookimpl
def register_platforms() -> list[Platform]:
    return [WhatsAppPlatform()]


@hookimpl
def demo_channels(data_dir: Path) -> list[DemoChannel]:
    from shikayat_whatsapp.demo import WhatsAppDemo

    return [WhatsAppDemo()]
