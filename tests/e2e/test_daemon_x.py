"""The daemon as a separate process against the fake X server over loopback — the spine's
invariants: nothing lost, nothing stored twice, nothing answered twice, bad input kept."""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from shikayat_twitter.fake import RunningFakeX

from harness import WORDS, wait_until, x_reply_targets

pytestmark = pytest.mark.e2e


def _publish(fake_x: RunningFakeX, n: int, start: int = 0) -> list[dict[str, Any]]:
    """``n`` distinct complaints (different words, so none is a near-duplicate of another)."""
    out = []
    for i in range(start, start + n):
        words = random.Random(i).sample(WORDS, 8)
        out.append(fake_x.fake.add_post(f"citizen_{i}", f"@uppolice {' '.join(words)} {i}"))
    return out


def _reply_targets(fake_x: RunningFakeX) -> Counter[str]:
    return x_reply_targets(fake_x.fake)


def test_every_post_stored_once_and_repolling_adds_nothing(fake_x: RunningFakeX, make_daemon: Any,
                                                            open_db: Any) -> None:
    posts = _publish(fake_x, 35)
    daemon = make_daemon({"up_x": {"base_url": fake_x.base_url}})
    store = open_db()
    daemon.start()
    wait_until(lambda: store.stats()["outbox_sent"] == 35, what="35 replies", daemon=daemon)
    assert sorted(c.external_id for c in store.iter_complaints()) == sorted(p["id"] for p in posts)
    assert daemon.terminate() == 0                                   # SIGTERM: clean exit
    # forget the cursor: the next run re-polls every page (overlapping the stored posts)
    with store.engine.begin() as con:                                # type: ignore[attr-defined]
        con.exec_driver_sql("UPDATE channels SET cursor = NULL")
    mentions_before = len(fake_x.fake.requests_to("/mentions"))
    daemon.start()
    wait_until(lambda: len(fake_x.fake.requests_to("/mentions")) >= mentions_before + 5, what="re-poll",
               daemon=daemon)
    time.sleep(1.0)
    stats = store.stats()
    assert stats["complaints"] == 35 and stats["outbox_sent"] == 35
    assert stats["inbox_done"] == 35 and stats["inbox_pending"] == stats["inbox_dead"] == 0
    assert all(n == 1 for n in _reply_targets(fake_x).values()) and len(_reply_targets(fake_x)) == 35
    assert daemon.terminate() == 0


def test_kill_9_at_any_moment_loses_nothing_and_answers_once(fake_x: RunningFakeX, make_daemon: Any,
                                                              open_db: Any) -> None:
    rng = random.Random(20261123)
    fake_x.fake.create_latency = 0.03           # widen the window between "sent" and "marked sent"
    _publish(fake_x, 40)
    daemon = make_daemon({"up_x": {"base_url": fake_x.base_url}}, lease_seconds=1.0)
    store = open_db()
    published = 40
    for round_ in range(6):
        daemon.start()
        time.sleep(rng.uniform(0.3, 1.8))
        if round_ % 2:                          # more traffic arrives while we crash and restart
            _publish(fake_x, 10, start=published)
            published += 10
        daemon.kill9()
    daemon.start()
    wait_until(lambda: store.stats()["outbox_sent"] == published and store.stats()["outbox_pending"] == 0,
               timeout=90, what=f"{published} replies after the crashes", daemon=daemon)
    stats = store.stats()
    assert stats["complaints"] == published
    targets = _reply_targets(fake_x)
    assert len(targets) == published and max(targets.values()) == 1, targets.most_common(3)
    mentions = {p["id"] for p in fake_x.fake.mentions()}
    assert {c.external_id for c in store.iter_complaints()} == mentions
    assert daemon.terminate() == 0
    assert daemon.starts == 7


def test_rate_limit_is_waited_out_then_succeeds(fake_x: RunningFakeX, make_daemon: Any, open_db: Any) -> None:
    _publish(fake_x, 5)
    fake_x.fake.fail_next("mentions", 429, reset_in=2)
    daemon = make_daemon({"up_x": {"base_url": fake_x.base_url}})
    store = open_db()
    started = time.time()
    daemon.start()
    wait_until(lambda: store.stats()["complaints"] == 5, what="posts after the 429", daemon=daemon)
    calls = fake_x.fake.requests_to("/mentions")
    assert len(calls) >= 2
    first_429_reset = int(started) + 2
    assert time.time() >= first_429_reset                            # nothing arrived before the reset
    assert daemon.terminate() == 0


def test_401_stops_one_channel_visibly_while_the_other_goes_on(fake_x: RunningFakeX, make_daemon: Any,
                                                                open_db: Any) -> None:
    _publish(fake_x, 6)
    daemon = make_daemon({
        "good": {"base_url": fake_x.base_url},
        "revoked": {"base_url": fake_x.base_url, "bearer_token": "env:E2E_X_BAD", "reply": False},
    })
    store = open_db()
    daemon.start()
    wait_until(lambda: store.stats()["outbox_sent"] == 6, what="the good channel's replies", daemon=daemon)
    wait_until(lambda: any(s.channel == "revoked" and not s.healthy for s in store.channel_states()),
               what="the revoked channel marked unhealthy", daemon=daemon)
    ready = httpx.get(f"http://127.0.0.1:{daemon.port}/readyz", timeout=5)
    assert ready.status_code == 503
    body = ready.json()
    assert body["channels"]["revoked"]["healthy"] is False and "401" in body["channels"]["revoked"]["last_error"]
    assert body["channels"]["good"]["healthy"] is True
    assert "channel revoked stopped: AuthError" in daemon.output()
    status = daemon.cli("status").stdout
    assert "channel revoked: UNHEALTHY" in status and "channel good: healthy" in status
    _publish(fake_x, 2, start=100)                                   # the good channel keeps polling
    wait_until(lambda: store.stats()["complaints"] == 8, what="later posts", daemon=daemon)
    assert daemon.terminate() == 0


def test_malformed_post_is_a_dead_letter_and_the_rest_is_processed(fake_x: RunningFakeX, make_daemon: Any,
                                                                    open_db: Any) -> None:
    _publish(fake_x, 3)
    bad = fake_x.fake.add_malformed_post()
    _publish(fake_x, 3, start=3)
    daemon = make_daemon({"up_x": {"base_url": fake_x.base_url}})
    store = open_db()
    daemon.start()
    wait_until(lambda: store.stats()["complaints"] == 6 and store.stats()["inbox_dead"] == 1,
               what="6 complaints and a dead letter", daemon=daemon)
    (item, error), = store.dead_letters()
    assert item.external_id == bad["id"] and "created_at 'not a date'" in error
    wait_until(lambda: store.stats()["outbox_sent"] == 6, what="6 replies", daemon=daemon)
    assert daemon.terminate() == 0
    # `shikayat reprocess` retries it; it is still unreadable, so it stays a dead letter with its error
    out = daemon.cli("reprocess").stdout
    assert "requeued 1 dead letter(s)" in out and "1 dead letter(s)" in out
    assert store.stats()["inbox_dead"] == 1
