"""Deleted posts and comments, end to end at the plugin's level: the fake Graph server's signed
``remove`` deliveries into core's real webhook route, the real pipeline and a real store (SQLite
file and PostgreSQL). The case is kept; the text is tombstoned, once, whatever the order."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import orjson
import pytest

from shikayat import Channel
from shikayat.complaint import TOMBSTONE, Complaint
from shikayat.config import build_config
from shikayat.pipeline import Pipeline
from shikayat.plugins import load_plugins
from shikayat.replay import export_complaints
from shikayat.store import Store
from shikayat.web import create_app
from shikayat.webhooks import WebhookRoutes
from shikayat_facebook.fake import FakeFacebook
from shikayat_facebook.fakegraph import serving

UNITS = Path(__file__).parents[2] / "core" / "fixtures" / "units"
CHANNEL = "up_fb"


@pytest.fixture
def desk(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeFacebook, Store,
                                                                                         Pipeline]]:
    """A fake Page whose webhooks reach core's route over loopback, and the pipeline behind it."""
    for name, value in (("FB_TOKEN", "fake-page-token"), ("FB_APP_SECRET", "fake-app-secret"),
                        ("FB_VERIFY", "verify-me")):
        monkeypatch.setenv(name, value)
    fb = FakeFacebook()
    plugins = load_plugins()
    config = build_config({
        "storage": {"url": db_url}, "units": {"path": str(UNITS)},
        "channels": {CHANNEL: {"platform": "facebook", "page_id": fb.page_id, "access_token": "env:FB_TOKEN",
                               "app_secret": "env:FB_APP_SECRET", "verify_token": "env:FB_VERIFY",
                               "reply": False}},
    }, plugins, base=tmp_path)
    store = plugins.open_store(db_url)
    store.migrate()
    channel: Channel = config.channels[CHANNEL]
    routes = WebhookRoutes()
    routes.register(channel, plugins.platform("facebook"))
    with serving(create_app(store, routes, readiness=lambda: {"ready": True}), name="daemon-http") as running:
        fb.webhooks.target = f"{running.base_url}/webhooks/{CHANNEL}"
        yield fb, store, Pipeline.from_config(config, plugins, store)
    store.close()


def _key(delivery: dict[str, Any]) -> str:
    value = delivery["entry"][0]["changes"][0]["value"]
    return str(value.get("comment_id") or value["post_id"])


def _by_key(store: Store) -> dict[str, Complaint]:
    return {c.external_id: c for c in store.iter_complaints()}


def test_a_deleted_post_keeps_its_case_with_its_text_tombstoned(desk: Any) -> None:
    fb, store, pipeline = desk
    post = fb.add_post("Rahul", "Hazratganj mein meri chain chheen li, do ladke bike pe the")
    post_id = _key(post)
    comment = fb.add_comment(post_id, "Priya", "Hazratganj mein meri bhi chain chheen li, same ladke")
    assert fb.webhooks.send_all([post, comment]) == [200, 200]
    pipeline.drain()
    edit = fb.edit(post_id, "Hazratganj mein chain chheen li, do ladke Pulsar bike pe the")
    assert fb.webhooks.send(edit) == 200
    pipeline.drain()
    before = _by_key(store)
    assert len(before) == 3
    removal = fb.remove(post_id)
    assert fb.webhooks.send(removal) == 200
    assert fb.webhooks.redeliver() == 200                                  # the notice again: absorbed
    result = pipeline.drain()
    assert result.removed == 1 and result.processed == 0

    after = _by_key(store)
    assert set(after) == set(before)                                       # no complaint for the notice
    removed = after[post_id]
    assert removed.text == TOMBSTONE and removed.text_normalized is None and removed.removed_at is not None
    for field in ("docket", "category", "priority", "actionable", "unit", "status", "support_posts",
                  "support_authors", "sla_due"):
        assert getattr(removed, field) == getattr(before[post_id], field), field
    edited = next(c for k, c in after.items() if k.startswith(f"{post_id}:edited:"))
    assert edited.text == TOMBSTONE and edited.duplicate_of == removed.id     # the edit is the same post
    other = after[_key(comment)]
    assert other.text == before[_key(comment)].text and other.removed_at is None
    events = [e for e in store.events(removed.id) if e.kind == "complaint.removed"]
    assert len(events) == 1
    assert events[0].detail["removed_by"] == fb.person("Rahul")["id"] and events[0].actor == "platform"
    assert events[0].detail["removed_at"] == removed.removed_at.isoformat()
    stats = store.stats()
    assert stats["inbox_ignored"] == 1 and stats["inbox_dead"] == 0

    out = BytesIO()
    assert export_complaints(store, out) == 3
    exported = {row["external_id"]: row for row in map(orjson.loads, out.getvalue().splitlines())}
    assert exported[post_id]["text"] == TOMBSTONE and exported[post_id]["removed_at"] is not None
    assert exported[post_id]["docket"] == before[post_id].docket
    assert "chheen" not in orjson.dumps(exported[post_id]).decode()          # nothing of the text is left


def test_a_removal_delivered_before_its_comment_tombstones_the_comment_when_it_arrives(desk: Any) -> None:
    fb, store, pipeline = desk
    post = fb.add_post("Rahul", "Aliganj mein bike chori ho gayi kal raat")
    comment = fb.add_comment(_key(post), "Priya", "Mera phone bhi Aliganj mein chori hua, koi sunwai nahi")
    removal = fb.remove(_key(comment))
    assert fb.webhooks.send_all([post, removal]) == [200, 200]             # the add is late
    pipeline.drain()
    assert set(_by_key(store)) == {_key(post)}
    assert fb.webhooks.send(comment) == 200
    pipeline.drain()
    stored = _by_key(store)[_key(comment)]
    assert stored.text == TOMBSTONE and stored.removed_at is not None
    assert [e.kind for e in store.events(stored.id)] == ["complaint.received", "complaint.removed"]
    assert _by_key(store)[_key(post)].removed_at is None
