"""Hook implementations of the X/Twitter plugin."""

from __future__ import annotations

from pathlib import Path

from shikayat import Platform, hookimpl
from shikayat.demo import DemoChannel
from shikayat_twitter.platform import TwitterPlatform


@hookimpl
def register_platforms() -> list[Platform]:
    return [TwitterPlatform()]


@hookimpl
def demo_channels(data_dir: Path) -> list[DemoChannel]:
    from shikayat_twitter.demo import TwitterDemo

    return [TwitterDemo()]
