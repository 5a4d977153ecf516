"""The HTTP server: health, readiness and webhook deliveries against a real store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from shikayat.platforms import Channel
from shikayat.plugins import Plugins, load_plugins
from shikayat.store import Store
from shikayat.testing.fakes import FakePlugin, FakeSettings
from shikayat.web import create_app
from shikayat.webhooks import WebhookRoutes, hmac_sha256


@pytest.fixture
def plugins() -> Plugins:
    import shikayat_storage.plugin

    return load_plugins(entry_points_enabled=False, extra=[FakePlugin(), shikayat_storage.plugin])


@pytest.fixture
def wstore(tmp_path: Path, plugins: Plugins) -> Iterator[Store]:
    store = plugins.open_store(f"sqlite:///{tmp_path / 'w.db'}")
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def client(wstore: Store, plugins: Plugins) -> httpx.AsyncClient:
    routes = WebhookRoutes(max_body_bytes=10_000)
    channel = Channel("hooked", "fake", FakeSettings(platform="fake", webhook_secret="topsecret"))
    routes.register(channel, plugins.platform("fake"))
    ready = {"ready": True}
    app = create_app(wstore, routes, readiness=lambda: ready)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://daemon")


def _signed(body: bytes, secret: bytes = b"topsecret") -> dict[str, str]:
    return {"X-Fake-Signature": "sha256=" + hmac_sha256(secret, body, "hex")}


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).status_code == 200


async def test_signed_delivery_is_committed_before_200(client: httpx.AsyncClient, wstore: Store) -> None:
    body = orjson.dumps({"posts": [{"id": "w1", "author": "a", "text": "t", "created_at": "2026-05-01T00:00:00Z"},
                                   {"id": "w2", "author": "b", "text": "u", "created_at": "2026-05-01T00:00:00Z"}]})
    r = await client.post("/webhooks/hooked", content=body, headers=_signed(body))
    assert r.status_code == 200 and r.json() == {"received": 2}
    assert wstore.stats()["inbox_pending"] == 2
    # redelivery (and out of order) adds nothing
    again = orjson.dumps({"posts": [{"id": "w2", "author": "b", "text": "u", "created_at": "2026-05-01T00:00:00Z"}]})
    assert (await client.post("/webhooks/hooked", content=again, headers=_signed(again))).status_code == 200
    assert wstore.stats()["inbox_pending"] == 2


@pytest.mark.parametrize("headers", [{}, {"X-Fake-Signature": "sha256=00"}, "wrong-secret"])
async def test_bad_signature_is_401_and_stores_nothing(client: httpx.AsyncClient, wstore: Store, headers: object) -> None:
    body = b'{"id": "evil", "author": "x", "text": "forged", "created_at": "2026-05-01T00:00:00Z"}'
    hdrs = _signed(body, b"wrong") if headers == "wrong-secret" else headers
    r = await client.post("/webhooks/hooked", content=body, headers=hdrs)  # type: ignore[arg-type]
    assert r.status_code == 401
    assert sum(v for k, v in wstore.stats().items() if k.startswith("inbox_")) == 0


async def test_malformed_json_with_valid_signature_is_kept_as_dead_letter(client: httpx.AsyncClient, wstore: Store) -> None:
    body = b'{"posts": [ not json'
    r = await client.post("/webhooks/hooked", content=body, headers=_signed(body))
    assert r.status_code == 200
    (item, error), = wstore.dead_letters()
    assert item.payload == body and "could not be read" in error
    # the same bytes again are the same dead letter, not a second one
    assert (await client.post("/webhooks/hooked", content=body, headers=_signed(body))).status_code == 200
    assert len(wstore.dead_letters()) == 1
    # reprocessable: requeued as pending, verbatim
    assert wstore.requeue_dead(platform="fake") == 1
    assert wstore.stats()["inbox_pending"] == 1 and wstore.stats()["inbox_dead"] == 0


def _inbox_total(store: Store) -> int:
    return sum(v for k, v in store.stats().items() if k.startswith("inbox_"))


def _post(pid: str, created: str) -> dict[str, str]:
    return {"id": pid, "author": "a", "text": f"post {pid}", "created_at": created}


async def test_answer_comes_only_after_the_commit(wstore: Store, plugins: Plugins, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    routes = WebhookRoutes()
    routes.register(Channel("hooked", "fake", FakeSettings(platform="fake", webhook_secret="topsecret")),
                    plugins.platform("fake"))
    app = create_app(wstore, routes, readiness=lambda: {"ready": True})
    body = orjson.dumps(_post("c1", "2026-05-01T00:00:00Z"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://daemon") as client:
        # committed: another connection to the same database sees the row once 200 is answered
        assert (await client.post("/webhooks/hooked", content=body, headers=_signed(body))).status_code == 200
        other = plugins.open_store(f"sqlite:///{tmp_path / 'w.db'}")
        try:
            assert other.stats()["inbox_pending"] == 1
        finally:
            other.close()

        def refuse(*args: object, **kwargs: object) -> int:
            raise RuntimeError("database is gone")

        monkeypatch.setattr(wstore, "add_raw", refuse)
        body2 = orjson.dumps(_post("c2", "2026-05-01T00:00:00Z"))
        r = await client.post("/webhooks/hooked", content=body2, headers=_signed(body2))
    assert r.status_code == 500                       # never 2xx: the platform will redeliver


async def test_out_of_order_deliveries_are_all_kept(client: httpx.AsyncClient, wstore: Store) -> None:
    later = orjson.dumps(_post("o2", "2026-05-01T10:05:00Z"))
    earlier = orjson.dumps(_post("o1", "2026-05-01T10:00:00Z"))
    for body in (later, earlier, later):
        assert (await client.post("/webhooks/hooked", content=body, headers=_signed(body))).status_code == 200
    assert wstore.stats()["inbox_pending"] == 2


async def test_oversized_body_is_refused(client: httpx.AsyncClient, wstore: Store) -> None:
    post = _post("big", "2026-05-01T00:00:00Z")
    post["text"] = "x" * 20_000
    body = orjson.dumps(post)                        # signed and valid: only its size is wrong
    r = await client.post("/webhooks/hooked", content=body, headers=_signed(body))
    assert r.status_code == 413
    assert _inbox_total(wstore) == 0


async def test_oversized_streamed_body_is_refused(client: httpx.AsyncClient, wstore: Store) -> None:
    """Without a Content-Length the limit is enforced while reading."""
    post = _post("big", "2026-05-01T00:00:00Z")
    post["text"] = "x" * 20_000
    body = orjson.dumps(post)

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 4096):
            yield body[i:i + 4096]

    r = await client.post("/webhooks/hooked", content=chunks(), headers=_signed(body))
    assert r.status_code == 413
    assert _inbox_total(wstore) == 0


async def test_handshake_and_unknown_channel(client: httpx.AsyncClient) -> None:
    ok = await client.get("/webhooks/hooked", params={"token": "topsecret", "challenge": "abc123"})
    assert (ok.status_code, ok.text) == (200, "abc123")
    assert (await client.get("/webhooks/hooked", params={"token": "nope", "challenge": "x"})).status_code == 401
    assert (await client.post("/webhooks/nosuch", content=b"{}")).status_code == 404
