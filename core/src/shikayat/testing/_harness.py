"""The real parts the conformance suite drives: settings, fixtures, mock HTTP, store, web app.

Private to :mod:`shikayat.testing`; nothing here imports pytest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
from pydantic import SecretStr

from shikayat.complaint import RawPost
from shikayat.platforms import Channel, ChannelSettings, Platform
from shikayat.plugins import Plugins, load_plugins
from shikayat.store import Store
from shikayat.units import UnitsDirectory
from shikayat.web import create_app
from shikayat.webhooks import WebhookRoutes

CHANNEL = "conformance"
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one check's async part (the suite's checks are plain functions: no async plugin
    for pytest is needed)."""
    return asyncio.run(coro)


def build_settings(platform: Platform, raw: Mapping[str, Any]) -> ChannelSettings:
    """Validate the suite's settings; secret fields may be given inline (test values)."""
    data = {"platform": platform.name, **raw}
    model = platform.settings_model
    for name, info in model.model_fields.items():
        if name in data and isinstance(data[name], str) and "SecretStr" in repr(info.annotation):
            data[name] = SecretStr(data[name])
    return model.model_validate(data)


def fixture_files(root: Path, sub: str) -> list[Path]:
    folder = root / sub
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


@dataclass
class MockAPI:
    """Answers the platform's requests from fixtures and records every request."""

    answer: Callable[[httpx.Request, int], httpx.Response]
    """``(request, index of the request) -> response``."""
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        request.read()
        return self.answer(request, len(self.requests) - 1)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))


def ok_response(body: bytes, headers: Mapping[str, str], status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"Content-Type": "application/json", **headers})


def serve_in_order(files: Sequence[Path], headers: Mapping[str, str], *, start: int = 0,
                   repeat_first: bool = False) -> MockAPI:
    """Serve ``files[start:]`` one per request (or ``files[start]`` for every request)."""

    def answer(request: httpx.Request, index: int) -> httpx.Response:
        position = start if repeat_first else start + index
        if position >= len(files):
            raise AssertionError(
                f"the fetcher made request #{index + 1} ({request.method} {request.url}) after every "
                f"fetch fixture was served ({len(files) - start}); the last fixture must end the walk")
        return ok_response(files[position].read_bytes(), headers)

    return MockAPI(answer)


def request_key(request: httpx.Request) -> tuple[str, str, bytes]:
    return request.method, str(request.url), request.content


def roundtrip(cursor: Mapping[str, str] | None) -> Any:
    """The cursor as the store keeps it: JSON there and back."""
    return orjson.loads(orjson.dumps(cursor))


def open_store(plugins: Plugins, path: Path) -> Store:
    store = plugins.open_store(f"sqlite:///{path}")
    store.migrate()
    return store


def suite_plugins(platform: Platform) -> Plugins:
    """Every installed plugin (for the store and the default hooks), with ``platform`` as the
    instance under test."""
    plugins = load_plugins()
    plugins.platforms[platform.name] = platform
    plugins.platform_sources[platform.name] = "conformance suite"
    return plugins


def empty_units() -> UnitsDirectory:
    return UnitsDirectory()


def inbox_total(store: Store) -> int:
    return sum(v for k, v in store.stats().items() if k.startswith("inbox_"))


async def call_webhook(store: Store, channel: Channel, platform: Platform,
                       send: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    """Drive the daemon's real HTTP app (``shikayat.web.create_app``) for one channel."""
    routes = WebhookRoutes()
    routes.register(channel, platform)
    app = create_app(store, routes, readiness=lambda: {"ready": True})
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://shikayat.test") as client:
        return await send(client)


def split_all(platform: Platform, files: Sequence[Path], channel: str) -> dict[Path, list[RawPost]]:
    return {path: platform.split(path.read_bytes(), channel) for path in files}
