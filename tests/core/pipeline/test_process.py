"""The pipeline's promises, on a real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson

from shikayat.complaint import TOMBSTONE, Complaint, RawPost, utcnow
from shikayat.decisions import Classification, DecisionContext, Duplicate, Route
from shikayat.errors import NotAPost, PostRemoved
from shikayat.hookspecs import hookimpl
from shikayat.pipeline import Pipeline
from shikayat.plugins import Plugins, load_plugins
from shikayat.store import Store
from shikayat.types import DuplicateReason, Priority


NOW = utcnow().replace(microsecond=0)


def raw(post_id: str, text: str, *, author: str = "u1", channel: str | None = "city", **extra: Any) -> RawPost:
    body = {"id": post_id, "author": author, "handle": f"user_{author}", "text": text,
            "created_at": NOW.isoformat(), **extra}
    return RawPost(platform="fake", external_id=post_id, channel=channel, payload=orjson.dumps(body))


def all_complaints(store: Store) -> list[Complaint]:
    return list(store.iter_complaints())


def test_every_post_is_stored_once_with_a_unique_docket_and_one_ack(pipeline: Pipeline, pstore: Store) -> None:
    places = ["hazratganj", "aliganj", "gomti nagar", "chinhat", "alambagh"]
    what = ["mobile chori", "chain snatching", "dj bahut tez", "jam laga hai", "bike chori"]
    posts = [raw(f"p{i}", f"{what[i % 5]} {places[i // 5]} mein {'abhi' if i % 2 else 'kal raat'} #{i}",
                 author=f"u{i}") for i in range(25)]
    assert pstore.add_raw(posts) == 25
    assert pstore.add_raw(posts[:10]) == 0          # redelivery absorbed at intake
    result = pipeline.drain(limit=7)                  # several batches
    assert result.processed == 25 and result.dead == 0
    stored = all_complaints(pstore)
    assert sorted(c.external_id for c in stored) == sorted(p.external_id for p in posts)
    assert len({c.docket for c in stored}) == 25
    stats = pstore.stats()
    assert stats["outbox_pending"] == 25 and stats["inbox_done"] == 25 and stats["inbox_pending"] == 0
    # a second drain finds nothing to do
    assert pipeline.drain().claimed == 0


def test_same_author_repeat_is_folded_without_a_second_ack(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([raw("a1", "Mera phone chori ho gaya Alambagh mein!!"),
                    raw("a2", "mera phone chori ho gaya alambagh mein @citypolice"),   # same words, noise differs
                    raw("b1", "mera phone chori ho gaya alambagh mein", author="u2")])   # other author: own case
    pipeline.drain()
    by_id = {c.external_id: c for c in all_complaints(pstore)}
    assert by_id["a2"].duplicate_of == by_id["a1"].id
    assert by_id["a2"].duplicate_reason is DuplicateReason.SAME_AUTHOR
    assert by_id["a2"].duplicate_of_docket == by_id["a1"].docket
    # another author copy-pasting it is folded too, as support from a new author
    assert by_id["b1"].duplicate_of == by_id["a1"].id
    assert by_id["b1"].duplicate_reason is DuplicateReason.NEAR_DUPLICATE
    assert by_id["a1"].support_posts == 3 and by_id["a1"].support_authors == 2
    assert pstore.stats()["outbox_pending"] == 2        # a1, and b1 told the existing reference


def test_near_duplicates_fold_but_similar_different_cases_do_not(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([
        raw("w1", "@uppolice meri chain chheen li hazratganj mein abhi 2 ladke bike pe the please help", author="u1"),
        raw("w2", "@uppolice @dgpup meri chain chheen li hazratganj mein abhi 2 ladke bike pe the please help sir",
            author="u2"),                                   # copy-paste with an extra tag and word
        raw("w3", "meri maa ki chain chheen li hazratganj market ke paas kal shaam ko scooty wale ne",
            author="u3"),                                   # another snatching, same locality: a new case
        raw("w4", "@uppolice meri chain chheen li hazratganj mein abhi 2 ladke bike pe the please help jaldi",
            author="u1"),                                   # the first author again, edited
    ])
    pipeline.drain()
    by_id = {c.external_id: c for c in all_complaints(pstore)}
    assert by_id["w2"].duplicate_of == by_id["w1"].id
    assert by_id["w2"].duplicate_reason is DuplicateReason.NEAR_DUPLICATE and 0.6 <= (by_id["w2"].duplicate_score or 0) < 1
    assert by_id["w3"].duplicate_of is None
    assert by_id["w4"].duplicate_reason is DuplicateReason.SAME_AUTHOR and by_id["w4"].duplicate_of == by_id["w1"].id
    assert (by_id["w1"].support_posts, by_id["w1"].support_authors) == (3, 2)


def test_repost_counts_as_support_for_the_original(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([raw("o1", "dj bahut tez baj raha hai raat 2 baje")])
    pipeline.drain()
    pstore.add_raw([raw("rt1", "RT @user_u1: dj bahut tez", author="u7", repost_of="o1")])
    pipeline.drain()
    by_id = {c.external_id: c for c in all_complaints(pstore)}
    assert by_id["rt1"].duplicate_of == by_id["o1"].id
    assert by_id["rt1"].duplicate_reason is DuplicateReason.THREAD
    assert by_id["o1"].support_posts == 2 and by_id["o1"].support_authors == 2
    assert pstore.stats()["outbox_pending"] == 1


def test_own_posts_never_become_complaints(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([raw("own1", "Your complaint is registered, reference SK-XXXX", author="police"),
                    raw("own2", "reply from our second account", author="police2", channel=None)])
    result = pipeline.drain()
    assert result.ignored == 2 and all_complaints(pstore) == []
    assert pstore.stats()["inbox_ignored"] == 2


def test_own_accounts_are_ignored_per_channel_and_per_platform(pstore: Store, tmp_path: Path) -> None:
    """Our accounts on a platform are ours on every channel of that platform, and only there."""
    import shikayat_storage.plugin
    from shikayat.config import build_config
    from shikayat.testing.fakes import FakePlatform, FakePlugin

    class Other(FakePlatform):
        name = "other"

    class Provides:
        @hookimpl
        def register_platforms(self) -> list[object]:
            return [Other()]

    plugins = load_plugins(entry_points_enabled=False,
                           extra=[FakePlugin(), Provides(), shikayat_storage.plugin])
    config = build_config({"storage": {"url": "sqlite:///unused.db"}, "channels": {
        "city": {"platform": "fake", "account_id": "police"},
        "rural": {"platform": "fake", "account_id": "police2"},
        "elsewhere": {"platform": "other", "account_id": "desk"},
    }}, plugins, base=tmp_path)
    pipeline = Pipeline.from_config(config, plugins, pstore)

    def on(platform: str, channel: str, pid: str, author: str) -> RawPost:
        body = {"id": pid, "author": author, "text": "chain snatching near the market",
                "created_at": NOW.isoformat()}
        return RawPost(platform=platform, external_id=pid, channel=channel, payload=orjson.dumps(body))

    pstore.add_raw([
        on("fake", "city", "own-here", "police"),            # this channel's account
        on("fake", "city", "own-sibling", "police2"),        # another channel's account, same platform
        on("fake", "rural", "own-sibling-2", "police"),
        on("other", "elsewhere", "own-other", "desk"),       # the other platform's own account
        on("other", "elsewhere", "citizen-1", "police"),     # "police" is nobody special on "other"
        on("fake", "city", "citizen-2", "desk"),             # nor is "desk" on "fake"
    ])
    result = pipeline.drain()
    assert (result.ignored, result.processed) == (4, 2)
    assert sorted(c.external_id for c in all_complaints(pstore)) == ["citizen-1", "citizen-2"]


def test_a_payload_the_normalizer_declares_no_post_is_ignored_not_dead(
        pipeline: Pipeline, pstore: Store, plugins: Plugins, monkeypatch: Any) -> None:
    platform = plugins.platforms["fake"]
    real = platform.normalize

    def normalize(raw_post: RawPost) -> Complaint:
        if raw_post.external_id.startswith("stub:"):
            raise NotAPost("a notification naming post p9; its text is stored separately")
        return real(raw_post)

    monkeypatch.setattr(platform, "normalize", normalize)
    stub = RawPost(platform="fake", external_id="stub:p9", channel="city", payload=b'{"names": "p9"}')
    pstore.add_raw([stub, raw("p9", "the post the stub names")])
    result = pipeline.drain()
    assert (result.processed, result.ignored, result.dead) == (1, 1, 0)
    assert [c.external_id for c in all_complaints(pstore)] == ["p9"]
    stats = pstore.stats()
    assert stats["inbox_ignored"] == 1 and stats["inbox_dead"] == 0 and stats["outbox_pending"] == 1



def test_a_removal_notice_tombstones_its_post_and_keeps_the_case(pipeline: Pipeline, pstore: Store,
                                                                plugins: Plugins, monkeypatch: Any) -> None:
    """Any platform's normalizer may raise PostRemoved for a deletion notice: the post's
    complaint keeps its case and decisions, its text becomes the tombstone, once."""
    platform = plugins.platforms["fake"]
    real = platform.normalize

    def normalize(raw_post: RawPost) -> Complaint:
        if raw_post.external_id.startswith("gone:"):
            raise PostRemoved(raw_post.external_id.removeprefix("gone:"), removed_by="u1")
        return real(raw_post)

    monkeypatch.setattr(platform, "normalize", normalize)
    pstore.add_raw([raw("p1", "mobile chori ho gaya hazratganj mein")])
    pipeline.drain()
    case = all_complaints(pstore)[0]
    pstore.add_raw([RawPost(platform="fake", external_id="gone:p1", channel="city", payload=b"{}")])
    result = pipeline.drain()
    assert (result.removed, result.processed, result.ignored, result.dead) == (1, 0, 0, 0)
    (after,) = all_complaints(pstore)
    assert after.text == TOMBSTONE and after.removed_at is not None
    assert (after.docket, after.category, after.unit, after.status) == (case.docket, case.category, case.unit,
                                                                        case.status)
    assert pstore.stats()["outbox_pending"] == 1                       # its acknowledgement is still due
    assert [e.detail["removed_by"] for e in pstore.events(case.id) if e.kind == "complaint.removed"] == ["u1"]

def test_unreadable_payload_is_kept_and_the_rest_goes_on(pipeline: Pipeline, pstore: Store, plugins: Plugins) -> None:
    bad = RawPost(platform="fake", external_id="bad1", channel="city", payload=b'{"id": "bad1", "text": 5}')
    ghost = RawPost(platform="ghost", external_id="g1", channel=None, payload=b'{"id": "g1"}')
    pstore.add_raw([raw("ok1", "first"), bad, ghost, raw("ok2", "after the bad ones")])
    result = pipeline.drain()
    assert (result.processed, result.dead) == (2, 2)
    dead = {item.external_id: error for item, error in pstore.dead_letters()}
    assert "'author' is missing" in dead["bad1"]
    assert "no installed plugin provides platform 'ghost'" in dead["g1"]
    item = next(i for i, _ in pstore.dead_letters() if i.external_id == "bad1")
    assert item.payload == bad.payload                       # verbatim, reprocessable

    # the fix: a plugin for "ghost" appears; reprocessing turns the dead letter into a complaint
    from shikayat.testing.fakes import FakePlatform

    class Ghost(FakePlatform):
        name = "ghost"

        def normalize(self, raw: RawPost) -> Complaint:
            return Complaint(platform="ghost", external_id=raw.external_id,
                             author={"id": "x"}, text="recovered",  # type: ignore[arg-type]
                             created_at="2026-05-01T00:00:00Z")  # type: ignore[arg-type]

    plugins.platforms["ghost"] = Ghost()
    assert pstore.requeue_dead(platform="ghost") == 1
    assert pipeline.drain().processed == 1
    assert pstore.get_complaint(next(c.id for c in all_complaints(pstore) if c.platform == "ghost"))
    assert [i.external_id for i, _ in pstore.dead_letters()] == ["bad1"]


def test_a_second_worker_on_an_expired_lease_adds_nothing(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([raw("x1", "a complaint"), raw("x2", "another complaint")])
    items = pstore.claim_inbox(10, owner="w1", lease_seconds=0.001)
    first = pipeline.process(items)
    import time

    time.sleep(0.01)
    again = pstore.claim_inbox(10, owner="w2", lease_seconds=30)
    assert {i.id for i in again} == {i.id for i in items}   # lease expired: claimable again
    second = pipeline.process(again)
    pstore.save_outcomes(second)
    pstore.save_outcomes(first)                             # the slow first worker commits late
    assert len(all_complaints(pstore)) == 2
    assert pstore.stats()["outbox_pending"] == 2


def test_index_is_rebuilt_from_the_store(pipeline: Pipeline, pstore: Store, plugins: Plugins) -> None:
    pstore.add_raw([raw("r1", "jameen par kabja kar liya hai")])
    pipeline.drain()
    fresh = Pipeline(store=pstore, plugins=plugins, units=pipeline.units, channels=pipeline.channels)
    assert fresh.rebuild_index() == 1
    pstore.add_raw([raw("r2", "Jameen par kabja kar liya hai!!!")])
    fresh.drain()
    r2 = next(c for c in all_complaints(pstore) if c.external_id == "r2")
    assert r2.duplicate_reason is DuplicateReason.SAME_AUTHOR


def test_routing_tagged_handle_then_channel_then_triage(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([
        raw("t1", "kal raat mere ghar se mobile phone chori ho gaya", mentions=["testpolice", "ps_ganj"]),  # most specific tag
        raw("t2", "traffic jam"),                                            # channel's unit
        raw("t3", "no channel, no tag", channel=None),                       # triage desk
    ])
    pipeline.drain()
    by_id = {c.external_id: c for c in all_complaints(pstore)}
    assert by_id["t1"].unit == "tf-city-ganj"
    assert by_id["t1"].unit_reason == "tagged @ps_ganj → Ganj police station"
    assert by_id["t2"].unit == "tf-city" and "channel city" in (by_id["t2"].unit_reason or "")
    assert by_id["t3"].unit == "tf-triage"
    # SLA: the station overrides normal priority (a theft told in the past) with 1h; others get the 2h default
    assert by_id["t1"].sla_due == by_id["t1"].received_at + timedelta(hours=1)
    assert by_id["t2"].sla_due == by_id["t2"].received_at + timedelta(hours=2)


def test_ack_text_carries_reference_and_unit_handle(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([raw("h1", "मेरा मोबाइल चोरी हो गया", mentions=["ps_ganj"]),
                    raw("e1", "my bike was stolen")])
    pipeline.drain()
    items = {i.in_reply_to: i for i in pstore.claim_outbox(10, owner="t", lease_seconds=30)}
    by_id = {c.external_id: c for c in all_complaints(pstore)}
    assert by_id["h1"].docket in items["h1"].text and "@ps_ganj" in items["h1"].text
    assert "शिकायत" in items["h1"].text                     # Hindi post, Hindi reply
    assert items["e1"].text.startswith("Your complaint is registered")
    # routed to the receiving account's own unit: named, not tagged (no tagging ourselves)
    assert "@citypolice" not in items["e1"].text and "City Commissionerate" in items["e1"].text


def test_acks_of_one_case_by_several_authors_all_differ(pipeline: Pipeline, pstore: Store) -> None:
    # X refuses a post whose text repeats an earlier one; a copy-paste wave must still be answered
    text = "Gomti Nagar Vipul Khand mein raat bhar DJ baj raha hai, koi sunvai nahi"
    pstore.add_raw([raw(f"w{i}", text + "!" * i, author=f"w{i}") for i in range(4)])
    pipeline.drain()
    by_id = {c.external_id: c for c in all_complaints(pstore)}
    assert all(by_id[f"w{i}"].duplicate_of == by_id["w0"].id for i in (1, 2, 3))
    items = pstore.claim_outbox(10, owner="t", lease_seconds=30)
    assert len(items) == 4 and len({i.text for i in items}) == 4
    for item in items:
        assert by_id["w0"].docket in item.text and by_id[item.in_reply_to].docket in item.text


def test_channel_without_replies_queues_none(pipeline: Pipeline, pstore: Store) -> None:
    pstore.add_raw([raw("q1", "complaint on the quiet channel", channel="quiet")])
    pipeline.drain()
    assert pstore.stats()["outbox_pending"] == 0 and len(all_complaints(pstore)) == 1


# -- hooks: a plugin overrides each default ------------------------------------------------


def test_hook_dedupe_complaint(pipeline: Pipeline, pstore: Store, plugins: Plugins) -> None:
    pstore.add_raw([raw("d1", "first")])
    pipeline.drain()
    first = all_complaints(pstore)[0]

    class Everything:
        @hookimpl
        def dedupe_complaint(self, complaint: Complaint) -> Duplicate:
            return Duplicate(of=first.id, of_docket=first.docket, reason=DuplicateReason.NEAR_DUPLICATE, score=0.9)

    plugins.pm.register(Everything())
    pstore.add_raw([raw("d2", "something else entirely", author="u9")])
    pipeline.drain()
    d2 = next(c for c in all_complaints(pstore) if c.external_id == "d2")
    assert (d2.duplicate_of, d2.duplicate_reason, d2.duplicate_score) == (first.id, DuplicateReason.NEAR_DUPLICATE, 0.9)


def test_hook_classify_complaint(pipeline: Pipeline, pstore: Store, plugins: Plugins) -> None:
    class Emergency:
        @hookimpl
        def classify_complaint(self, complaint: Complaint) -> Classification | None:
            if "bachao" in (complaint.text_normalized or ""):
                return Classification("threat_to_life", Priority.CRITICAL, sensitive=True)
            return None

    plugins.pm.register(Emergency())
    pstore.add_raw([raw("c1", "BACHAO koi ghar mein ghus gaya"), raw("c2", "road kharab hai")])
    pipeline.drain()
    by_id = {c.external_id: c for c in all_complaints(pstore)}
    assert (by_id["c1"].category, by_id["c1"].priority, by_id["c1"].sensitive) == ("threat_to_life", Priority.CRITICAL, True)
    assert by_id["c2"].category == "uncategorised"                 # default answered
    assert by_id["c1"].sla_due == by_id["c1"].received_at + timedelta(minutes=15)  # HQ override for critical
    item = next(i for i in pstore.claim_outbox(10, owner="t", lease_seconds=30) if i.in_reply_to == "c1")
    assert item.private and "ghus" not in item.text and "privately" in item.text


def test_hook_route_complaint(pipeline: Pipeline, pstore: Store, plugins: Plugins) -> None:
    class Rule:
        @hookimpl
        def route_complaint(self, complaint: Complaint) -> Route:
            return Route("tf-hq", "rule: everything to HQ")

    plugins.pm.register(Rule())
    pstore.add_raw([raw("u1", "x", mentions=["ps_ganj"])])
    pipeline.drain()
    c = all_complaints(pstore)[0]
    assert (c.unit, c.unit_reason) == ("tf-hq", "rule: everything to HQ")


def test_hook_join_incident(pipeline: Pipeline, pstore: Store, plugins: Plugins) -> None:
    seen: list[tuple[str, str | None, bool]] = []

    class SameTopic:
        """Folds every new case into the first one of its category (a plugin's own rule)."""

        first: dict[str, Complaint] = {}

        @hookimpl
        def join_incident(self, complaint: Complaint, context: DecisionContext) -> Duplicate | None:
            seen.append((complaint.category, complaint.unit, context.cases is not None))
            earlier = self.first.setdefault(complaint.category, complaint)
            if earlier is complaint:
                return None
            return Duplicate(of=earlier.id, of_docket=earlier.docket, reason=DuplicateReason.SAME_INCIDENT,
                             score=0.5, new_author=True)

    plugins.pm.register(SameTopic())
    pstore.add_raw([raw("j1", "Ganj market mein meri chain chheen li"),
                    raw("j2", "mera mobile chori ho gaya bus mein", author="u2"),
                    raw("j3", "chain chheen li do ladke bike par", author="u3"),
                    raw("j4", "chain chheen li ganj", author="u4", reply_to="j1", conversation_id="j1")])
    pipeline.drain()
    by_id = {c.external_id: c for c in all_complaints(pstore)}
    assert (by_id["j3"].duplicate_of, by_id["j3"].duplicate_reason) == (by_id["j1"].id, DuplicateReason.SAME_INCIDENT)
    assert by_id["j2"].duplicate_of is None
    assert len(seen) == 3                       # called after route, only for what dedupe found new (not j4)
    assert seen[0] == ("chain_snatching", "tf-city-ganj", True)
    assert pstore.get_complaint(by_id["j1"].id).support_authors == 3    # u1, u3 (incident), u4 (thread)  # type: ignore[union-attr]


def test_hook_render_reply(pipeline: Pipeline, pstore: Store, plugins: Plugins) -> None:
    class Text:
        @hookimpl
        def render_reply(self, complaint: Complaint, kind: str) -> str:
            return f"{kind}:{complaint.docket}:" + "x" * 400

    plugins.pm.register(Text())
    pstore.add_raw([raw("m1", "x")])
    pipeline.drain()
    item = pstore.claim_outbox(10, owner="t", lease_seconds=30)[0]
    assert item.text.startswith("ack:SK-") and len(item.text) == 280   # platform's fit_reply applied


def test_hook_complaint_stored(pipeline: Pipeline, pstore: Store, plugins: Plugins) -> None:
    seen: list[str] = []

    class Notify:
        @hookimpl
        def complaint_stored(self, complaint: Complaint) -> None:
            seen.append(complaint.external_id)

    plugins.pm.register(Notify())
    pstore.add_raw([raw("n1", "x"), raw("n2", "y"), raw("own", "z", author="police")])
    pipeline.drain()
    assert sorted(seen) == ["n1", "n2"]


def test_a_batch_decides_with_the_collector_paused_and_leaves_it_as_it_was(pipeline: Pipeline, pstore: Store,
                                                                          plugins: Plugins) -> None:
    import gc

    seen: list[bool] = []

    class Watch:
        @hookimpl(tryfirst=True)
        def classify_complaint(self, complaint: Complaint, context: DecisionContext) -> None:
            seen.append(gc.isenabled())
            if complaint.external_id == "boom":
                raise RuntimeError("a decision hook failed")

    plugins.pm.register(Watch())
    assert gc.isenabled()
    pstore.add_raw([raw("g1", "chain chheen li hazratganj")])
    assert pipeline.drain().processed == 1
    assert seen == [False] and gc.isenabled()              # paused while deciding, resumed after
    pstore.add_raw([raw("boom", "mobile chori ho gaya aliganj")])
    try:
        pipeline.run_batch()
    except RuntimeError:
        pass
    assert seen == [False, False] and gc.isenabled()       # resumed when a batch fails, too
    gc.disable()
    try:
        pstore.add_raw([raw("g2", "loud music gomti nagar")])
        assert pipeline.drain().processed == 1
        assert not gc.isenabled()                          # the application's choice is kept
    finally:
        gc.enable()


def test_every_post_stores_the_normalized_form_of_its_own_text(pipeline: Pipeline, pstore: Store) -> None:
    from shikayat.textnorm import normalize_text

    texts = ["Meri CHAIN chheen li!!! Hazratganj", "मेरा फोन चोरी हो गया आलमबाग", "Meri CHAIN chheen li!!! Hazratganj"]
    pstore.add_raw([raw(f"n{i}", text, author=f"u{i}") for i, text in enumerate(texts)])
    pstore.add_raw([raw("n9", "मेरा फोन चोरी हो गया आलमबाग", author="u9")])
    assert pipeline.drain().processed == 4
    stored = all_complaints(pstore)
    assert len(stored) == 4
    assert all(c.text_normalized == normalize_text(c.text) for c in stored)
