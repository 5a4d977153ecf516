"""Instagram professional accounts for Shikayat: comments, mentions and messaging."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from shikayat_instagram.platform import InstagramPlatform

try:
    __version__ = version("shikayat-instagram")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["InstagramPlatform", "__version__"]
