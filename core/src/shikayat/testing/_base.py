"""The shared part of the conformance suite: what a subclass sets, and the building blocks
the checks use. Private to :mod:`shikayat.testing`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from shikayat.complaint import Complaint, RawPost
from shikayat.errors import NotAPost
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
        """``raw`` normalized, where it must be a post (a notification fails the check)."""
        try:
            complaint = platform.normalize(raw)
        except NotAPost as exc:
            raise AssertionError(f"{raw.external_id}: normalize() raised NotAPost ({exc}), but this "
                                 "fixture must be a post") from None
        return self._checked(platform, raw, complaint)

    def _read(self, platform: Platform, raw: RawPost) -> Complaint | None:
        """``raw`` normalized as the pipeline does: a Complaint, or None for a notification the
        normalizer refuses with ``NotAPost`` (its inbox row is marked ignored, never dead)."""
        try:
            complaint = platform.normalize(raw)
        except NotAPost:
            return None
        return self._checked(platform, raw, complaint)

    def _checked(self, platform: Platform, raw: RawPost, complaint: Complaint) -> Complaint:
        assert isinstance(complaint, Complaint), f"normalize() returned {type(complaint).__name__}"
        assert complaint.platform == platform.name, (complaint.platform, platform.name)
        assert complaint.external_id == raw.external_id, (
            f"normalize() gave external id {complaint.external_id!r} for a RawPost keyed "
            f"{raw.external_id!r}; the pipeline dead-letters such a post")
        Complaint.model_validate(complaint.model_dump())
        return complaint

    def _first_complaint(self, platform: Platform) -> Complaint:
        """The first recorded payload's first post (notifications skipped)."""
        files = self._files(self.config.payloads_dir, why="the suite needs a recorded payload")
        for path in files:
            for raw in platform.split(path.read_bytes(), h.CHANNEL):
                complaint = self._read(platform, raw)
                if complaint is not None:
                    return complaint
        pytest.fail(f"no payload in {self.fixtures_dir / self.config.payloads_dir} holds a post "
                    "that normalizes into a complaint")

