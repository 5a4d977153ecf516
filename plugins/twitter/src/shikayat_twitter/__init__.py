"""X/Twitter platform for Shikayat."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from shikayat_twitter.platform import TwitterPlatform

try:
    __version__ = version("shikayat-twitter")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["TwitterPlatform", "__version__"]
