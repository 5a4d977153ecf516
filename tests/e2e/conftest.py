from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shikayat.plugins import load_plugins
from shikayat.store import Store
from shikayat_twitter.fake import FakeX, RunningFakeX, run_fake_x

from harness import DaemonProcess, free_port, write_config


@pytest.fixture
def fake_x() -> Iterator[RunningFakeX]:
    running = run_fake_x(FakeX())
    yield running
    running.stop()


@pytest.fixture
def make_daemon(tmp_path: Path, db_url: str) -> Iterator[Any]:
    """Build a daemon process for the fake X server(s); stopped (kill -9) at teardown."""
    daemons: list[DaemonProcess] = []

    def make(channels: dict[str, dict[str, Any]], *, lease_seconds: float = 2.0) -> DaemonProcess:
        port = free_port()
        sections: dict[str, dict[str, Any]] = {
            "storage": {"url": db_url},
            "daemon": {"port": port, "lease_seconds": lease_seconds, "idle_sleep": 0.05, "batch_size": 50,
                       "shutdown_grace": 10},
        }
        for name, values in channels.items():
            sections[f"channels.{name}"] = {"platform": "twitter", "poll_interval": 0.3, "unit": "up-hq",
                                            "bearer_token": "env:E2E_X_BEARER", "user_token": "env:E2E_X_USER",
                                            "user_id": "1000000000000000001", "max_results": 10, **values}
        config = write_config(tmp_path / f"shikayat-{len(daemons)}.toml", sections)
        daemon = DaemonProcess(config, env={"E2E_X_BEARER": "fake-bearer", "E2E_X_USER": "fake-user-token",
                                            "E2E_X_BAD": "revoked-token"})
        daemon.port = port  # type: ignore[attr-defined]
        daemon.cli("migrate")
        daemons.append(daemon)
        return daemon

    yield make
    for d in daemons:
        d.stop()


@pytest.fixture
def open_db(db_url: str) -> Iterator[Any]:
    stores: list[Store] = []

    def opener() -> Store:
        store = load_plugins().open_store(db_url)
        stores.append(store)
        return store

    yield opener
    for s in stores:
        s.close()
