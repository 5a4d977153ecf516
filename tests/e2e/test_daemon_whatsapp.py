"""The daemon as a separate process receiving signed deliveries from the fake WhatsApp Cloud API:
every message stored once and acknowledged once (batched, redelivered, out of order), statuses and
reactions and our own number never become complaints, a forged delivery stores nothing, and a
failed status marks the acknowledgement it names as not delivered."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from harness import DaemonProcess, free_port, wait_until, write_config

from shikayat_facebook.fakegraph import RunningFake, run_fake
from shikayat_whatsapp.fake import FakeWhatsApp

pytestmark = pytest.mark.e2e

_WORDS = ("chain mobile bike car phone purse wallet ladke aadmi auto scooty market station chauraha gali "
          "sector colony road park mandir school hospital kal aaj abhi raat subah shaam jaldi chori chheen "
          "gayab dhamki jhagda maarpeet jam dj sharab jua kabja fraud upi otp hazratganj aliganj chinhat "
          "alambagh aminabad charbagh").split()


def _text(i: int) -> str:
    return f"{' '.join(random.Random(i).sample(_WORDS, 8))} {i}"


@pytest.fixture
def fake_wa() -> Iterator[tuple[FakeWhatsApp, RunningFake]]:
    fake = FakeWhatsApp(auto_statuses=True)
    running = run_fake(fake.app, name="fake-whatsapp")
    yield fake, running
    running.stop()


@pytest.fixture
def wa_daemon(tmp_path: Path, db_url: str, fake_wa: Any) -> Iterator[DaemonProcess]:
    fake, running = fake_wa
    port = free_port()
    config = write_config(tmp_path / "shikayat.toml", {
        "storage": {"url": db_url},
        "daemon": {"port": port, "lease_seconds": 2.0, "idle_sleep": 0.05, "batch_size": 50, "shutdown_grace": 10},
        "channels.up_wa": {
            "platform": "whatsapp", "unit": "up-hq", "base_url": running.base_url, "api_version": fake.version,
            "phone_number_id": fake.phone_number_id, "display_phone_number": fake.display_phone_number,
            "access_token": "env:E2E_WA_TOKEN", "app_secret": "env:E2E_WA_SECRET",
            "verify_token": "env:E2E_WA_VERIFY", "template_name": "complaint_update",
        },
    })
    daemon = DaemonProcess(config, env={"E2E_WA_TOKEN": "fake-system-user-token", "E2E_WA_SECRET": fake.app_secret,
                                        "E2E_WA_VERIFY": "verify-me"})
    daemon.port = port  # type: ignore[attr-defined]
    daemon.cli("migrate")
    yield daemon
    daemon.stop()


def _up(daemon: DaemonProcess) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{daemon.port}/healthz", timeout=1).status_code == 200  # type: ignore[attr-defined]
    except httpx.TransportError:
        return False


def test_messages_stored_once_answered_once_and_failures_recorded(wa_daemon: DaemonProcess, fake_wa: Any,
                                                                   db_url: str) -> None:
    from shikayat.plugins import load_plugins

    fake, _ = fake_wa
    rng = random.Random(9)
    url = f"http://127.0.0.1:{wa_daemon.port}/webhooks/up_wa"      # type: ignore[attr-defined]
    fake.webhooks.target = url
    wa_daemon.start()
    wait_until(lambda: _up(wa_daemon), what="the daemon's HTTP server", daemon=wa_daemon)

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
        acks = Counter(m.get("to") or m.get("recipient") for m in fake.sent)
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
