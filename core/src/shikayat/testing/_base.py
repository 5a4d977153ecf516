"""The shared part of the conformance suite: what a subclass sets, and the building blocks
the checks use. Private to :mod:`shikayat.testing`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from shikayat.complaint import Complaint, RawPost
from shikayat.platforms import Capability, Channel, Platform
from shikayat.testing import _harness as h
from shikayat.testing.config import SuiteConfig


class SuiteBase:
    """What every group of checks shares: the class attributes a plugin's subclass sets, and
    the building blocks (platform, channel, fixtures, normalizing with the pipeline's rules)."""

    platform_class: ClassVar[type[Platform]]
    settings: ClassVar[dict[str, Any]] = {}
    fixtures_dir: ClassVar[Path]
    config: ClassVar[SuiteConfig] = SuiteConfig()
    in_process: ClassVar[bool] = False
    """True for a platform registered only in-process (no entry point to check)."""
    entry_point_name: ClassVar[str | None] = None
    """The entry point's name in the ``shikayat`` group (None: the platform's name)."""

    # -- building blocks (not checks) ---------------------------------------------------------
    def make_platform(self) -> Platform:
        """A fresh platform instance (override if the constructor takes arguments)."""
        return self.platform_class()

    def make_channel(self, platform: Platform) -> Channel:
        return Channel(h.CHANNEL, platform.name, h.build_settings(platform, self.settings))

    def _needs(self, platform: Platform, capability: Capability) -> None:
        if capability not in platform.capabilities:
            pytest.skip(f"platform {platform.name!r} does not declare {capability.value!r}")

    def _files(self, sub: str, *, at_least: int = 1, why: str) -> list[Path]:
        files = h.fixture_files(self.fixtures_dir, sub)
        if len(files) < at_least:
            pytest.fail(f"{why}: put at least {at_least} *.json file(s) in {self.fixtures_dir / sub}")
        return files

    def _normalize(self, platform: Platform, raw: RawPost) -> Complaint:
        complaint = platform.normalize(raw)
        assert isinstance(complaint, Complaint), f"normalize() returned {type(complaint).__name__}"
        assert complaint.platform == platform.name, (complaint.platform, platform.name)
        assert complaint.external_id == raw.external_id, (
            f"normalize() gave external id {complaint.external_id!r} for a RawPost keyed "
            f"{raw.external_id!r}; the pipeline dead-letters such a post")
        Complaint.model_validate(complaint.model_dump())
        return complaint

    def _first_complaint(self, platform: Platform) -> Complaint:
        files = self._files(self.config.payloads_dir, why="the suite needs a recorded payload")
        posts = platform.split(files[0].read_bytes(), h.CHANNEL)
        assert posts, f"{files[0].name} split into no posts"
        return self._normalize(platform, posts[0])

