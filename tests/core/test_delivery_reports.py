"""Delivery reports (``Platform.delivery_reports``): a platform says a reply it accepted was not
delivered, or confirms a reply it sent by the token the send carried; the webhook route and
``shikayat ingest`` record them in the outbox, against a real store."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import orjson
import pytest

from shikayat.complaint import Author, Complaint, RawPost, utcnow
from shikayat.hookspecs import hookimpl
from shikayat.pipeline.reply import OutboxWorker, record_delivery_reports
from shikayat.platforms import Channel, DeliveryReport, Platform, Replier, ReplyIntent, SentReply, reply_token
from shikayat.plugins import Plugins, load_plugins
from shikayat.replay import ingest_lines
from shikayat.store import OutboxEntry, OutboxItem, Processed, Store
from shikayat.testing.fakes import FakePlatform, FakeSettings
from shikayat.types import Status
from shikayat.web import create_app
from shikayat.webhooks import WebhookRoutes, hmac_sha256


class _ReportingPlatform(FakePlatform):
    """The fake platform, plus ``{"failed": [{"id", "error"}], "confirmed": [{"id", "token"}]}``
    delivery reports."""

    def delivery_reports(self, payload: bytes) -> list[DeliveryReport]:
        data = orjson.loads(payload)
        return [*(DeliveryReport(f["id"], error=f["error"]) for f in data.get("failed", [])),
                *(DeliveryReport(c["id"], c["token"]) for c in data.get("confirmed", []))]


class _Plugin:
    @hookimpl
    def register_platforms(self) -> list[Platform]:
        return [_ReportingPlatform()]


@pytest.fixture
def plugins() -> Plugins:
    import shikayat_storage.plugin

    return load_plugins(entry_points_enabled=False, extra=[_Plugin(), shikayat_storage.plugin])


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


def _queued_ack(store: Store, ext: str) -> Complaint:
    store.add_raw([RawPost(platform="fake", external_id=ext, channel="hooked", payload=b"{}")])
    item, = store.claim_inbox(1, owner="t", lease_seconds=30)
    c = Complaint(platform="fake", external_id=ext, docket=f"SK-{ext}", author=Author(id="u1"), text="t",
                  created_at=utcnow())
    store.save_outcomes([Processed(item.id, c, outbox=[OutboxEntry("ack", "hooked", ext, "u1", "registered")])])
    return c


async def test_webhook_confirmation_marks_the_pending_reply_sent_once(store: Store, plugins: Plugins) -> None:
    c = _queued_ack(store, "k1")
    row, = store.claim_outbox(1, owner="dead", lease_seconds=30)     # accepted by the platform, then a crash
    routes = WebhookRoutes()
    routes.register(Channel("hooked", "fake", FakeSettings(platform="fake", webhook_secret="s3")), plugins.platform("fake"))
    app = create_app(store, routes, readiness=lambda: {"ready": True})
    body = orjson.dumps({"posts": [], "confirmed": [
        {"id": "r-5", "token": reply_token(row.id)},
        {"id": "r-6", "token": "someone-else:1"},                          # not ours
        {"id": "r-7", "token": reply_token(row.id + 1000)}]})              # no such row
    headers = {"X-Fake-Signature": "sha256=" + hmac_sha256(b"s3", body, "hex")}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://d") as client:
        forged = await client.post("/webhooks/hooked", content=body, headers={"X-Fake-Signature": "sha256=00"})
        assert forged.status_code == 401 and store.stats()["outbox_pending"] == 1
        r = await client.post("/webhooks/hooked", content=body, headers=headers)
        assert r.status_code == 200 and r.json() == {"received": 0}           # an echo is never a complaint
        assert (await client.post("/webhooks/hooked", content=body, headers=headers)).status_code == 200
        stats = store.stats()
        assert (stats["outbox_sent"], stats["outbox_pending"], stats["complaints"]) == (1, 0, 1)
        assert [e.detail["platform_id"] for e in store.events(c.id) if e.kind == "reply.sent"] == ["r-5"]
        back = store.get_complaint(c.id)
        assert back is not None and back.status is Status.ACKNOWLEDGED
        # a failed status after the confirmation still marks the reply undelivered
        failed = orjson.dumps({"posts": [], "failed": [{"id": "r-5", "error": "131026 undeliverable"}]})
        r = await client.post("/webhooks/hooked", content=failed,
                              headers={"X-Fake-Signature": "sha256=" + hmac_sha256(b"s3", failed, "hex")})
        assert r.status_code == 200 and store.stats()["outbox_failed"] == 1


def test_replayed_confirmation_marks_the_reply_sent(store: Store, plugins: Plugins) -> None:
    _queued_ack(store, "k2")
    row, = store.claim_outbox(1, owner="dead", lease_seconds=30)
    confirmed = [{"id": "r-9", "token": reply_token(row.id)}]
    line = orjson.dumps({"platform": "fake", "payload": {"posts": [], "confirmed": confirmed}})
    report = ingest_lines([line, line], plugins, store)
    assert (report.posts, report.confirmed, report.undelivered) == (0, 1, 0)
    assert store.stats()["outbox_sent"] == 1


class _Confirming(Replier):
    """Records sends; the platform echoes its replies back instead of being searchable."""

    def __init__(self) -> None:
        self.sent: list[ReplyIntent] = []

    async def send(self, intent: ReplyIntent) -> SentReply:
        self.sent.append(intent)
        return SentReply(f"r-{len(self.sent)}")

    def confirms_by_webhook(self, intent: ReplyIntent) -> bool:
        return True


def _after_a_lost_attempt(store: Store, ext: str) -> OutboxItem:
    """A reply whose first attempt's outcome was lost (claimed, then the process died)."""
    _queued_ack(store, ext)
    store.claim_outbox(1, owner="dead", lease_seconds=30)
    item, = store.claim_outbox(1, owner="t", lease_seconds=30, now=utcnow() + timedelta(minutes=1))
    assert item.attempts == 2
    return item


