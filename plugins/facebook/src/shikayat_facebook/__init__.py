"""Facebook Pages for Shikayat, and the Meta Graph API pieces Instagram and WhatsApp share."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from shikayat_facebook.platform import FacebookPlatform

try:
    __version__ = version("shikayat-facebook")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["FacebookPlatform", "__version__"]
