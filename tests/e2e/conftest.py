from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shikayat.plugins import load_plugins
from shikayat.store import Store
from shikayat_facebook.fake import FakeFacebook
from shikayat_facebook.fakegraph import RunningFake, run_fake
from shikayat_instagram.fake import FakeInstagram
from shikayat_twitter.fake import FakeX, RunningFakeX, run_fake_x
from shikayat_whatsapp.fake import FakeWhatsApp

from harness import X_ENV, DaemonProcess, daemon_section, free_port, write_config, x_channel


@pytest.fixture
def fake_x() -> Iterator[RunningFakeX]:
    running = run_fake_x(FakeX())
    yield running
    running.stop()


@pytest.fixture
def fake_fb() -> Iterator[tuple[FakeFacebook, RunningFake]]:
    fake = FakeFacebook()
    running = run_fake(fake.app, name="fake-facebook")
    yield fake, running
    running.stop()


@pytest.fixture
def fake_ig() -> Iterator[tuple[FakeInstagram, RunningFake]]:
    fake = FakeInstagram()
    running = run_fake(fake.app, name="fake-instagram")
    yield fake, running
    running.stop()


@pytest.fixture
def fake_wa() -> Iterator[tuple[FakeWhatsApp, RunningFake]]:
    fake = FakeWhatsApp(auto_statuses=True)
    running = run_fake(fake.app, name="fake-whatsapp")
    yield fake, running
    running.stop()


@pytest.fixture
def make_daemon(tmp_path: Path, db_url: str) -> Iterator[Any]:
    """Build a daemon process for the fake X server(s); stopped (kill -9) at teardown."""
    daemons: list[DaemonProcess] = []

    def make(channels: dict[str, dict[str, Any]], *, lease_seconds: float = 2.0) -> DaemonProcess:
        port = free_port()
        sections: dict[str, dict[str, Any]] = {
            "storage": {"url": db_url},
            "daemon": daemon_section(port, lease_seconds=lease_seconds),
        }
        for name, values in channels.items():
            sections[f"channels.{name}"] = x_channel(**values)
        config = write_config(tmp_path / f"shikayat-{len(daemons)}.toml", sections)
        daemon = DaemonProcess(config, env=dict(X_ENV))
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
