"""Fixtures of the Instagram plugin's tests."""

from __future__ import annotations

import pytest

from shikayat import Channel

from ig_support import make_channel


@pytest.fixture
def channel() -> Channel:
    return make_channel()
