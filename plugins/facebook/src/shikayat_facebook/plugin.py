"""Hook implementations of the Facebook plugin."""

from __future__ import annotations

from pathlib import Path

from shikayat import Platform, hookimpl
from shikayat.demo import DemoChannel
from shikayat_facebook.platform import FacebookPlatform


@hookimpl
def register_platforms() -> list[Platform]:
    return [FacebookPlatform()]


@hookimpl
def demo_channels(data_dir: Path) -> list[DemoChannel]:
    from shikayat_facebook.demo import FacebookDemo

    return [FacebookDemo()]
