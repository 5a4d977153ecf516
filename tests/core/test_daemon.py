"""The daemon in-process with the fake platform and a real SQLite store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from shikayat.complaint import utcnow
from shikayat.config import Config, build_config
from shikayat.daemon import Daemon
from shikayat.errors import AuthError, RateLimited
from shikayat.hookspecs import hookimpl
from shikayat.platforms import Channel
from shikayat.plugins import Plugins, load_plugins
from shikayat.retry import RetryPolicy
from shikayat.store import Store
from shikayat.testing.fakes import FakeFeed, FakePlugin

UNITS = Path(__file__).parent / "fixtures" / "units"
FAST = RetryPolicy(initial=0.01, maximum=0.05, attempts=3, rate_limit_margin=0.0)


@pytest.fixture
def feed() -> FakeFeed:
    return FakeFeed()


@pytest.fixture
def plugins(feed: FakeFeed) -> Plugins:
    import shikayat_storage.plugin

    return load_plugins(entry_points_enabled=False, extra=[FakePlugin(feed), shikayat_storage.plugin])


@pytest.fixture
def config(tmp_path: Path, plugins: Plugins) -> Config:
    raw = {
        "storage": {"url": "sqlite:///d.db"},
        "units": {"path": str(UNITS)},
        "daemon": {"port": 0, "idle_sleep": 0.02, "lease_seconds": 5},
        "channels": {
            "one": {"platform": "fake", "unit": "tf-city", "poll_interval": 0.05, "page_size": 3},
            "two": {"platform": "fake", "unit": "tf-hq", "poll_interval": 0.05, "account_id": "police2"},
        },
    }
    return build_config(raw, plugins, base=tmp_path)


@pytest.fixture
def dstore(config: Config, plugins: Plugins) -> Iterator[Store]:
    store = plugins.open_store(config.storage.url)
    store.migrate()
    yield store
    store.close()


async def _until(cond: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def test_polls_processes_replies_and_stops_cleanly(config: Config, plugins: Plugins, dstore: Store,
                                                        feed: FakeFeed) -> None:
    for i in range(10):
        feed.post(f"complaint {i}", author=f"c{i}")
    daemon = Daemon(config, plugins, dstore, policy=FAST, transport=feed.transport())
    task = asyncio.create_task(daemon.run())
    # both channels poll the same feed: the inbox absorbs the overlap
    await _until(lambda: dstore.stats()["outbox_sent"] == 10)
    feed.post("late complaint", author="late")
    await _until(lambda: dstore.stats()["outbox_sent"] == 11)
    daemon.request_stop()
    assert await asyncio.wait_for(task, 10) == 0
    stats = dstore.stats()
    assert stats["complaints"] == 11 and stats["inbox_pending"] == 0
    assert len(feed.replies) == 11                                     # one reply per complaint
    assert sorted(r["in_reply_to"] for r in feed.replies) == sorted(p["id"] for p in feed.posts)
    assert all(c.status.value == "acknowledged" for c in dstore.iter_complaints())


async def test_rate_limit_is_waited_out(config: Config, plugins: Plugins, dstore: Store, feed: FakeFeed) -> None:
    feed.post("x")
    feed.fail_fetch = [RateLimited("429", retry_after=0.3), RateLimited("429", retry_after=0.3)]
    daemon = Daemon(config, plugins, dstore, policy=FAST, transport=feed.transport())
    task = asyncio.create_task(daemon.run())
    loop = asyncio.get_running_loop()
    start = loop.time()
    await _until(lambda: dstore.stats()["complaints"] == 1)
    assert loop.time() - start >= 0.3
    daemon.request_stop()
    assert await asyncio.wait_for(task, 10) == 0


async def test_hook_channel_failed(config: Config, plugins: Plugins, dstore: Store, feed: FakeFeed) -> None:
    """An auth failure stops one channel, visibly; the other goes on."""
    failed: list[tuple[str, str]] = []

    class Watch:
        @hookimpl
        def channel_failed(self, channel: Channel, error: str) -> None:
            failed.append((channel.name, error))

    plugins.pm.register(Watch())
    feed.fail_fetch_for["two"] = [AuthError("token revoked", status=401)]
    for i in range(4):
        feed.post(f"c{i}", author=f"a{i}")
    daemon = Daemon(config, plugins, dstore, policy=FAST, transport=feed.transport())
    task = asyncio.create_task(daemon.run())
    await _until(lambda: bool(failed) and dstore.stats()["complaints"] == 4)
    assert failed == [("two", "AuthError: token revoked")]
    await _until(lambda: daemon.http_port is not None)
    async with httpx.AsyncClient() as client:
        r = await client.get(f"http://127.0.0.1:{daemon.http_port}/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["channels"]["two"]["healthy"] is False and "token revoked" in body["channels"]["two"]["last_error"]
    assert body["channels"]["one"]["healthy"] is True
    states = {s.channel: s for s in dstore.channel_states()}
    assert states["two"].healthy is False
    assert any(e.kind == "channel.failed" for e in dstore.events())
    daemon.request_stop()
    assert await asyncio.wait_for(task, 10) == 0


async def test_refuses_an_outdated_schema(config: Config, plugins: Plugins) -> None:
    from shikayat.errors import SchemaOutdated

    store = plugins.open_store(config.storage.url)      # never migrated
    try:
        with pytest.raises(SchemaOutdated, match="shikayat migrate"):
            await Daemon(config, plugins, store).run()
    finally:
        store.close()


async def test_a_cursor_that_does_not_move_is_not_fetched_in_a_loop(tmp_path: Path, feed: FakeFeed) -> None:
    """A fetcher that keeps answering "more" with the cursor it was given is fetched once per
    poll interval, not in a tight loop; its posts are kept and the channel shows why."""
    import shikayat_storage.plugin
    from shikayat.complaint import RawPost
    from shikayat.daemon import CURSOR_STUCK
    from shikayat.platforms import Fetcher, Page
    from shikayat.testing.fakes import FakePlatform, payload_bytes
    from shikayat.types import Cursor

    calls: list[Cursor | None] = []

    class Stuck(Fetcher):
        async def fetch(self, cursor: Cursor | None) -> Page:
            calls.append(cursor)
            post = {"id": "s1", "author": "a", "text": "stuck", "created_at": "2026-05-01T00:00:00Z"}
            return Page([RawPost(platform="stuck", external_id="s1", channel="st", payload=payload_bytes(post))],
                        {"after": "1"}, more=True)

    class StuckPlatform(FakePlatform):
        name = "stuck"

        def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
            return Stuck()

    class Provides:
        @hookimpl
        def register_platforms(self) -> list[object]:
            return [StuckPlatform()]

    plugins = load_plugins(entry_points_enabled=False, extra=[Provides(), shikayat_storage.plugin])
    config = build_config({
        "storage": {"url": "sqlite:///s.db"}, "units": {"path": str(UNITS)},
        "daemon": {"port": 0, "idle_sleep": 0.02},
        "channels": {"st": {"platform": "stuck", "poll_interval": 0.2, "reply": False}},
    }, plugins, base=tmp_path)
    store = plugins.open_store(config.storage.url)
    store.migrate()
    try:
        daemon = Daemon(config, plugins, store, policy=FAST, transport=feed.transport())
        task = asyncio.create_task(daemon.run())
        await _until(lambda: len(calls) >= 3 and store.stats()["complaints"] == 1)
        await asyncio.sleep(0.3)
        daemon.request_stop()
        assert await asyncio.wait_for(task, 10) == 0
        # about one fetch per 0.2 s interval; a loop would have fetched thousands of times
        assert 3 <= len(calls) <= 12, len(calls)
        assert calls[1:] == [{"after": "1"}] * (len(calls) - 1)
        state, = store.channel_states()
        assert state.last_error == CURSOR_STUCK and state.cursor == {"after": "1"}
    finally:
        store.close()


async def test_a_fetcher_resumes_from_its_channels_inbox_before_its_first_fetch(
        config: Config, plugins: Plugins, dstore: Store, feed: FakeFeed) -> None:
    """``resume`` runs once per poller start, before any fetch, with a view of the channel's own
    inbox; a resume that fails is reported and the channel polls on."""
    from shikayat.complaint import RawPost
    from shikayat.platforms import Fetcher, Page
    from shikayat.store import InboxView
    from shikayat.testing.fakes import FakePlatform, payload_bytes
    from shikayat.types import Cursor

    calls: list[str] = []
    seen: dict[str, object] = {}

    class Resuming(Fetcher):
        def __init__(self, inner: Fetcher, channel: str) -> None:
            self.inner, self.channel = inner, channel

        async def resume(self, inbox: InboxView) -> None:
            calls.append(f"resume:{self.channel}")
            stubs = await inbox.posts(prefix="later:", since=utcnow() - timedelta(days=1))
            seen[self.channel] = ([s.external_id for s in stubs], await inbox.stored(["later:1", "nope"]))
            if self.channel == "two":
                raise RuntimeError("resume broke")

        async def fetch(self, cursor: Cursor | None) -> Page:
            calls.append(f"fetch:{self.channel}")
            return await self.inner.fetch(cursor)

    class ResumingPlatform(FakePlatform):
        def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
            return Resuming(super().fetcher(channel, client), channel.name)

    import shikayat_storage.plugin

    provides = FakePlugin(feed)
    provides.platform = ResumingPlatform(feed)
    plugins = load_plugins(entry_points_enabled=False, extra=[provides, shikayat_storage.plugin])
    stub = {"id": "later:1", "author": "a", "text": "x", "created_at": "2026-05-01T00:00:00Z"}
    dstore.add_raw([RawPost(platform="fake", external_id="later:1", channel="one", payload=payload_bytes(stub))])
    feed.post("a complaint", author="c1")
    daemon = Daemon(config, plugins, dstore, policy=FAST, transport=feed.transport())
    task = asyncio.create_task(daemon.run())
    await _until(lambda: dstore.stats()["complaints"] == 2 and {"fetch:one", "fetch:two"} <= set(calls))
    daemon.request_stop()
    assert await asyncio.wait_for(task, 10) == 0
    for name in ("one", "two"):
        mine = [c for c in calls if c.endswith(f":{name}")]
        assert mine[0] == f"resume:{name}" and mine.count(f"resume:{name}") == 1 and len(mine) > 1
    assert seen == {"one": (["later:1"], {"later:1"}), "two": ([], {"later:1"})}   # own channel only