async def test_lost_attempt_confirmed_within_the_wait_is_not_sent_again(store: Store) -> None:
    replier = _Confirming()
    worker = OutboxWorker(store, {"hooked": replier}, owner="t", confirm_seconds=3600)
    item = _after_a_lost_attempt(store, "w1")
    await worker.send(item)
    assert replier.sent == [] and store.stats()["outbox_pending"] == 1
    assert await worker.run_once() == 0                                   # waiting, not due
    done = record_delivery_reports(store, "fake", [DeliveryReport("r-lost", reply_token(item.id))])
    assert done.confirmed == 1
    assert store.claim_outbox(1, owner="t", lease_seconds=30, now=utcnow() + timedelta(hours=2)) == []
    assert replier.sent == [] and store.stats()["outbox_sent"] == 1


async def test_lost_attempt_unconfirmed_after_the_wait_is_sent_again(store: Store,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    replier = _Confirming()
    worker = OutboxWorker(store, {"hooked": replier}, owner="t", confirm_seconds=3600)
    item = _after_a_lost_attempt(store, "w2")
    with caplog.at_level(logging.INFO, logger="shikayat.pipeline.reply"):
        await worker.send(item)
        assert replier.sent == []
        later, = store.claim_outbox(1, owner="t", lease_seconds=30, now=utcnow() + timedelta(hours=2))
        assert later.confirm_waited and later.attempts == 2
        await worker.send(later)
    assert [i.outbox_id for i in replier.sent] == [item.id]
    assert store.stats()["outbox_sent"] == 1
    words = caplog.text
    assert "waiting up to 3600s for the platform to confirm it" in words
    assert "did not confirm the earlier attempt within 3600s; sending it again" in words


async def test_a_replier_that_is_not_echoed_sends_again_at_once(store: Store) -> None:
    class _Plain(_Confirming):
        def confirms_by_webhook(self, intent: ReplyIntent) -> bool:
            return False

    plain, confirming = _Plain(), _Confirming()
    await OutboxWorker(store, {"hooked": plain}, owner="t").send(_after_a_lost_attempt(store, "w3"))
    await OutboxWorker(store, {"hooked": confirming}, owner="t", confirm_seconds=0).send(
        _after_a_lost_attempt(store, "w4"))
    assert len(plain.sent) == 1 and len(confirming.sent) == 1
