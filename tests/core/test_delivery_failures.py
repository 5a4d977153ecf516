"""Delivery reports: a platform says a reply it accepted was not delivered (``delivery_failures``);
the webhook route and ``shikayat ingest`` mark the outbox row failed, against a real store."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest

from shikayat.complaint import Author, Complaint, RawPost, utcnow
from shikayat.hookspecs import hookimpl
from shikayat.platforms import Channel, DeliveryFailure, Platform
from shikayat.plugins import Plugins, load_plugins
from shikayat.replay import ingest_lines
from shikayat.store import OutboxEntry, Processed, Store
from shikayat.testing.fakes import FakePlatform, FakeSettings
from shikayat.types import Status
from shikayat.web import create_app
from shikayat.webhooks import WebhookRoutes, hmac_sha256


class _ReportingPlatform(FakePlatform):
    """The fake platform, plus ``{"failed": [{"id": …, "error": …}]}`` delivery reports."""

    def delivery_failures(self, payload: bytes) -> list[DeliveryFailure]:
        data = orjson.loads(payload)
        return [DeliveryFailure(f["id"], f["error"]) for f in data.get("failed", [])]


class _Plugin:
    @hookimpl
    def register_platforms(self) -> list[Platform]:
        return [_ReportingPlatform()]


@pytest.fixture
def plugins() -> Plugins:
    import shikayat_storage.plugin

    return load_plugins(entry_points_enabled=False, extra=[_Plugin(), shikayat_storage.plugin])


@pytest.fixture
def store(db_url: str, plugins: Plugins) -> Iterator[Store]:
    s = plugins.open_store(db_url)
    s.migrate()
    yield s
    s.close()


def _sent_ack(store: Store, ext: str, platform_id: str) -> Complaint:
    store.add_raw([RawPost(platform="fake", external_id=ext, channel="hooked", payload=b"{}")])
    item, = store.claim_inbox(1, owner="t", lease_seconds=30)
    c = Complaint(platform="fake", external_id=ext, docket=f"SK-{ext}", author=Author(id="u1"), text="t",
                  created_at=utcnow())
    store.save_outcomes([Processed(item.id, c, outbox=[OutboxEntry("ack", "hooked", ext, "u1", "registered")])])
    row, = store.claim_outbox(1, owner="t", lease_seconds=30)
    store.mark_sent(row.id, platform_id)
    return c


async def test_webhook_report_marks_the_reply_failed_before_200(store: Store, plugins: Plugins) -> None:
    c = _sent_ack(store, "p1", "r-77")
    routes = WebhookRoutes()
    routes.register(Channel("hooked", "fake", FakeSettings(platform="fake", webhook_secret="s3")), plugins.platform("fake"))
    app = create_app(store, routes, readiness=lambda: {"ready": True})
    body = orjson.dumps({"posts": [], "failed": [{"id": "r-77", "error": "131026 undeliverable"}, {"id": "r-unknown", "error": "x"}]})
    headers = {"X-Fake-Signature": "sha256=" + hmac_sha256(b"s3", body, "hex")}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://d") as client:
        forged = await client.post("/webhooks/hooked", content=body, headers={"X-Fake-Signature": "sha256=00"})
        assert forged.status_code == 401
        assert store.stats()["outbox_sent"] == 1                              # a forged report changes nothing
        r = await client.post("/webhooks/hooked", content=body, headers=headers)
        assert r.status_code == 200 and r.json() == {"received": 0}
        assert (await client.post("/webhooks/hooked", content=body, headers=headers)).status_code == 200
    stats = store.stats()
    assert stats["outbox_failed"] == 1 and stats["outbox_sent"] == 0 and stats["inbox_pending"] == 0
    events = [e for e in store.events(c.id) if e.kind == "reply.undelivered"]
    assert len(events) == 1 and events[0].detail["error"] == "131026 undeliverable"
    back = store.get_complaint(c.id)
    assert back is not None and back.status is Status.NEW


def test_replayed_report_marks_the_reply_failed(store: Store, plugins: Plugins) -> None:
    _sent_ack(store, "p2", "r-88")
    line = orjson.dumps({"platform": "fake", "payload": {
        "posts": [{"id": "p3", "author": "u2", "text": "new one", "created_at": "2026-05-01T00:00:00Z"}],
        "failed": [{"id": "r-88", "error": "131047 Re-engagement message"}]}})
    report = ingest_lines([line, line], plugins, store)
    assert (report.posts, report.new, report.undelivered) == (2, 1, 1)
    assert store.stats()["outbox_failed"] == 1




async def test_outbox_worker_hands_the_replier_the_author_and_their_last_post(store: Store) -> None:
    from shikayat.pipeline.reply import OutboxWorker
    from shikayat.platforms import Replier, ReplyIntent, SentReply

    seen: list[ReplyIntent] = []

    class _Recorder(Replier):
        async def send(self, intent: ReplyIntent) -> SentReply:
            seen.append(intent)
            return SentReply("r-1")

    store.add_raw([RawPost(platform="fake", external_id="q1", channel="hooked", payload=b"{}")])
    item, = store.claim_inbox(1, owner="t", lease_seconds=30)
    when = utcnow().replace(microsecond=0)
    c = Complaint(platform="fake", external_id="q1", docket="SK-q1", author=Author(id="u9", phone="919811111111"),
                  text="t", created_at=when)
    store.save_outcomes([Processed(item.id, c, outbox=[OutboxEntry("ack", "hooked", "q1", "u9", "registered")])])
    await OutboxWorker(store, {"hooked": _Recorder()}, owner="t").run_once()
    intent, = seen
    assert intent.author is not None and intent.author.phone == "919811111111"
    assert intent.last_inbound_at == when
    assert "919811111111" not in repr(intent)
