"""Hook implementations of the Instagram plugin."""

from __future__ import annotations

from pathlib import Path

from shikayat import Platform, hookimpl
from shikayat.demo import DemoChannel
from shikayat_instagram.platform import InstagramPlatform


@hookimpl
def register_platforms() -> list[Platform]:
    return [InstagramPlatform()]


@hookimpl
def demo_channels(data_dir: Path) -> list[DemoChannel]:
    from shikayat_instagram.demo import InstagramDemo

    return [InstagramDemo()]
