"""Example platform for Shikayat: the smallest complete platform plugin."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from shikayat_example.platform import ExamplePlatform

try:
    __version__ = version("shikayat-example")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["ExamplePlatform", "__version__"]
