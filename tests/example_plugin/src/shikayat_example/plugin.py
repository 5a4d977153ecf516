"""Hook implementations: the entry point ``example = "shikayat_example.plugin"`` names this module."""

from __future__ import annotations

from shikayat import Platform, hookimpl
from shikayat_example.platform import ExamplePlatform


@hookimpl
def register_platforms() -> list[Platform]:
    return [ExamplePlatform()]
