"""The daemon as a separate process receiving signed deliveries from the fake WhatsApp Cloud API:
every message stored once and acknowledged once (batched, redelivered, out of order), statuses and
reactions and our own number never become complaints, a forged delivery stores nothing, and a
failed status marks the acknowledgement it names as not delivered."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from harness import (
    DaemonProcess,
    complaint_text as _text,
    daemon_section,
    free_port,
    http_up,
    meta_secrets,
    wait_until,
    whatsapp_acks,
    whatsapp_channel,
    write_config,
)

from shikayat_whatsapp.fake import FakeWhatsApp

pytestmark = pytest.mark.e2e



@pytest.fixture
def wa_daemon(tmp_path: Path, db_url: str, fake_wa: Any) -> Iterator[DaemonProcess]:
    fake, running = fake_wa
    port = free_port()
    config = write_config(tmp_path / "shikayat.toml", {
        "storage": {"url": db_url},
        "daemon": daemon_section(port),
        "channels.up_wa": whatsapp_channel(fake, running.base_url),
    })
    daemon = DaemonProcess(config, env=meta_secrets(whatsapp=fake))
    daemon.port = port  # type: ignore[attr-defined]
    daemon.cli("migrate")
    yield daemon
    daemon.stop()


def test_messages_stored_once_answered_once_and_failures_recorded(wa_daemon: DaemonProcess, fake_wa: Any,
                                                                   db_url: str) -> None:
    from shikayat.plugins import load_plugins

    fake, _ = fake_wa
    rng = random.Random(9)
    url = f"http://127.0.0.1:{wa_daemon.port}/webhooks/up_wa"      # type: ignore[attr-defined]
    fake.webhooks.target = url
    wa_daemon.start()
    wait_until(lambda: http_up(wa_daemon), what="the daemon's HTTP server", daemon=wa_daemon)

    citizens = [f"citizen {i}" for i in range(24)]
    deliveries = [fake.text(name, _text(i), phone=i % 6 != 0) for i, name in enumerate(citizens)]
    deliveries.append(fake.own_message("test from the desk handset"))
    batches = [FakeWhatsApp.combine(deliveries[i:i + 4]) for i in range(0, len(deliveries), 4)]
    rng.shuffle(batches)                                          # out of order
    assert fake.webhooks.send(batches[0], bad_signature=True) == 401
    assert all(status == 200 for status in fake.webhooks.send_all(batches))
    fake.webhooks.redeliver(0)                                     # Meta retries the same bytes
    fake.webhooks.redeliver(-1)

    store = load_plugins().open_store(db_url)
    try:
        wait_until(lambda: store.stats()["outbox_sent"] == 24, what="24 acknowledgements", daemon=wa_daemon)
        stats = store.stats()
        assert stats["complaints"] == 24 and stats["inbox_ignored"] == 1 and stats["inbox_dead"] == 0
        acks = whatsapp_acks(fake)
        assert len(acks) == 24 and set(acks.values()) == {1}
        no_phone = [fake.citizen(n) for i, n in enumerate(citizens) if i % 6 == 0]
        assert all(acks[c.user_id] == 1 for c in no_phone)          # username users: answered by BSUID
        assert all(m["type"] == "text" and m["context"] for m in fake.sent)

        # a reaction and the receipts of our own replies never become complaints
        first = fake.replies_to(citizens[1])[0]
        assert fake.webhooks.send(fake.reaction(citizens[1], first["id"])) == 200
        # the citizen blocks the number: a failed status for that acknowledgement
        assert fake.webhooks.send(fake.failed_status(first["id"], 131026, "Message undeliverable")) == 200
        assert fake.webhooks.redeliver() == 200
        wait_until(lambda: store.stats()["outbox_failed"] == 1, what="the failed delivery", daemon=wa_daemon)
        complaint, = [c for c in store.iter_complaints() if c.author.phone == fake.citizen(citizens[1]).wa_id]
        undelivered = [e for e in store.events(complaint.id) if e.kind == "reply.undelivered"]
        assert len(undelivered) == 1 and "131026 Message undeliverable" in undelivered[0].detail["error"]
        assert store.stats()["complaints"] == 24
        assert all(orjson.loads(body)["object"] == "whatsapp_business_account" for body, _ in fake.webhooks.sent)
        assert wa_daemon.terminate() == 0
        assert fake.citizen(citizens[1]).wa_id not in wa_daemon.output()     # no phone number in the logs
    finally:
        store.close()


def test_reply_accepted_just_before_kill_9_is_not_sent_again(tmp_path: Path, db_url: str, open_db: Any) -> None:
    """The Cloud API cannot list sent messages: the restarted daemon waits for the message's
    ``sent`` status (which names the reply by its token, and which Meta redelivers until the
    daemon listens again) instead of sending the acknowledgement a second time."""
    import asyncio

    from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
    from starlette.requests import Request
    from starlette.responses import Response

    from shikayat_facebook.fakegraph import run_fake

    async def slow_answers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)               # the message is recorded as sent…
        if request.method == "POST":
            await asyncio.sleep(3)                        # …but the daemon hears of it 3 s later
        return response

    fake = FakeWhatsApp(auto_statuses=True, status_delay=6)   # the status comes after the restart's claim
    fake.app.add_middleware(BaseHTTPMiddleware, dispatch=slow_answers)
    running = run_fake(fake.app, name="fake-whatsapp-slow")
    port = free_port()
    config = write_config(tmp_path / "slow.toml", {
        "storage": {"url": db_url}, "daemon": daemon_section(port),
        "channels.up_wa": whatsapp_channel(fake, running.base_url, mark_read=False)})
    daemon = DaemonProcess(config, env=meta_secrets(whatsapp=fake))
    daemon.cli("migrate")
    store = open_db()
    try:
        daemon.start()
        daemon.port = port  # type: ignore[attr-defined]
        fake.webhooks.target = f"http://127.0.0.1:{port}/webhooks/up_wa"
        wait_until(lambda: http_up(daemon), what="the daemon's HTTP server", daemon=daemon)
        assert fake.webhooks.send(fake.text("citizen 1", _text(1))) == 200
        wait_until(lambda: len(fake.sent) == 1, what="the acknowledgement accepted", daemon=daemon)
        daemon.kill9()                                    # before the answer reached the daemon
        daemon.start()
        wait_until(lambda: store.stats()["outbox_sent"] == 1, what="the acknowledgement marked sent", daemon=daemon)
        assert max(whatsapp_acks(fake).values()) == 1, fake.sent
        sent, = [e for e in store.events() if e.kind == "reply.sent"]
        assert sent.actor == "platform" and sent.detail["platform_id"] == fake.sent[0]["id"]   # by its status
        assert store.stats()["outbox_pending"] == 0 and len(fake.sent) == 1
    finally:
        daemon.stop()
        running.stop()
