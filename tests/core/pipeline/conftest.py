from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shikayat.config import build_config
from shikayat.pipeline import Pipeline
from shikayat.plugins import Plugins, load_plugins
from shikayat.store import Store
from shikayat.testing.fakes import FakeFeed, FakePlugin

UNITS = Path(__file__).parents[1] / "fixtures" / "units"


@pytest.fixture
def feed() -> FakeFeed:
    return FakeFeed()


@pytest.fixture
def plugins(feed: FakeFeed) -> Plugins:
    return load_plugins(entry_points_enabled=False, extra=[FakePlugin(feed), _storage_plugin()])


def _storage_plugin() -> object:
    import shikayat_storage.plugin

    return shikayat_storage.plugin


@pytest.fixture
def pstore(db_url: str, plugins: Plugins) -> Iterator[Store]:
    store = plugins.open_store(db_url)
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def config_raw() -> dict[str, object]:
    return {
        "storage": {"url": "sqlite:///unused.db"},
        "units": {"path": str(UNITS)},
        "channels": {
            "city": {"platform": "fake", "unit": "tf-city", "account_id": "police"},
            "quiet": {"platform": "fake", "unit": "tf-hq", "reply": False, "account_id": "police2"},
        },
    }


@pytest.fixture
def pipeline(pstore: Store, plugins: Plugins, config_raw: dict[str, object], tmp_path: Path) -> Pipeline:
    config = build_config(config_raw, plugins, base=tmp_path)
    return Pipeline.from_config(config, plugins, pstore, lease_seconds=30)
