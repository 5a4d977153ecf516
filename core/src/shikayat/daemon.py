"""The daemon: one asyncio process running every part of Shikayat.

* a poller per enabled channel that can fetch: once it holds the channel's lock, let the
  fetcher resume what a previous process left unfinished (:meth:`Fetcher.resume`); then fetch a
  page → commit its posts and the new cursor together → fetch on, or sleep ``poll_interval``
  when caught up;
* the pipeline worker (normalize → dedupe → classify → route → store → queue replies);
* the outbox worker (send replies, retry, never twice);
* the HTTP server (health, readiness, webhooks).

SIGTERM/SIGINT stop intake first (pollers and the HTTP server), let the workers finish what is
in flight, and exit 0. A permanent error on one channel (revoked credentials) stops that
channel, marks it unhealthy and raises the ``channel_failed`` hook; the others go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

from shikayat.complaint import utcnow
from shikayat.config import Config
from shikayat.errors import FatalError, RetryableError, ShikayatError
from shikayat.pipeline import Pipeline
from shikayat.pipeline.process import worker_name
from shikayat.pipeline.reply import OutboxWorker
from shikayat.platforms import Capability, Channel, Fetcher, Replier
from shikayat.plugins import Plugins
from shikayat.retry import DEFAULT_POLICY, RetryPolicy, retrying
from shikayat.store import Event, InboxView, Store
from shikayat.web import create_app
from shikayat.webhooks import WebhookRoutes

logger = logging.getLogger(__name__)

CURSOR_STUCK = "the fetcher's cursor did not move although its page said more follow"
"""A channel's ``last_error`` while its fetcher repeats a cursor (see :meth:`Daemon._poll`)."""


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the daemon owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Daemon:
    config: Config
    plugins: Plugins
    store: Store
    policy: RetryPolicy = DEFAULT_POLICY
    owner: str = field(default_factory=worker_name)
    transport: httpx.AsyncBaseTransport | None = None
    """Transport of the platforms' shared HTTP client (None: the network; tests inject one)."""

    def __post_init__(self) -> None:
        self.stopping = asyncio.Event()
        self._work = asyncio.Event()
        self._replies = asyncio.Event()
        self.routes = WebhookRoutes()
        self.failed: dict[str, str] = {}
        self.server: _Server | None = None
        self.pipeline = Pipeline.from_config(self.config, self.plugins, self.store, owner=self.owner)

    # -- entry point -----------------------------------------------------------------------
    async def run(self) -> int:
        self.store.check_schema()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop, sig)
        await asyncio.to_thread(self.pipeline.rebuild_index)

        async with httpx.AsyncClient(transport=self.transport, timeout=httpx.Timeout(30.0, connect=10.0)) as client:
            repliers = self._repliers(client)
            intake = [asyncio.create_task(self._poll(ch, client), name=f"poll:{ch.name}")
                      for ch in self._fetching_channels()]
            self._register_webhooks()
            server_task = asyncio.create_task(self._serve(), name="http")
            workers = [
                asyncio.create_task(self._pipeline_worker(), name="pipeline"),
                asyncio.create_task(self._outbox_worker(repliers), name="outbox"),
            ]
            logger.info("shikayat daemon running: %d channel(s) polling, %d webhook route(s)",
                        len(intake), len(self.routes.receivers))
            await self.stopping.wait()
            logger.info("stopping: intake first, then in-flight work")
            for task in intake:
                task.cancel()
            if self.server is not None:
                self.server.should_exit = True
            await asyncio.gather(*intake, server_task, return_exceptions=True)
            self._work.set()
            self._replies.set()
            done, pending = await asyncio.wait(workers, timeout=self.config.daemon.shutdown_grace)
            for task in pending:
                task.cancel()
            for task in done:
                if task.exception() is not None:
                    logger.error("worker %s failed: %s", task.get_name(), task.exception())
        logger.info("stopped")
        return 0

    @property
    def http_port(self) -> int | None:
        """The port the HTTP server is bound to (useful with ``port = 0``), once it started."""
        server = self.server
        if server is None or not server.started or not server.servers:
            return None
        return int(server.servers[0].sockets[0].getsockname()[1])

    def request_stop(self, sig: int | None = None) -> None:
        if not self.stopping.is_set():
            logger.info("received %s", signal.Signals(sig).name if sig else "stop request")
            self.stopping.set()

    # -- wiring ----------------------------------------------------------------------------
    def _fetching_channels(self) -> list[Channel]:
        out = []
        for channel in self.config.enabled_channels:
            platform = self.plugins.platform(channel.platform)
            if Capability.FETCH in platform.capabilities:
                out.append(channel)
        return out

    def _repliers(self, client: httpx.AsyncClient) -> dict[str, Replier]:
        out = {}
        for channel in self.config.enabled_channels:
            platform = self.plugins.platform(channel.platform)
            if Capability.REPLY in platform.capabilities and channel.settings.reply:
                out[channel.name] = platform.replier(channel, client)
        return out

    def _register_webhooks(self) -> None:
        for channel in self.config.enabled_channels:
            platform = self.plugins.platform(channel.platform)
            if Capability.WEBHOOK in platform.capabilities:
                self.routes.register(channel, platform)

    def readiness(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"ready": True, "channels": {}}
        try:
            status = self.store.schema_status()
            detail["schema"] = "ok" if status.up_to_date else f"outdated ({status.current} → {status.head})"
            detail["ready"] = status.up_to_date
            states = {s.channel: s for s in self.store.channel_states()}
        except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
            return {"ready": False, "database": f"unavailable: {type(exc).__name__}"}
        for channel in self.config.enabled_channels:
            state = states.get(channel.name)
            healthy = channel.name not in self.failed and (state is None or state.healthy)
            detail["channels"][channel.name] = {
                "healthy": healthy,
                "last_poll_at": state.last_poll_at.isoformat() if state and state.last_poll_at else None,
                "last_error": self.failed.get(channel.name) or (state.last_error if state else None),
                "rate_limit_remaining": state.rate_limit_remaining if state else None,
            }
            detail["ready"] = detail["ready"] and healthy
        return detail

    async def _serve(self) -> None:
        daemon = self.config.daemon
        app = create_app(self.store, self.routes, readiness=self.readiness, on_intake=self._work.set)
        config = uvicorn.Config(app, host=daemon.host, port=daemon.port, log_level="warning",
                                lifespan="off", access_log=False)
        self.server = _Server(config)
        try:
            await self.server.serve()
        except SystemExit:  # uvicorn exits when it cannot bind
            logger.error("HTTP server could not start on %s:%s", daemon.host, daemon.port)
            self.request_stop()

    # -- intake ----------------------------------------------------------------------------
    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)

    async def _poll(self, channel: Channel, client: httpx.AsyncClient) -> None:
        platform = self.plugins.platform(channel.platform)
        fetcher = platform.fetcher(channel, client)
        name = channel.name
        interval = channel.settings.poll_interval
        while not await asyncio.to_thread(self.store.try_lock_channel, name):
            logger.info("channel %s is polled by another instance; waiting", name)
            await self._sleep(interval)
        try:
            await self._resume(channel, fetcher)
            cursor = await asyncio.to_thread(self.store.get_cursor, name)
            while not self.stopping.is_set():
                try:
                    async for attempt in retrying(self.policy):
                        with attempt:
                            page = await fetcher.fetch(cursor)
                except FatalError as exc:
                    await self._channel_failed(channel, exc)
                    return
                except RetryableError as exc:
                    logger.warning("channel %s: fetch failed after retries: %s", name, exc)
                    await asyncio.to_thread(self.store.update_channel, name, last_error=str(exc),
                                            last_poll_at=utcnow())
                    await self._sleep(interval)
                    continue
                except Exception as exc:  # noqa: BLE001 - a fetcher bug must not kill the poller
                    logger.exception("channel %s: fetch failed unexpectedly", name)
                    await asyncio.to_thread(self.store.update_channel, name,
                                            last_error=f"{type(exc).__name__}: {exc}")
                    await self._sleep(interval)
                    continue
                # A page that claims more but leaves the cursor where it was would be fetched
                # again at once, forever: keep its posts, report it, and wait a poll interval.
                stuck = page.more and page.cursor == cursor
                if stuck:
                    logger.error("channel %s: the cursor did not move although the page says more "
                                 "follow; waiting a poll interval", name)
                # Posts and cursor commit together; shielded so a stop cannot cut it in half.
                new = await asyncio.shield(asyncio.to_thread(
                    self.store.add_raw, page.posts, channel=name, cursor=page.cursor))
                cursor = page.cursor
                now = utcnow()
                fields: dict[str, Any] = {"last_poll_at": now, "healthy": True,
                                          "rate_limit_remaining": page.rate_limit_remaining,
                                          "last_error": CURSOR_STUCK if stuck else None}
                if page.posts:
                    fields["last_post_at"] = now
                await asyncio.to_thread(self.store.update_channel, name, **fields)
                if new:
                    logger.info("channel %s: %d new post(s)", name, new)
                    self._work.set()
                if stuck or not page.more:
                    await self._sleep(interval)
        finally:
            await asyncio.to_thread(self.store.unlock_channel, name)

    async def _resume(self, channel: Channel, fetcher: Fetcher) -> None:
        """The fetcher's :meth:`~Fetcher.resume`; a failure there is reported, never fatal: the
        channel's polling goes on (what was not resumed stays in the inbox as its record)."""
        try:
            await fetcher.resume(InboxView(self.store, channel.platform, channel.name))
        except Exception as exc:  # noqa: BLE001 - resuming is best effort; polling must start
            logger.exception("channel %s: resuming unfinished work failed", channel.name)
            await asyncio.to_thread(self.store.update_channel, channel.name,
                                    last_error=f"resume: {type(exc).__name__}: {exc}")

    async def _channel_failed(self, channel: Channel, exc: ShikayatError) -> None:
        message = f"{type(exc).__name__}: {exc}"
        self.failed[channel.name] = message
        logger.error("channel %s stopped: %s — fix the channel's settings and restart", channel.name, message)
        await asyncio.to_thread(self.store.update_channel, channel.name, healthy=False, last_error=message)
        await asyncio.to_thread(self.store.record_events, [
            Event("channel.failed", None, {"channel": channel.name, "error": message}, actor="daemon")])
        self.plugins.hook.channel_failed(channel=channel, error=message)

    # -- workers ---------------------------------------------------------------------------
    async def _pipeline_worker(self) -> None:
        batch = self.config.daemon.batch_size
        idle = self.config.daemon.idle_sleep
        while True:
            try:
                result = await asyncio.to_thread(self.pipeline.run_batch, batch)
            except Exception:  # noqa: BLE001 - keep working; leased rows are retried later
                logger.exception("pipeline batch failed; retrying shortly")
                if self.stopping.is_set():
                    return
                await self._sleep(idle * 4)
                continue
            if result.replies_queued:
                self._replies.set()
            if result.claimed:
                continue
            if self.stopping.is_set():
                return
            self._work.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._work.wait(), timeout=idle * 4)

    async def _outbox_worker(self, repliers: dict[str, Replier]) -> None:
        daemon = self.config.daemon
        worker = OutboxWorker(self.store, repliers, owner=self.owner, lease_seconds=daemon.lease_seconds,
                              max_attempts=daemon.max_reply_attempts, policy=self.policy,
                              confirm_seconds=daemon.reply_confirm_seconds)
        while True:
            try:
                claimed = await worker.run_once()
            except Exception:  # noqa: BLE001 - keep working; leased rows are retried later
                logger.exception("outbox worker failed; retrying shortly")
                if self.stopping.is_set():
                    return
                await self._sleep(daemon.idle_sleep * 4)
                continue
            if claimed:
                continue
            if self.stopping.is_set():
                return
            self._replies.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._replies.wait(), timeout=daemon.idle_sleep * 4)
