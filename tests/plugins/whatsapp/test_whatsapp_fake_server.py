"""The fake Cloud API on loopback, driven by the real replier and client: text and template sends,
the window failing later in a status, the pair rate limit, media lookup, mark-as-read, error
envelopes, and signed deliveries the real receiver accepts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shikayat import AuthError, Author, DeliveryReport, FatalError, RateLimited, ReplyIntent
from shikayat_facebook.fakegraph import RunningFake, run_fake
from shikayat_whatsapp.fake import FakeWhatsApp
from shikayat_whatsapp.platform import WhatsAppPlatform, WhatsAppWebhookReceiver, graph_client
from shikayat_whatsapp.replier import WhatsAppReplier
from shikayat_whatsapp.traffic import WhatsAppTraffic


@pytest.fixture
def fake() -> Iterator[tuple[FakeWhatsApp, RunningFake]]:
    wa = FakeWhatsApp()
    running = run_fake(wa.app, name="fake-whatsapp")
    yield wa, running
    running.stop()


def _intent(wa: FakeWhatsApp, name: str, *, last: datetime | None, kind: str = "ack") -> ReplyIntent:
    person = wa.citizen(name)
    inbound = wa.received[-1]["id"] if wa.received else "wamid.none"
    return ReplyIntent(outbox_id=1, complaint_id="c1", docket="SK-AAAA-BBBB", kind=kind, channel="up_wa",
                       text="Registered, reference SK-AAAA-BBBB.", in_reply_to=inbound, recipient=person.user_id,
                       author=Author(id=person.user_id, phone=person.wa_id), last_inbound_at=last)


async def _with_replier(running: RunningFake, make_channel: Any, fn: Any, **settings: Any) -> Any:
    channel = make_channel(base_url=running.base_url, **settings)
    async with httpx.AsyncClient() as client:
        return await fn(WhatsAppReplier(channel, graph_client(channel, client)), graph_client(channel, client))


async def test_text_inside_the_window_is_delivered_and_read(fake: Any, make_channel: Any) -> None:
    wa, running = fake
    wa.text("Asha", "meri chain chheen li")
    sent = await _with_replier(running, make_channel,
                               lambda r, g: r.send(_intent(wa, "Asha", last=datetime.now(UTC))))
    record, = wa.sent
    assert record["id"] == sent.platform_id and record["type"] == "text" and record["to"] == wa.citizen("Asha").wa_id
    assert record["context"] == wa.received[-1]["id"] and wa.received[-1]["id"] in wa.read
    assert [s["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] for s in wa.statuses] == [
        "sent", "delivered"]
    # every status echoes the token the send carried: the reply is confirmed by its outbox row
    reports = WhatsAppPlatform().delivery_reports(orjson.dumps(FakeWhatsApp.combine(wa.statuses)))
    assert reports == [DeliveryReport(sent.platform_id, "shikayat:1")] * 2


async def test_free_text_outside_the_window_fails_later_with_131047(fake: Any, make_channel: Any) -> None:
    wa, running = fake
    wa.text("Ravi", "FIR nahi likh rahe", at=time.time() - 3 * 24 * 3600)
    sent = await _with_replier(running, make_channel, lambda r, g: r.send(_intent(wa, "Ravi", last=None)),
                               mark_read=False)
    failed = wa.statuses[-1]
    failure, = WhatsAppPlatform().delivery_reports(orjson.dumps(failed))
    assert failure.platform_id == sent.platform_id and failure.error is not None and "131047" in failure.error
    # the replier, told the real time, sends the approved template instead: delivered
    wa.statuses.clear()
    await _with_replier(running, make_channel, lambda r, g: r.send(
        _intent(wa, "Ravi", last=datetime.now(UTC) - timedelta(days=3), kind="closure")))
    assert wa.sent[-1]["type"] == "template" and wa.sent[-1]["parameters"][0] == "SK-AAAA-BBBB"
    reports = WhatsAppPlatform().delivery_reports(orjson.dumps(FakeWhatsApp.combine(wa.statuses)))
    assert [r.error for r in reports] == [None, None]                 # sent, delivered: confirmations only


async def test_unapproved_template_and_pair_limit_and_bad_token(fake: Any, make_channel: Any) -> None:
    wa, running = fake
    wa.text("Meena", "jam laga hai")
    with pytest.raises(FatalError, match="132001"):
        await _with_replier(running, make_channel, lambda r, g: r.send(
            _intent(wa, "Meena", last=datetime.now(UTC) - timedelta(days=2))), template_name="not_approved")
    wa.pair_interval = 60
    now = datetime.now(UTC)
    await _with_replier(running, make_channel, lambda r, g: r.send(_intent(wa, "Meena", last=now)), mark_read=False)
    with pytest.raises(RateLimited, match="131056"):
        await _with_replier(running, make_channel, lambda r, g: r.send(_intent(wa, "Meena", last=now)))
    wa.tokens = {"rotated-token"}
    with pytest.raises(AuthError, match="190"):
        await _with_replier(running, make_channel, lambda r, g: r.send(_intent(wa, "Imran", last=now)))


async def test_scripted_error_envelope_and_media_lookup(fake: Any, make_channel: Any) -> None:
    wa, running = fake
    delivery = wa.media("Farhan", "image", caption="number plate")
    media_id = delivery["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["id"]
    info = await _with_replier(running, make_channel, lambda r, g: g.get(media_id))
    assert info["id"] == media_id and info["mime_type"] == "image/jpeg" and info["url"].startswith("http")
    wa.fail_next("messages", 130429, message="(#130429) Rate limit hit")
    with pytest.raises(RateLimited, match="130429"):
        await _with_replier(running, make_channel, lambda r, g: r.send(_intent(wa, "Farhan", last=datetime.now(UTC))))
    with pytest.raises(FatalError, match="100"):
        await _with_replier(running, make_channel, lambda r, g: g.get("1234"))


def test_signed_deliveries_pass_the_real_receiver(make_channel: Any) -> None:
    wa = FakeWhatsApp()
    traffic = WhatsAppTraffic(wa, seed=3)
    receiver = WhatsAppWebhookReceiver(make_channel())
    deliveries = [traffic._one() for _ in range(40)]
    batch = FakeWhatsApp.combine(deliveries[:3])
    body = orjson.dumps(batch)
    receiver.verify({"X-Hub-Signature-256": wa.webhooks.sign(body)}, body)
    keys = [p.external_id for d in deliveries for p in receiver.split(orjson.dumps(d))]
    assert len(keys) == len(set(keys)) and 0 < len(keys) <= 40
    assert [p.external_id for p in receiver.split(body)] == keys[:len(receiver.split(body))]
    kinds = {d["entry"][0]["changes"][0]["value"]["messages"][0]["type"] for d in deliveries}
    assert "text" in kinds and kinds & {"image", "audio", "location"}


def test_status_receipts_wait_for_a_listener_and_are_retried_until_accepted() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    wa = FakeWhatsApp(auto_statuses=True)
    wa.webhooks.target = f"http://127.0.0.1:{port}/webhooks/up_wa"
    wa.citizen("Asha")
    statuses = [wa.status("wamid.A", "sent", "919800000001", callback_data="shikayat:5")]
    sender = threading.Thread(target=wa._emit_statuses, args=(statuses,))
    sender.start()                                                 # nobody listens yet: retried
    while not wa.webhooks.sent:
        time.sleep(0.05)
    received: list[bytes] = []

    async def hook(request: Request) -> Response:
        received.append(await request.body())
        return Response(b"{}", media_type="application/json")

    daemon = run_fake(Starlette(routes=[Route("/webhooks/up_wa", hook, methods=["POST"])]), name="daemon", port=port)
    try:
        sender.join(30)
        assert not sender.is_alive()
    finally:
        daemon.stop()
    assert wa.webhooks.sent[0][1] == 0 and wa.webhooks.sent[-1][1] == 200
    assert [orjson.loads(b) for b in received] == statuses
