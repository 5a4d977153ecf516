"""A post folded into a case joins the case's decisions (category, unit), raised by its own."""

from __future__ import annotations

from typing import Any

import orjson

from shikayat.complaint import RawPost, utcnow
from shikayat.decisions import Classification
from shikayat.pipeline import Pipeline
from shikayat.pipeline.cases import CaseBook, CaseDecision, join_case
from shikayat.store import Store
from shikayat.types import DuplicateReason, Priority

NOW = utcnow().replace(microsecond=0)


def raw(post_id: str, text: str, *, author: str, **extra: Any) -> RawPost:
    body = {"id": post_id, "author": author, "handle": f"user_{author}", "text": text,
            "created_at": NOW.isoformat(), **extra}
    return RawPost(platform="fake", external_id=post_id, channel="city", payload=orjson.dumps(body))


def test_thread_replies_join_the_case_and_an_emergency_raises_them(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([
        raw("o1", "Ganj market mein abhi meri chain chheen li do ladke bike par the", author="u1"),
        raw("r1", "same here sir koi sunvai nahi", author="u2", reply_to="o1", conversation_id="o1"),
        raw("r2", "bachao woh log phir aa gaye hain", author="u3", reply_to="o1", conversation_id="o1"),
    ])
    pipeline.drain()
    by_id = {c.external_id: c for c in pstore.iter_complaints()}
    case = by_id["o1"]
    assert case.category == "chain_snatching" and case.unit == "tf-city-ganj"
    for reply in ("r1", "r2"):
        assert by_id[reply].duplicate_of == case.id
        assert by_id[reply].duplicate_reason is DuplicateReason.THREAD
        assert by_id[reply].category == "chain_snatching"              # the case's, not "uncategorised"
        assert by_id[reply].unit == "tf-city-ganj"
        assert by_id[reply].unit_reason == f"joins case {case.docket} → Ganj police station"
    assert by_id["r1"].priority is case.priority
    assert by_id["r2"].priority is Priority.CRITICAL                   # its own words raise it


def test_cases_survive_a_restart(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([raw("o1", "Ganj market mein abhi meri chain chheen li do ladke bike par the", author="u1")])
    pipeline.drain()
    fresh = Pipeline(store=pstore, plugins=pipeline.plugins, units=pipeline.units, channels=pipeline.channels)
    fresh.rebuild_index()                               # a new process: the case comes from the store
    pstore.add_raw([raw("r1", "same here sir koi sunvai nahi", author="u2", reply_to="o1", conversation_id="o1")])
    fresh.drain()
    by_id = {c.external_id: c for c in pstore.iter_complaints()}
    assert by_id["r1"].category == "chain_snatching" and by_id["r1"].unit == "tf-city-ganj"


def test_join_case_refines_an_uncategorised_case_and_keeps_a_known_one() -> None:
    open_case = CaseDecision("SK-1", "uncategorised", Priority.NORMAL, True, False, None)
    own = Classification("vehicle_theft", Priority.HIGH, True, True, reason="matched bike chori")
    joined = join_case(open_case, own)
    assert (joined.category, joined.priority, joined.sensitive) == ("vehicle_theft", Priority.HIGH, True)
    known = CaseDecision("SK-2", "chain_snatching", Priority.HIGH, True, False, "u")
    praise = Classification("praise", Priority.LOW, False, False, reason="thanks")
    joined = join_case(known, praise)
    assert (joined.category, joined.priority, joined.actionable) == ("chain_snatching", Priority.HIGH, True)


def test_case_book_forgets_cases_older_than_the_window() -> None:
    from datetime import timedelta

    book = CaseBook(timedelta(days=7))
    decision = CaseDecision("SK-1", "theft", Priority.NORMAL, True, False, None)
    book.remember("old", NOW - timedelta(days=9), decision)
    book.remember("new", NOW, decision)
    assert book.prune() == 1 and book.get("old") is None and book.get("new") == decision


def test_a_reply_to_a_case_at_the_desk_stays_there_unless_it_names_a_place(pipeline: Pipeline,
                                                                            pstore: Store) -> None:
    # no place, no tag, no channel unit: the case goes to the triage desk
    pstore.add_raw([RawPost(platform="fake", external_id="o1", channel=None, payload=orjson.dumps({
        "id": "o1", "author": "u1", "text": "mere ghar ke bahar se bike chori ho gayi", "created_at": NOW.isoformat()}))])
    pipeline.drain()
    pstore.add_raw([
        RawPost(platform="fake", external_id="r1", channel=None, payload=orjson.dumps({
            "id": "r1", "author": "u2", "text": "same here sir", "reply_to": "o1", "created_at": NOW.isoformat()})),
        RawPost(platform="fake", external_id="r2", channel=None, payload=orjson.dumps({
            "id": "r2", "author": "u1", "text": "sir ye Ganj market ke paas hua", "reply_to": "o1",
            "created_at": NOW.isoformat()})),
    ])
    pipeline.drain()
    by_id = {c.external_id: c for c in pstore.iter_complaints()}
    assert by_id["o1"].unit == "tf-triage"
    assert by_id["r1"].duplicate_of == by_id["o1"].id and by_id["r1"].unit == "tf-triage"
    assert by_id["r2"].duplicate_of == by_id["o1"].id and by_id["r2"].unit == "tf-city-ganj"
