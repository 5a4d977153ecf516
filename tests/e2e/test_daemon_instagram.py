"""The daemon as a separate process against the fake Instagram Graph API: signed webhook
deliveries (batched, redelivered, out of order, forged) of comments, mentions and direct
messages, mention lookups, and reconciliation polling for the deliveries that never arrived —
every complaint stored once and acknowledged once."""

from __future__ import annotations

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
    free_port,
    http_up,
    instagram_acks,
    instagram_channel,
    meta_secrets,
    wait_until,
    write_config,
)

from shikayat_instagram.fake import FakeInstagram

pytestmark = pytest.mark.e2e

CHANNEL = "lko_ig"


@pytest.fixture
def ig_daemon(tmp_path: Path, db_url: str, fake_ig: Any) -> Iterator[DaemonProcess]:
    fake, running = fake_ig
    port = free_port()
    config = write_config(tmp_path / "shikayat.toml", {
        "storage": {"url": db_url},
        "daemon": daemon_section(port),
        f"channels.{CHANNEL}": instagram_channel(fake, running.base_url),
    })
    daemon = DaemonProcess(config, env=meta_secrets(instagram=fake))
    daemon.port = port  # type: ignore[attr-defined]
    daemon.cli("migrate")
    yield daemon
    daemon.stop()


def _acks(fake: FakeInstagram) -> Counter[str]:
    return instagram_acks(fake)


def test_pushed_looked_up_and_reconciled_posts_stored_once_and_acknowledged_once(
        ig_daemon: DaemonProcess, fake_ig: Any, db_url: str) -> None:
    from shikayat.plugins import load_plugins

    fake, _ = fake_ig
    url = f"http://127.0.0.1:{ig_daemon.port}/webhooks/{CHANNEL}"      # type: ignore[attr-defined]
    fake.webhooks.target = url
    fake.add_media("Traffic advisory for the weekend")
    pushed: list[dict[str, Any]] = []
    lost: list[dict[str, Any]] = []
    expected: dict[str, str] = {}                                  # key → how its ack is counted
    mentions: dict[str, tuple[str, str]] = {}                      # key → (username, text) looked up
    for i in range(24):
        kind = i % 4
        if kind == 0:
            d = fake.add_comment(f"citizen{i}", _text(i))
            key = d["entry"][0]["changes"][0]["value"]["id"]
        elif kind == 1:
            d = fake.mention_in_comment(f"citizen{i}", f"@{fake.username} {_text(i)}")
            key = d["entry"][0]["changes"][0]["value"]["comment_id"]
            mentions[key] = (f"citizen{i}", _text(i))
        elif kind == 2:
            d = fake.mention_in_caption(f"citizen{i}", f"{_text(i)} @{fake.username}")
            key = d["entry"][0]["changes"][0]["value"]["media_id"]
            mentions[key] = (f"citizen{i}", _text(i))
        else:
            d = fake.add_message(f"citizen{i}", _text(i))
            key = d["entry"][0]["messaging"][0]["message"]["mid"]
        expected[key] = d["entry"][0]["messaging"][0]["sender"]["id"] if kind == 3 else key
        # half the comment deliveries are lost: reconciliation must find them
        (lost if i % 8 == 0 else pushed).append(d)
    assert lost, "the seed must lose some deliveries"
    store = load_plugins().open_store(db_url)
    ig_daemon.start()
    wait_until(lambda: http_up(ig_daemon), what="the daemon's HTTP server", daemon=ig_daemon)
    handshake = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                       "hub.challenge": "4242"}, timeout=5)
    assert handshake.status_code == 200 and handshake.text == "4242"
    batches = [{"object": "instagram", "entry": [e for d in pushed[i:i + 3] for e in d["entry"]]}
               for i in range(0, len(pushed), 3)]
    assert fake.webhooks.send_all(batches, reverse=True) == [200] * len(batches)        # out of order
    assert fake.webhooks.redeliver(0) == 200 and fake.webhooks.redeliver(-2) == 200      # redeliveries
    forged = {"object": "instagram", "entry": [{"id": fake.ig_user_id, "time": 1, "changes": [
        {"field": "comments", "value": {"id": "17999999999999999", "text": "forged", "from": {"id": "1"},
                                        "media": {"id": "1"}}}]}]}
    assert fake.webhooks.send(forged, bad_signature=True) == 401
    wait_until(lambda: store.stats()["outbox_sent"] == len(expected), timeout=90,
               what=f"{len(expected)} acknowledgements", daemon=ig_daemon)
    complaints = list(store.iter_complaints())
    assert sorted(c.external_id for c in complaints) == sorted(expected)
    acks = _acks(fake)
    assert sorted(acks) == sorted(expected.values()) and set(acks.values()) == {1}
    assert "17999999999999999" not in {c.external_id for c in complaints}                # forged: nothing
    by_key = {c.external_id: c for c in complaints}
    for key, (username, text) in mentions.items():             # the mentions' text was looked up
        assert by_key[key].author.handle == username and text in by_key[key].text

    # our own replies come back as comments and DM echoes: ignored or not stored, never complaints
    own, fake.outbox = fake.outbox[:], []
    assert own and fake.webhooks.send_all(own) == [200] * len(own)
    time.sleep(1.5)                                 # a reconciliation round more: still nothing new
    wait_until(lambda: store.stats()["inbox_pending"] == 0, what="own traffic processed", daemon=ig_daemon)
    stats = store.stats()
    assert stats["complaints"] == len(expected) and stats["outbox_sent"] == len(expected)
    stubs = sum(1 for d in pushed if d["entry"][0].get("changes", [{}])[0].get("field") == "mentions")
    assert stats["inbox_ignored"] >= stubs + sum(1 for d in own if "changes" in d["entry"][0])
    assert _acks(fake).most_common(1)[0][1] == 1
    assert ig_daemon.terminate() == 0
    store.close()


