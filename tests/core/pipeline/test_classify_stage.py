"""The default classifier inside the real pipeline, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson

from shikayat.complaint import RawPost, utcnow
from shikayat.config import build_config
from shikayat.pipeline import Pipeline
from shikayat.plugins import Plugins
from shikayat.store import Store
from shikayat.types import Language, Priority

NOW = utcnow().replace(microsecond=0)


def raw(post_id: str, text: str, *, author: str | None = None, **extra: Any) -> RawPost:
    body = {"id": post_id, "author": author or f"u-{post_id}", "handle": f"user_{post_id}", "text": text,
            "created_at": NOW.isoformat(), **extra}
    return RawPost(platform="fake", external_id=post_id, channel="city", payload=orjson.dumps(body))


def test_posts_are_classified_and_the_decision_drives_sla_and_replies(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([
        raw("theft", "@citypolice meri bike chori ho gayi aminabad se, UP32 AB 1234"),
        raw("sos", "@citypolice bachao koi ghar me ghus aaya hai jankipuram sector F"),
        raw("dowry", "मेरी बहन को ससुराल वाले दहेज के लिए मारते हैं, कृपया मदद करें"),
        raw("wishes", "Happy Diwali to all @citypolice jawans, jai hind"),
        raw("closing", "sir hamare mohalle me bijli ke taar latak rahe hain kripya dhyan dein dhanyavad"),
    ])
    assert pipeline.drain().processed == 5
    by_id = {c.external_id: c for c in pstore.iter_complaints()}

    theft = by_id["theft"]
    assert (theft.category, theft.priority, theft.actionable, theft.sensitive) == (
        "vehicle_theft", Priority.NORMAL, True, False)
    assert theft.language is Language.MIXED                       # romanized Hindi, detected as English
    sos = by_id["sos"]
    assert (sos.priority, sos.actionable) == (Priority.CRITICAL, True)       # "bachao": whatever the category
    assert sos.sla_due == sos.received_at + timedelta(minutes=15)  # the force answers critical in 15m
    dowry = by_id["dowry"]
    assert (dowry.category, dowry.sensitive, dowry.language) == ("dowry_harassment", True, Language.HINDI)
    wishes = by_id["wishes"]
    assert (wishes.category, wishes.actionable, wishes.priority) == ("greetings", False, Priority.LOW)
    assert by_id["closing"].actionable and by_id["closing"].category == "uncategorised"

    replies = {i.in_reply_to: i for i in pstore.claim_outbox(10, owner="t", lease_seconds=30)}
    assert set(replies) == {"theft", "sos", "dowry", "closing"}   # greetings never become a case
    assert replies["dowry"].private and "दहेज" not in replies["dowry"].text and "ससुराल" not in replies["dowry"].text
    assert not replies["theft"].private

    received = next(e for e in pstore.events(theft.id) if e.kind == "complaint.received")
    assert received.detail["classify_reason"].startswith("model vehicle_theft ahead of ")
    assert 'phrases "bike chori" agree' in received.detail["classify_reason"]
    assert received.detail["category"] == "vehicle_theft"


def test_a_deployment_taxonomy_from_the_config_reaches_the_classifier(
        pstore: Store, plugins: Plugins, config_raw: dict[str, object], tmp_path: Path) -> None:
    (tmp_path / "ours.yaml").write_text(
        "categories:\n"
        "  - code: tractor_trolley_theft\n"
        "    name: {en: Tractor trolley theft, hi: ट्रॉली चोरी}\n"
        "    priority: high\n"
        "    overrides: [vehicle_theft, theft]\n"
        "    keywords: {latn: [trolley chori], hi: [ट्रॉली चोरी]}\n", encoding="utf-8")
    config = build_config({**config_raw, "classify": {"taxonomy": ["ours.yaml"]}}, plugins, base=tmp_path)
    pipeline = Pipeline.from_config(config, plugins, pstore, lease_seconds=30)
    assert pipeline.taxonomy is config.taxonomy
    pstore.add_raw([raw("t1", "khet se tractor trolley chori ho gayi raat me @citypolice")])
    pipeline.drain()
    (complaint,) = pstore.iter_complaints()
    assert (complaint.category, complaint.priority) == ("tractor_trolley_theft", Priority.HIGH)
