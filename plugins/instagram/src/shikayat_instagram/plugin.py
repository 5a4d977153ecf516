"""Hook implementations of the Instagram plugin."""

from __future__ import annotations

from shikayat import Platform, hookimpl
from shikayat_instagram.platform import InstagramPlatform


@hookimpl
def register_platforms() -> list[Platform]:
    return [InstagramPlatform()]
