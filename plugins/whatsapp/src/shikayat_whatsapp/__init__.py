"""WhatsApp Business (Cloud API) platform for Shikayat."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from shikayat_whatsapp.platform import WhatsAppPlatform

try:
    __version__ = version("shikayat-whatsapp")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["WhatsAppPlatform", "__version__"]
