"""Fixtures of the Instagram plugin's tests."""

from __future__ import annotations

import pytest
from ig_support import make_channel

from shikayat import Channel


@pytest.fixture
def channel() -> Channel:
    return make_channel()
