"""A post folded into a case joins the case's decisions (category, unit), raised by its own."""

from __future__ import annotations

from typing import Any

import orjson

from shikayat.complaint import RawPost, utcnow
from shikayat.decisions import Classification
from shikayat.pipeline import Pipeline
from shikayat.pipeline.cases import CaseBook, CaseDecision, join_case
from shikayat.store import Store
from shikayat.types import DuplicateReason, Priority, RouteBasis

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


# -- another report of one incident, in other words or another language ------------------------

def _at(minutes: int) -> str:
    from datetime import timedelta

    return (NOW + timedelta(minutes=minutes)).isoformat()


FIRE_EN = "Fire in a building in Ganj market, people stuck upstairs, send fire brigade"
FIRE_HI = "गंज बाजार की एक इमारत में आग लगी है, ऊपर लोग फंसे हैं"


def test_a_second_report_of_a_fire_in_another_language_joins_its_case(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([raw("o1", FIRE_EN, author="u1", created_at=_at(0)),
                    raw("o2", FIRE_HI, author="u2", created_at=_at(20))])
    pipeline.drain()
    by_id = {c.external_id: c for c in pstore.iter_complaints()}
    first, second = by_id["o1"], by_id["o2"]
    assert first.category == second.category == "fire"
    assert first.unit == second.unit == "tf-city-ganj"
    assert first.unit_basis is RouteBasis.PLACE and first.duplicate_of is None
    assert second.duplicate_of == first.id
    assert second.duplicate_reason is DuplicateReason.SAME_INCIDENT
    assert pstore.get_complaint(first.id).support_authors == 2            # type: ignore[union-attr]


def test_a_report_after_the_incident_window_is_a_case_of_its_own(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([raw("o1", FIRE_EN, author="u1", created_at=_at(0)),
                    raw("o2", FIRE_HI, author="u2", created_at=_at(3 * 60))])   # fire: 2 h
    pipeline.drain()
    assert all(c.duplicate_of is None for c in pstore.iter_complaints())


def test_reports_that_name_different_vehicles_stay_apart(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([
        raw("o1", "Accident in Ganj, truck UP32 AB 1234 hit a scooter, man injured", author="u1", created_at=_at(0)),
        raw("o2", "गंज में एक्सीडेंट, कार UP32 CD 9876 ने बाइक को टक्कर मारी, एक घायल", author="u2", created_at=_at(30)),
    ])
    pipeline.drain()
    by_id = {c.external_id: c for c in pstore.iter_complaints()}
    assert by_id["o1"].category == by_id["o2"].category == "road_accident"
    assert by_id["o2"].duplicate_of is None


def test_two_snatchings_in_one_place_within_the_hour_are_two_cases(pipeline: Pipeline, pstore: Store) -> None:
    # every report may be another victim: the category has no incident window
    pstore.add_raw([
        raw("o1", "Ganj market mein abhi meri chain chheen li do ladke bike par the", author="u1", created_at=_at(0)),
        raw("o2", "My gold chain was snatched near Ganj crossing by two men on a bike", author="u2", created_at=_at(15)),
    ])
    pipeline.drain()
    by_id = {c.external_id: c for c in pstore.iter_complaints()}
    assert by_id["o1"].category == by_id["o2"].category == "chain_snatching"
    assert by_id["o2"].duplicate_of is None


def test_a_unit_told_by_a_tag_does_not_place_an_incident(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([raw("o1", "@ps_ganj fire in a building, people stuck upstairs", author="u1", created_at=_at(0),
                        mentions=["ps_ganj"]),
                    raw("o2", "@ps_ganj aag lagi hai ghar me jaldi aao", author="u2", created_at=_at(10),
                        mentions=["ps_ganj"])])
    pipeline.drain()
    by_id = {c.external_id: c for c in pstore.iter_complaints()}
    assert by_id["o1"].unit == by_id["o2"].unit == "tf-city-ganj"
    assert by_id["o1"].unit_basis is RouteBasis.TAG
    assert by_id["o2"].duplicate_of is None


def test_incident_cases_are_joined_after_a_restart(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([raw("o1", FIRE_EN, author="u1", created_at=_at(0))])
    pipeline.drain()
    fresh = Pipeline(store=pstore, plugins=pipeline.plugins, units=pipeline.units, channels=pipeline.channels)
    fresh.rebuild_index(now=NOW)                        # the case's place comes back from the store
    pstore.add_raw([raw("o2", FIRE_HI, author="u2", created_at=_at(20))])
    fresh.drain()
    by_id = {c.external_id: c for c in pstore.iter_complaints()}
    assert by_id["o2"].duplicate_reason is DuplicateReason.SAME_INCIDENT
    assert by_id["o2"].duplicate_of == by_id["o1"].id


def test_case_book_lists_placed_cases_newest_first_and_forgets_them() -> None:
    from datetime import timedelta

    book = CaseBook(timedelta(days=1))
    placed = CaseDecision("SK-1", "fire", Priority.CRITICAL, True, False, "u", RouteBasis.PLACE)
    told = CaseDecision("SK-2", "fire", Priority.CRITICAL, True, False, "u", RouteBasis.CHANNEL)
    book.remember("a", NOW - timedelta(days=2), placed)
    book.remember("b", NOW - timedelta(hours=1), placed)
    book.remember("c", NOW, placed)
    book.remember("d", NOW, told)
    assert book.placed("fire", "u", NOW - timedelta(days=3)) == ["c", "b", "a"]
    assert book.placed("fire", "u", NOW - timedelta(minutes=30)) == ["c"]
    assert book.prune() == 1
    assert book.placed("fire", "u", NOW - timedelta(days=3)) == ["c", "b"]
    assert book.placed("theft", "u", NOW - timedelta(days=3)) == []
