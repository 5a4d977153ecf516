"""The daemon as a separate process against the fake Facebook Graph API: signed webhook
deliveries (batched, redelivered, out of order, forged) plus reconciliation polling for the
deliveries that never arrived — every complaint stored once and acknowledged once."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from harness import (
    DaemonProcess,
    complaint_text as _text,
    daemon_section,
    facebook_acks,
    facebook_channel,
    free_port,
    http_up,
    meta_secrets,
    wait_until,
    write_config,
)

from shikayat.complaint import TOMBSTONE
from shikayat_facebook.fake import FakeFacebook

pytestmark = pytest.mark.e2e



@pytest.fixture
def fb_daemon(tmp_path: Path, db_url: str, fake_fb: Any) -> Iterator[DaemonProcess]:
    fake, running = fake_fb
    port = free_port()
    config = write_config(tmp_path / "shikayat.toml", {
        "storage": {"url": db_url},
        "daemon": daemon_section(port),
        "channels.up_fb": facebook_channel(fake, running.base_url),
    })
    daemon = DaemonProcess(config, env=meta_secrets(facebook=fake))
    daemon.port = port  # type: ignore[attr-defined]
    daemon.cli("migrate")
    yield daemon
    daemon.stop()


def _acks(fake: FakeFacebook) -> Counter[str]:
    return facebook_acks(fake)


def test_pushed_and_reconciled_posts_stored_once_and_acknowledged_once(fb_daemon: DaemonProcess, fake_fb: Any,
                                                                       db_url: str) -> None:
    from shikayat.plugins import load_plugins

    fake, _ = fake_fb
    rng = random.Random(4)
    url = f"http://127.0.0.1:{fb_daemon.port}/webhooks/up_fb"      # type: ignore[attr-defined]
    fake.webhooks.target = url
    announcement = fake.add_post("UP Police", "Traffic advisory for the weekend", by_page=True)
    post_id = announcement["entry"][0]["changes"][0]["value"]["post_id"]
    pushed: list[dict[str, Any]] = []
    lost: list[dict[str, Any]] = []
    expected: set[str] = set()
    comments: list[str] = []
    lost_kinds: set[int] = set()
    for i in range(28):
        kind = i % 4
        if kind == 0:
            d = fake.add_post(f"citizen {i}", _text(i))
            expected.add(d["entry"][0]["changes"][0]["value"]["post_id"])
        elif kind == 1:
            d = fake.add_comment(post_id, f"citizen {i}", _text(i))
            comments.append(d["entry"][0]["changes"][0]["value"]["comment_id"])
            expected.add(comments[-1])
        elif kind == 2:
            d = fake.add_message(f"citizen {i}", _text(i))
            expected.add(d["entry"][0]["messaging"][0]["message"]["mid"])
        else:
            d = fake.tag_page(f"citizen {i}", _text(i))                     # a post elsewhere tagging the Page
            expected.add(d["entry"][0]["changes"][0]["value"]["post_id"])
        # a third of the deliveries are lost: reconciliation (feed, comments, tagged, Messenger) finds them
        if rng.random() < 0.35:
            lost.append(d)
            lost_kinds.add(kind)
        else:
            pushed.append(d)
    assert lost_kinds == {0, 1, 2, 3}, "the seed must lose deliveries of every kind"
    store = load_plugins().open_store(db_url)
    fb_daemon.start()
    wait_until(lambda: http_up(fb_daemon), what="the daemon's HTTP server", daemon=fb_daemon)
    handshake = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                       "hub.challenge": "4242"}, timeout=5)
    assert handshake.status_code == 200 and handshake.text == "4242"
    batches = [{"object": "page", "entry": [e for d in pushed[i:i + 3] for e in d["entry"]]}
               for i in range(0, len(pushed), 3)]
    assert fake.webhooks.send_all(batches, reverse=True) == [200] * len(batches)        # out of order
    assert fake.webhooks.redeliver(0) == 200 and fake.webhooks.redeliver(-2) == 200      # redeliveries
    forged = {"object": "page", "entry": [{"id": fake.page_id, "time": 1, "changes": [{"field": "feed", "value": {
        "item": "status", "verb": "add", "post_id": f"{fake.page_id}_1", "message": "forged",
        "from": {"id": "1", "name": "x"}, "created_time": 1}}]}]}
    assert fake.webhooks.send(forged, bad_signature=True) == 401
    wait_until(lambda: store.stats()["outbox_sent"] == len(expected), timeout=90,
               what=f"{len(expected)} acknowledgements", daemon=fb_daemon)
    complaints = list(store.iter_complaints())
    assert sorted(c.external_id for c in complaints) == sorted(expected)
    assert all(n == 1 for n in _acks(fake).values()) and len(_acks(fake)) == len(expected)
    assert f"{fake.page_id}_1" not in {c.external_id for c in complaints}                 # forged: nothing

    # our own replies come back as feed events: ignored, never complaints
    own, fake.outbox = fake.outbox[:], []
    assert own and fake.webhooks.send_all(own) == [200] * len(own)
    # an edit folds into its original's case; a removal tombstones its post's text, the case kept
    edited_id = comments[0]
    removed_id = next(c.external_id for c in complaints if c.external_id.startswith(fake.page_id))
    assert fake.webhooks.send(fake.edit(edited_id, _text(999))) == 200
    assert fake.webhooks.send(fake.remove(removed_id)) == 200
    wait_until(lambda: store.stats()["inbox_pending"] == 0 and store.stats()["complaints"] == len(expected) + 1
               and any(e.kind == "complaint.removed" for e in store.events()),
               what="the edit and the removal processed", daemon=fb_daemon)
    time.sleep(1.5)                                 # a reconciliation round more: still nothing new
    stats = store.stats()
    feed_events = [d for d in own if "changes" in d["entry"][0]]       # the rest: our messages' echoes
    assert stats["outbox_sent"] == len(expected) and stats["inbox_ignored"] >= len(feed_events)
    by_key = {c.external_id: c for c in store.iter_complaints()}
    edit = next(c for k, c in by_key.items() if k.startswith(edited_id + ":edited:"))
    assert edit.duplicate_of == by_key[edited_id].id and edit.text == _text(999)
    assert removed_id + ":removed" not in by_key                       # the notice is no complaint
    removed = by_key[removed_id]
    assert removed.text == TOMBSTONE and removed.removed_at is not None               # the case is kept
    assert removed.docket == next(c for c in complaints if c.external_id == removed_id).docket
    assert _acks(fake).most_common(1)[0][1] == 1
    assert fb_daemon.terminate() == 0
    store.close()


def test_ingest_replays_a_delivery_through_split(tmp_path: Path, db_url: str) -> None:
    fixtures = Path(__file__).parents[1] / "plugins" / "facebook" / "fixtures" / "webhook"
    lines = [orjson.dumps({"platform": "facebook", "channel": "up_fb",
                           "payload": orjson.loads((fixtures / name).read_bytes())})
             for name in ("feed_batch.json", "messenger_batch.json", "feed_batch.json")]
    replay = tmp_path / "replay.jsonl"
    replay.write_bytes(b"\n".join(lines) + b"\n")
    config = write_config(tmp_path / "ingest.toml", {
        "storage": {"url": db_url},
        "channels.up_fb": {"platform": "facebook", "page_id": "100000000000001", "reply": False,
                           "access_token": "env:E2E_FB_TOKEN", "app_secret": "env:E2E_FB_SECRET",
                           "verify_token": "env:E2E_FB_VERIFY"}})
    daemon = DaemonProcess(config, env={"E2E_FB_TOKEN": "t", "E2E_FB_SECRET": "s", "E2E_FB_VERIFY": "v"})
    daemon.cli("migrate")
    out = daemon.cli("ingest", str(replay))
    assert out.returncode == 0, out.stderr
    assert "read 3 line(s): 13 post(s), 8 new, 5 already stored" in out.stdout
    from shikayat.plugins import load_plugins

    store = load_plugins().open_store(db_url)
    try:
        stats = store.stats()
        assert stats["complaints"] == 6 and stats["inbox_ignored"] == 2    # 3 feed + 3 Messenger; own, removal
        keys = {c.external_id for c in store.iter_complaints()}
        assert "m_FAKEmid000004" in keys and "444444444444444_777777777777777:removed" not in keys
        assert "444444444444444_999999999999999" not in keys                               # our Page's own reply
    finally:
        store.close()


def test_messenger_reply_accepted_just_before_kill_9_is_confirmed_by_its_echo(tmp_path: Path, db_url: str,
                                                                             open_db: Any) -> None:
    """A Messenger reply cannot be looked up: the restarted daemon waits for its echo (which
    carries the reply token as ``metadata``) instead of sending the acknowledgement again."""
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

    fake = FakeFacebook()
    fake.app.add_middleware(BaseHTTPMiddleware, dispatch=slow_answers)
    running = run_fake(fake.app, name="fake-facebook-slow")
    port = free_port()
    config = write_config(tmp_path / "slow.toml", {
        "storage": {"url": db_url}, "daemon": daemon_section(port),
        "channels.up_fb": facebook_channel(fake, running.base_url, poll_interval=30)})
    daemon = DaemonProcess(config, env=meta_secrets(facebook=fake))
    daemon.port = port  # type: ignore[attr-defined]
    daemon.cli("migrate")
    store = open_db()
    fake.webhooks.target = f"http://127.0.0.1:{port}/webhooks/up_fb"
    try:
        daemon.start()
        wait_until(lambda: http_up(daemon), what="the daemon's HTTP server", daemon=daemon)
        assert fake.webhooks.send(fake.add_message("Amit", _text(1))) == 200
        wait_until(lambda: len(fake.messages) == 1, what="the acknowledgement accepted", daemon=daemon)
        daemon.kill9()                                    # before the answer reached the daemon
        daemon.start()
        wait_until(lambda: "waiting up to 120s for the platform to confirm it" in daemon.output(),
                   what="the restarted daemon waiting for the echo", daemon=daemon)
        echo, = [d for d in fake.outbox if "messaging" in d["entry"][0]]
        assert fake.webhooks.send(echo) == 200            # Meta delivers the echo of our message
        wait_until(lambda: store.stats()["outbox_sent"] == 1, what="the acknowledgement confirmed", daemon=daemon)
        assert list(_acks(fake).values()) == [1], fake.messages
        sent, = [e for e in store.events() if e.kind == "reply.sent"]
        assert sent.actor == "platform" and sent.detail["platform_id"] == fake.messages[0]["message_id"]
        assert store.stats()["complaints"] == 1           # the echo is never a complaint
    finally:
        daemon.stop()
        running.stop()