def test_ingest_replays_deliveries_through_split(tmp_path: Path, db_url: str) -> None:
    fixtures = Path(__file__).parents[1] / "plugins" / "instagram" / "fixtures" / "webhook"
    lines = [orjson.dumps({"platform": "instagram", "channel": CHANNEL,
                           "payload": orjson.loads((fixtures / name).read_bytes())})
             for name in ("comments_batch.json", "messaging.json", "mentions.json", "comments_batch.json")]
    replay = tmp_path / "replay.jsonl"
    replay.write_bytes(b"\n".join(lines) + b"\n")
    config = write_config(tmp_path / "ingest.toml", {
        "storage": {"url": db_url},
        f"channels.{CHANNEL}": {"platform": "instagram", "ig_user_id": "17841400000000001", "reply": False,
                                "access_token": "env:E2E_IG_TOKEN", "app_secret": "env:E2E_IG_SECRET",
                                "verify_token": "env:E2E_IG_VERIFY"}})
    daemon = DaemonProcess(config, env={"E2E_IG_TOKEN": "t", "E2E_IG_SECRET": "s", "E2E_IG_VERIFY": "v"})
    daemon.cli("migrate")
    out = daemon.cli("ingest", str(replay))
    assert out.returncode == 0, out.stderr
    assert "read 4 line(s): 9 post(s), 6 new, 3 already stored" in out.stdout
    from shikayat.plugins import load_plugins

    store = load_plugins().open_store(db_url)
    try:
        stats = store.stats()
        assert stats["complaints"] == 3 and stats["inbox_ignored"] == 3        # our comment + 2 mention stubs
        keys = {c.external_id for c in store.iter_complaints()}
        assert keys == {"17900000000000002", "17900000000000005", "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAw"}
    finally:
        store.close()


def test_mention_committed_before_kill_9_is_looked_up_after_restart(tmp_path: Path, db_url: str,
                                                                    fake_ig: Any, open_db: Any) -> None:
    fake, running = fake_ig
    port = free_port()
    config = write_config(tmp_path / "slow-poll.toml", {
        "storage": {"url": db_url}, "daemon": daemon_section(port),
        f"channels.{CHANNEL}": instagram_channel(fake, running.base_url, poll_interval=30.0)})
    daemon = DaemonProcess(config, env=meta_secrets(instagram=fake))
    daemon.port = port  # type: ignore[attr-defined]
    daemon.cli("migrate")
    store = open_db()
    fake.add_media("Traffic advisory for the weekend")
    fake.webhooks.target = f"http://127.0.0.1:{port}/webhooks/{CHANNEL}"

    def rounds_done() -> str | None:
        state = next((s for s in store.channel_states() if s.channel == CHANNEL), None)
        return state.cursor.get("done") if state and state.cursor else None

    try:
        daemon.start()
        wait_until(lambda: http_up(daemon) and rounds_done() is not None, what="a first polling round",
                   daemon=daemon)
        delivery = fake.mention_in_comment("citizen1", f"@{fake.username} {_text(1)}")
        key = delivery["entry"][0]["changes"][0]["value"]["comment_id"]
        assert fake.webhooks.send(delivery) == 200            # the stub is committed
        daemon.kill9()                                        # the poller sleeps 30 s: not looked up yet
        first = rounds_done()
        daemon.start()
        wait_until(lambda: rounds_done() != first, what="a polling round after the restart", daemon=daemon)
        wait_until(lambda: key in {c.external_id for c in store.iter_complaints()}, timeout=5, what="the mentioned comment",
                   daemon=daemon)
    finally:
        daemon.stop()
