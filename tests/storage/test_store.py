"""The store's invariants, each on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shikayat.complaint import TOMBSTONE, Author, Complaint, Location, Media, RawPost, Thread, utcnow
from shikayat.errors import SchemaOutdated
from shikayat.store import DeadLetter, Event, Ignored, OutboxEntry, Processed, Removal, Support
from shikayat.types import DuplicateReason, Language, MediaType, Priority, Status
from shikayat_storage import SQLStore
from shikayat_storage.models import metadata
from shikayat_storage.plugin import normalize_url, open_store


@pytest.fixture
def store(db_url: str) -> Iterator[SQLStore]:
    s = SQLStore(normalize_url(db_url) or db_url)
    s.migrate()
    yield s
    s.close()


def raw(i: int | str, platform: str = "twitter", channel: str | None = "ch") -> RawPost:
    return RawPost(platform=platform, external_id=str(i), channel=channel, payload=f'{{"id": "{i}"}}'.encode())


def complaint(ext: str, **kw: object) -> Complaint:
    base: dict[str, object] = dict(platform="twitter", external_id=ext, author=Author(id="a1", handle="asha"),
                                   text="chain chheen li", created_at=utcnow().replace(microsecond=0))
    base.update(kw)
    return Complaint(**base)  # type: ignore[arg-type]


def test_open_store_answers_only_for_sql_urls() -> None:
    assert open_store("redis://localhost") is None
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_hook_open_store(db_url: str) -> None:
    from shikayat.plugins import load_plugins

    store = load_plugins().open_store(db_url)
    try:
        assert isinstance(store, SQLStore)
        assert store.schema_status().current is None
    finally:
        store.close()


def test_migrations_up_down_up(db_url: str) -> None:
    s = SQLStore(normalize_url(db_url) or db_url)
    try:
        with pytest.raises(SchemaOutdated, match="shikayat migrate"):
            s.check_schema()
        s.migrate()
        assert s.schema_status().up_to_date
        s.check_schema()
        s.migrate("base")
        assert s.schema_status().current is None
        with s.engine.connect() as con:
            assert set(sa.inspect(con).get_table_names()) <= {"alembic_version"}
        s.migrate()
        assert s.schema_status().up_to_date
    finally:
        s.close()


def test_models_and_migrations_agree(store: SQLStore) -> None:
    with store.engine.connect() as con:
        diff = compare_metadata(MigrationContext.configure(con, opts={"compare_type": True}), metadata)
    assert diff == []


def test_redelivered_posts_are_stored_once(store: SQLStore) -> None:
    assert store.add_raw([raw(1), raw(2), raw(3)]) == 3
    assert store.add_raw([raw(2), raw(3), raw(4)]) == 1
    assert store.add_raw([raw(1, platform="facebook")]) == 1        # the key is (platform, external id)
    assert store.stats()["inbox_pending"] == 5


def test_posts_and_cursor_commit_together(store: SQLStore) -> None:
    store.add_raw([raw(1)], channel="ch", cursor={"since_id": "1"})
    assert store.get_cursor("ch") == {"since_id": "1"}
    broken = RawPost.model_construct(platform="twitter", external_id="2", channel="ch", payload=None,
                                     received_at=utcnow())              # violates NOT NULL
    with pytest.raises(sa.exc.IntegrityError):
        store.add_raw([raw(3), broken], channel="ch", cursor={"since_id": "3"})
    assert store.get_cursor("ch") == {"since_id": "1"}                  # cursor did not advance
    assert store.stats()["inbox_pending"] == 1                          # post 3 was not kept either


def test_dead_rows_keep_payload_and_error_and_can_be_requeued(store: SQLStore) -> None:
    store.add_raw([], dead=[(raw("bad"), "not JSON")])
    (item, error), = store.dead_letters()
    assert (item.payload, error) == (b'{"id": "bad"}', "not JSON")
    assert store.claim_inbox(10, owner="w", lease_seconds=30) == []
    assert store.requeue_dead(platform="facebook") == 0
    assert store.requeue_dead(inbox_ids=[item.id]) == 1
    assert [i.external_id for i in store.claim_inbox(10, owner="w", lease_seconds=30)] == ["bad"]


def _expire_leases(store: SQLStore, table: str, *, owner: str) -> None:
    """Time passes for ``owner``'s leases: they end a second ago (a test that sleeps past a short
    lease fails whenever a loaded machine takes longer than the lease between two claims)."""
    rows = metadata.tables[table]
    with store.engine.begin() as con:
        con.execute(rows.update().where(rows.c.lease_owner == owner)
                    .values(leased_until=datetime.now(UTC) - timedelta(seconds=1)))


def test_leases_hide_claimed_rows_until_they_expire(store: SQLStore) -> None:
    store.add_raw([raw(i) for i in range(5)])
    first = store.claim_inbox(3, owner="a", lease_seconds=30)
    assert [i.external_id for i in first] == ["0", "1", "2"] and all(i.attempts == 1 for i in first)
    second = store.claim_inbox(10, owner="b", lease_seconds=30)
    assert [i.external_id for i in second] == ["3", "4"]
    assert store.claim_inbox(10, owner="c", lease_seconds=30) == []
    _expire_leases(store, "inbox", owner="a")                    # worker a "crashed"
    again = store.claim_inbox(10, owner="c", lease_seconds=30)
    assert [i.external_id for i in again] == ["0", "1", "2"] and all(i.attempts == 2 for i in again)


def test_concurrent_claims_never_share_a_row(store: SQLStore) -> None:
    store.add_raw([raw(i) for i in range(200)])
    claimed: list[list[int]] = [[], [], [], []]
    other = SQLStore(store.url)

    def worker(n: int) -> None:
        s = store if n % 2 == 0 else other
        while batch := s.claim_inbox(7, owner=f"w{n}", lease_seconds=60):
            claimed[n] += [i.id for i in batch]

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    ids = [i for c in claimed for i in c]
    assert len(ids) == 200 and len(set(ids)) == 200


def _full_complaint() -> Complaint:
    return complaint(
        "1900000000000000001", id="01TESTFULLCOMPLAINT0000001", docket="SK-AAAA-BBBB", channel="ch",
        permalink="https://x.com/asha/status/1", author=Author(id="42", handle="asha", name="Asha", phone="919800000000"),
        text="मेरी चेन छीन ली हज़रतगंज", language=Language.MIXED,
        created_at=datetime(2026, 5, 1, 9, 30, 1, 123000, tzinfo=UTC),
        received_at=datetime(2026, 5, 1, 9, 31, tzinfo=UTC),
        mentions=("uppolice",), hashtags=("twittersewa",), links=("https://example.org/a",),
        media=(Media(type=MediaType.IMAGE, id="m1", url="https://pbs.example/m1.jpg"),),
        location=Location(latitude=26.85, longitude=80.95, place_name="Lucknow"),
        thread=Thread(reply_to="1899", conversation_id="1899"), text_normalized="मेरी चेन छीन ली हजरतगंज",
        category="chain_snatching", priority=Priority.HIGH, sensitive=False, unit="up-lko-ps-hazratganj",
        unit_reason="text names हज़रतगंज", sla_due=datetime(2026, 5, 1, 11, 31, tzinfo=UTC),
    )


def test_complaint_round_trips_exactly(store: SQLStore) -> None:
    store.add_raw([raw("1900000000000000001")])
    item, = store.claim_inbox(1, owner="w", lease_seconds=30)
    c = _full_complaint()
    store.save_outcomes([Processed(item.id, c, [Event("complaint.received", c.id, {"k": "v"})])])
    back = store.get_complaint(c.id)
    assert back == c
    assert store.get_complaint("SK-AAAA-BBBB") == c
    assert back is not None and back.created_at.tzinfo is not None and back.created_at == c.created_at
    assert [e.kind for e in store.events(c.id)] == ["complaint.received"]


def test_saving_the_same_post_twice_creates_one_case_and_one_reply(store: SQLStore) -> None:
    store.add_raw([raw("p1"), raw("p2")])
    (i1, i2) = store.claim_inbox(2, owner="w", lease_seconds=30)
    ack = OutboxEntry(kind="ack", channel="ch", in_reply_to="p1", recipient="a1", text="registered")
    first = complaint("p1", docket="SK-1")
    store.save_outcomes([Processed(i1.id, first, [Event("complaint.received", first.id)], [ack]),
                         DeadLetter(i2.id, "broken")])
    racer = complaint("p1", docket="SK-1")                 # a second worker, another internal id
    store.save_outcomes([Processed(i1.id, racer, [Event("complaint.received", racer.id)], [ack])])
    stats = store.stats()
    assert stats["complaints"] == 1 and stats["outbox_pending"] == 1
    assert stats["inbox_done"] == 1 and stats["inbox_dead"] == 1
    assert store.events(racer.id) == []


def test_support_counts_and_ignored_rows(store: SQLStore) -> None:
    store.add_raw([raw("c1"), raw("d1"), raw("own")])
    i1, i2, i3 = store.claim_inbox(3, owner="w", lease_seconds=30)
    canonical = complaint("c1", docket="SK-C")
    dup = complaint("d1", docket="SK-D", duplicate_of=canonical.id, duplicate_reason=DuplicateReason.NEAR_DUPLICATE,
                    duplicate_score=0.91, author=Author(id="a2"))
    store.save_outcomes([Processed(i1.id, canonical)])
    store.save_outcomes([Processed(i2.id, dup, support=Support(canonical.id, posts=1, authors=1)),
                         Ignored(i3.id, "posted by our own account")])
    back = store.get_complaint(canonical.id)
    assert back is not None and (back.support_posts, back.support_authors) == (2, 2)
    stats = store.stats()
    assert stats["duplicates"] == 1 and stats["inbox_ignored"] == 1
    rows = store.find_complaints("twitter", ["c1", "d1", "zz"])
    assert set(rows) == {"c1", "d1"} and rows["d1"].duplicate_of == canonical.id


def _with_ack(store: SQLStore, ext: str = "p1") -> Complaint:
    store.add_raw([raw(ext)])
    item, = store.claim_inbox(1, owner="w", lease_seconds=30)
    c = complaint(ext, docket=f"SK-{ext}")
    store.save_outcomes([Processed(item.id, c, outbox=[OutboxEntry("ack", "ch", ext, "a1", "registered")])])
    return c


def test_outbox_attempts_commit_before_sending(store: SQLStore) -> None:
    c = _with_ack(store)
    item, = store.claim_outbox(10, owner="w", lease_seconds=30)
    assert (item.attempts, item.docket, item.in_reply_to) == (1, "SK-p1", "p1")
    assert store.claim_outbox(10, owner="w2", lease_seconds=30) == []          # leased
    _expire_leases(store, "outbox", owner="w")                                  # the sender "crashed"
    again, = store.claim_outbox(10, owner="w2", lease_seconds=30)
    assert again.attempts == 2
    store.mark_sent(again.id, "1999")
    assert store.claim_outbox(10, owner="w3", lease_seconds=30) == []
    back = store.get_complaint(c.id)
    assert back is not None and back.status is Status.ACKNOWLEDGED
    assert store.stats()["outbox_sent"] == 1
    assert any(e.kind == "reply.sent" and e.detail["platform_id"] == "1999" for e in store.events(c.id))


def test_retry_waits_and_failure_is_recorded(store: SQLStore) -> None:
    c = _with_ack(store)
    item, = store.claim_outbox(10, owner="w", lease_seconds=30)
    store.mark_retry(item.id, not_before=utcnow() + timedelta(hours=1), error="503")
    assert store.claim_outbox(10, owner="w", lease_seconds=30) == []
    later, = store.claim_outbox(10, owner="w", lease_seconds=30, now=utcnow() + timedelta(hours=2))
    store.mark_failed(later.id, "403 duplicate content")
    assert store.stats()["outbox_failed"] == 1
    assert any(e.kind == "reply.failed" for e in store.events(c.id))
    back = store.get_complaint(c.id)
    assert back is not None and back.status is Status.NEW


def test_iter_complaints_filters(store: SQLStore) -> None:
    base = datetime(2026, 5, 1, tzinfo=UTC)
    store.add_raw([raw(f"t{d}") for d in range(4)])
    items = store.claim_inbox(4, owner="w", lease_seconds=30)
    store.save_outcomes([Processed(it.id, complaint(f"t{d}", docket=f"SK-{d}", created_at=base + timedelta(days=d),
                                                    status=Status.RESOLVED if d == 3 else Status.NEW))
                         for d, it in enumerate(items)])
    got = [c.external_id for c in store.iter_complaints(since=base + timedelta(days=1), until=base + timedelta(days=3))]
    assert got == ["t1", "t2"]
    assert [c.external_id for c in store.iter_complaints(statuses=[Status.RESOLVED])] == ["t3"]
    rows = list(store.recent_index_rows(base + timedelta(days=2)))
    assert [r.external_id for r in rows] == ["t2", "t3"]


def test_channel_state_round_trip(store: SQLStore) -> None:
    now = utcnow()
    store.update_channel("ch", last_poll_at=now, healthy=False, last_error="401", rate_limit_remaining=3)
    store.add_raw([], channel="ch", cursor={"since_id": "9"})
    state, = store.channel_states()
    assert (state.channel, state.healthy, state.last_error, state.rate_limit_remaining) == ("ch", False, "401", 3)
    assert state.cursor == {"since_id": "9"} and state.last_poll_at == now
    with pytest.raises(TypeError):
        store.update_channel("ch", cursor={"x": "y"})


@pytest.mark.postgres
def test_channel_lock_is_exclusive_across_stores(postgres_url: str) -> None:
    a, b = SQLStore(postgres_url), SQLStore(postgres_url)
    try:
        assert a.try_lock_channel("up_x") is True
        assert b.try_lock_channel("up_x") is False
        assert b.try_lock_channel("other") is True
        a.unlock_channel("up_x")
        assert b.try_lock_channel("up_x") is True
    finally:
        a.close()
        b.close()


def test_delivery_failure_marks_the_sent_reply_once(store: SQLStore) -> None:
    c = _with_ack(store)
    item, = store.claim_outbox(10, owner="w", lease_seconds=30)
    assert store.mark_delivery_failed("twitter", "wamid.X", "131047 window") is False    # not sent yet
    store.mark_sent(item.id, "wamid.X")
    assert store.mark_delivery_failed("facebook", "wamid.X", "other platform") is False
    assert store.mark_delivery_failed("twitter", "wamid.X", "131047 Re-engagement message") is True
    stats = store.stats()
    assert stats["outbox_failed"] == 1 and stats["outbox_sent"] == 0
    back = store.get_complaint(c.id)
    assert back is not None and back.status is Status.NEW                        # the author was not told
    undelivered = [e for e in store.events(c.id) if e.kind == "reply.undelivered"]
    assert [e.detail for e in undelivered] == [
        {"kind": "ack", "platform_id": "wamid.X", "error": "131047 Re-engagement message"}]
    # a redelivered report changes nothing and adds no second event
    assert store.mark_delivery_failed("twitter", "wamid.X", "131047 Re-engagement message") is False
    assert len([e for e in store.events(c.id) if e.kind == "reply.undelivered"]) == 1
    assert store.claim_outbox(10, owner="w", lease_seconds=30) == []              # never re-sent by itself


def test_confirmation_marks_a_pending_reply_sent_once(store: SQLStore) -> None:
    c = _with_ack(store)
    item, = store.claim_outbox(10, owner="w", lease_seconds=30)              # the sender dies after this
    assert store.confirm_sent(item.id, "facebook", "wamid.C") is False        # another platform's report
    assert store.confirm_sent(item.id + 1000, "twitter", "wamid.C") is False  # no such row
    assert store.confirm_sent(item.id, "twitter", "wamid.C") is True
    assert store.confirm_sent(item.id, "twitter", "wamid.C") is False         # redelivered: nothing more
    assert store.confirm_sent(item.id, "twitter", "wamid.OTHER") is False     # already sent: kept as it is
    stats = store.stats()
    assert stats["outbox_sent"] == 1 and stats["outbox_pending"] == 0
    sent = [e for e in store.events(c.id) if e.kind == "reply.sent"]
    assert [(e.detail["platform_id"], e.actor) for e in sent] == [("wamid.C", "platform")]
    back = store.get_complaint(c.id)
    assert back is not None and back.status is Status.ACKNOWLEDGED
    # the worker's own answer arriving late neither marks it twice nor queues it again
    store.mark_sent(item.id, "wamid.C")
    store.mark_retry(item.id, not_before=utcnow(), error="timeout")
    assert len([e for e in store.events(c.id) if e.kind == "reply.sent"]) == 1
    assert store.claim_outbox(10, owner="w", lease_seconds=30, now=utcnow() + timedelta(hours=1)) == []
    # a later failed status still marks it undelivered, and a redelivered confirmation cannot undo that
    assert store.mark_delivery_failed("twitter", "wamid.C", "131026 undeliverable") is True
    assert store.confirm_sent(item.id, "twitter", "wamid.C") is False
    store.mark_sent(item.id, "wamid.C")
    assert store.stats()["outbox_failed"] == 1


def test_waiting_for_a_confirmation_is_no_attempt_and_is_remembered_by_one_claim(store: SQLStore) -> None:
    _with_ack(store)
    store.claim_outbox(10, owner="dead", lease_seconds=30)                               # outcome lost
    later = utcnow() + timedelta(minutes=5)
    second, = store.claim_outbox(10, owner="w", lease_seconds=30, now=later)
    assert (second.attempts, second.confirm_waited) == (2, False)
    store.await_confirmation(second.id, until=later + timedelta(minutes=2), error="waiting for the platform")
    assert store.claim_outbox(10, owner="w", lease_seconds=30, now=later + timedelta(minutes=1)) == []
    third, = store.claim_outbox(10, owner="w", lease_seconds=1, now=later + timedelta(minutes=3))
    assert (third.attempts, third.confirm_waited) == (2, True)     # the wait sent nothing: not counted
    # that claim's own attempt gets a wait of its own if its outcome is lost too
    fourth, = store.claim_outbox(10, owner="w", lease_seconds=30, now=later + timedelta(minutes=4))
    assert (fourth.attempts, fourth.confirm_waited) == (3, False)
    assert store.confirm_sent(fourth.id, "twitter", "wamid.W") is True


def test_claimed_reply_carries_its_author_and_their_latest_post_on_the_channel(store: SQLStore) -> None:
    base = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    phone_author = Author(id="IN.7000000000000000003", name="Asha", phone="919800000001")
    store.add_raw([raw("w1", "whatsapp"), raw("w2", "whatsapp"), raw("w3", "whatsapp", channel="other"),
                   raw("w4", "whatsapp")])
    items = store.claim_inbox(4, owner="w", lease_seconds=30)
    first = complaint("w1", platform="whatsapp", docket="SK-1", channel="ch", author=phone_author, created_at=base)
    later = complaint("w2", platform="whatsapp", docket="SK-2", channel="ch", author=phone_author,
                      created_at=base + timedelta(days=3))
    elsewhere = complaint("w3", platform="whatsapp", docket="SK-3", channel="other", author=phone_author,
                          created_at=base + timedelta(days=9))
    someone = complaint("w4", platform="whatsapp", docket="SK-4", channel="ch", author=Author(id="IN.9"),
                        created_at=base + timedelta(days=20))
    store.save_outcomes([
        Processed(items[0].id, first, outbox=[OutboxEntry("ack", "ch", "w1", phone_author.id, "registered")]),
        Processed(items[1].id, later), Processed(items[2].id, elsewhere), Processed(items[3].id, someone)])
    item, = store.claim_outbox(10, owner="w", lease_seconds=30)
    assert item.author is not None and item.author.phone == "919800000001" and item.author.name == "Asha"
    assert "919800000001" not in repr(item)                     # the phone stays out of repr
    assert item.last_inbound_at == base + timedelta(days=3)     # the author's newest on this channel
    assert item.last_inbound_at.tzinfo is not None


def test_a_channels_raw_posts_are_listed_by_literal_key_prefix_since_a_time(store: SQLStore) -> None:
    now = utcnow()
    at = {"stub:1": now - timedelta(days=3), "stub:2": now - timedelta(hours=1), "stub:3": now,
          "stubby": now, "plain": now, "st%b:4": now, "st_b:5": now}
    store.add_raw([raw(k).model_copy(update={"received_at": t}) for k, t in at.items()], channel="ch")
    store.add_raw([raw("stub:9", channel="other")])
    store.add_raw([raw("stub:8", platform="facebook")])
    since = now - timedelta(days=1)
    listed = store.raw_posts("twitter", "ch", prefix="stub:", since=since, limit=10)
    assert [i.external_id for i in listed] == ["stub:3", "stub:2"]                 # newest first
    assert listed[0].payload == b'{"id": "stub:3"}' and listed[0].channel == "ch"
    assert [i.external_id for i in store.raw_posts("twitter", "ch", prefix="stub:", since=since, limit=1)] == [
        "stub:3"]
    # the prefix is literal: LIKE wildcards in it match only themselves
    assert [i.external_id for i in store.raw_posts("twitter", "ch", prefix="st%", since=since, limit=10)] == [
        "st%b:4"]
    assert [i.external_id for i in store.raw_posts("twitter", "ch", prefix="st_", since=since, limit=10)] == [
        "st_b:5"]
    # listing leases nothing: the rows are still claimable
    assert len(store.claim_inbox(20, owner="w", lease_seconds=60)) == 9


def test_stored_keys_tells_which_keys_the_platform_inbox_holds(store: SQLStore) -> None:
    store.add_raw([raw("a"), raw("b", channel="other"), raw("c", platform="facebook")])
    store.add_raw([], dead=[(raw("d"), "bad")])
    assert store.stored_keys("twitter", ["a", "b", "c", "d", "e"]) == {"a", "b", "d"}
    assert store.stored_keys("twitter", []) == set()
    many = [str(i) for i in range(1200)]                                           # more than one batch
    store.add_raw([raw(k) for k in many[::2]])
    assert store.stored_keys("twitter", many) == set(many[::2])


def test_a_removal_tombstones_the_post_and_its_edits_and_keeps_the_case_once(store: SQLStore) -> None:
    store.add_raw([raw("c1"), raw("c1:edited:5"), raw("d1"), raw("c1:removed"), raw("c1:removed:again")])
    i1, i2, i3, i4, i5 = store.claim_inbox(5, owner="w", lease_seconds=30)
    case = complaint("c1", docket="SK-C", category="chain_snatching", priority=Priority.HIGH,
                     text_normalized="chain chheen li")
    edit = complaint("c1:edited:5", docket="SK-E", duplicate_of=case.id, text="chain chheen li, do ladke")
    dup = complaint("d1", docket="SK-D", duplicate_of=case.id, author=Author(id="a2"))
    store.save_outcomes([Processed(i1.id, case, outbox=[OutboxEntry("ack", "ch", "c1", "a1", "registered")])])
    store.save_outcomes([Processed(i2.id, edit, support=Support(case.id, posts=1)),
                         Processed(i3.id, dup, support=Support(case.id, posts=1, authors=1))])
    when = datetime(2026, 5, 2, 10, 0, tzinfo=UTC)
    store.save_outcomes([Removal(i4.id, "twitter", "c1", removed_at=when, removed_by="a1",
                                 edits_prefix="c1:edited:", note="removal of c1 by a1")])
    back = store.get_complaint(case.id)
    assert back is not None and back.text == TOMBSTONE and back.text_normalized is None
    assert back.removed_at == when
    # the case stays: decisions, support, status, reply
    assert (back.docket, back.category, back.priority, back.status) == ("SK-C", "chain_snatching", Priority.HIGH,
                                                                       case.status)
    assert (back.support_posts, back.support_authors) == (3, 2) and store.stats()["outbox_pending"] == 1
    edited = store.get_complaint(edit.id)
    assert edited is not None and edited.text == TOMBSTONE and edited.removed_at == when
    other = store.get_complaint(dup.id)
    assert other is not None and other.text == dup.text and other.removed_at is None     # another author's post
    removed = [e for e in store.events() if e.kind == "complaint.removed"]
    assert sorted(e.complaint_id or "" for e in removed) == sorted([case.id, edit.id])
    assert removed[0].detail["removed_by"] == "a1" and removed[0].detail["removed_at"] == when.isoformat()
    assert store.stats()["inbox_ignored"] == 1 and store.stats()["complaints"] == 3
    # the raw payload stays verbatim: the inbox is the record of what was received
    assert store.raw_posts("twitter", "ch", prefix="c1", since=when - timedelta(days=3650), limit=9)[-1].payload == \
        raw("c1").payload
    # the same removal again (reprocessed, or a second notice) changes nothing and records nothing
    store.save_outcomes([Removal(i5.id, "twitter", "c1", removed_at=utcnow(), removed_by="a1")])
    assert len([e for e in store.events() if e.kind == "complaint.removed"]) == 2
    again = store.get_complaint(case.id)
    assert again is not None and again.removed_at == when


def test_a_removal_that_arrives_before_its_post_is_applied_when_the_post_is_saved(store: SQLStore) -> None:
    store.add_raw([raw("p1:removed"), raw("p1"), raw("p2")])
    notice, first, other = store.claim_inbox(3, owner="w", lease_seconds=30)
    store.save_outcomes([Removal(notice.id, "twitter", "p1", removed_by=None)])
    assert store.stats()["complaints"] == 0 and store.stats()["inbox_ignored"] == 1
    post, unrelated = complaint("p1"), complaint("p2")
    store.save_outcomes([Processed(first.id, post), Processed(other.id, unrelated)])
    back = store.get_complaint(post.id)
    assert back is not None and back.text == TOMBSTONE and back.removed_at is not None
    assert [e.kind for e in store.events(post.id)] == ["complaint.removed"]
    kept = store.get_complaint(unrelated.id)
    assert kept is not None and kept.text == unrelated.text and kept.removed_at is None
    # export shows it as removed
    from io import BytesIO

    from shikayat.replay import export_complaints

    out = BytesIO()
    export_complaints(store, out)
    lines = {row["external_id"]: row for row in map(orjson.loads, out.getvalue().splitlines())}
    assert lines["p1"]["text"] == TOMBSTONE and lines["p1"]["removed_at"] is not None
    assert lines["p2"]["removed_at"] is None


def _stored(con: sa.Connection, table: str, where: str, params: dict[str, object]) -> dict[str, object]:
    """A row as the driver returns it: the values the database holds, before any type processing."""
    row = con.execute(sa.text(f"SELECT * FROM {table} WHERE {where}"), params).mappings().one()  # noqa: S608
    return dict(row)


def test_a_batch_stores_the_values_the_typed_columns_store(store: SQLStore) -> None:
    """The batch paths hand the driver ready values (no per-value type processing): every column
    must hold exactly what the typed models store for the same values — datetimes in the
    dialect's format, JSON (None as JSON null), booleans, enums by value."""
    from shikayat_storage.models import ComplaintRow, EventRow, Inbox, OutboxRow
    from shikayat_storage.store import complaint_to_row

    store.add_raw([raw("1900000000000000001"), raw("bare")])
    i1, i2 = store.claim_inbox(2, owner="w", lease_seconds=30)
    full = _full_complaint()
    bare = complaint("bare", docket="SK-BARE", created_at=datetime(2026, 5, 1, 10, 0, tzinfo=UTC))
    detail = {"docket": full.docket, "n": 3, "score": 0.5, "none": None, "नाम": ["हज़रतगंज", True]}
    store.save_outcomes([
        Processed(i1.id, full, [Event("complaint.received", full.id, detail, actor="pipeline")],
                  [OutboxEntry("ack", "ch", full.external_id, "a1", "registered", private=True)]),
        Processed(i2.id, bare, [Event("reply.queued", bare.id, {}, at=datetime(2026, 5, 2, 1, 2, 3, tzinfo=UTC))]),
    ])
    insert = store._insert
    events = {c.id: store.events(c.id) for c in (full, bare)}
    assert events[full.id][0].detail == detail
    with store.engine.begin() as con:
        for c, item in ((full, i1), (bare, i2)):
            saved = _stored(con, "complaints", "id = :id", {"id": c.id})
            updated_at = con.scalar(sa.select(ComplaintRow.updated_at).where(ComplaintRow.id == c.id))
            twin = c.model_copy(update={"id": "twin-" + c.id, "external_id": "twin-" + c.external_id,
                                        "docket": None if c.docket is None else "twin-" + c.docket})
            con.execute(insert(ComplaintRow), [complaint_to_row(twin, item.id, updated_at)])
            typed = _stored(con, "complaints", "id = :id", {"id": twin.id})
            for key in ("id", "external_id", "docket"):
                saved.pop(key), typed.pop(key)
            assert saved == typed
        for c in (full, bare):
            saved_event = _stored(con, "events", "complaint_id = :id", {"id": c.id})
            (event,) = events[c.id]
            con.execute(insert(EventRow), [{"complaint_id": "twin-" + c.id, "kind": event.kind, "actor": event.actor,
                                            "detail": event.detail, "at": event.at}])
            typed_event = _stored(con, "events", "complaint_id = :id", {"id": "twin-" + c.id})
            for key in ("id", "complaint_id"):
                saved_event.pop(key), typed_event.pop(key)
            assert saved_event == typed_event
        saved_ack = _stored(con, "outbox", "complaint_id = :id", {"id": full.id})
        created_at = con.scalar(sa.select(OutboxRow.created_at).where(OutboxRow.complaint_id == full.id))
        con.execute(insert(OutboxRow), [{"complaint_id": "twin", "kind": "ack", "platform": "twitter", "channel": "ch",
                                         "in_reply_to": full.external_id, "recipient": "a1", "text": "registered",
                                         "private": True, "state": "pending", "attempts": 0,
                                         "created_at": created_at}])
        typed_ack = _stored(con, "outbox", "complaint_id = :id", {"id": "twin"})
        for key in ("id", "complaint_id"):
            saved_ack.pop(key), typed_ack.pop(key)
        assert saved_ack == typed_ack
        saved_inbox = _stored(con, "inbox", "id = :id", {"id": i1.id})
        processed_at = con.scalar(sa.select(Inbox.processed_at).where(Inbox.id == i1.id))
        con.execute(sa.update(Inbox).where(Inbox.id == i2.id).values(processed_at=processed_at))
        assert _stored(con, "inbox", "id = :id", {"id": i2.id})["processed_at"] == saved_inbox["processed_at"]
        assert (saved_inbox["state"], saved_inbox["complaint_id"], saved_inbox["lease_owner"]) == ("done", full.id, None)
    assert store.get_complaint(full.id) == full and store.get_complaint(bare.id) == bare


def test_intake_stores_the_values_the_typed_columns_store_and_a_claim_reads_them_back(store: SQLStore) -> None:
    from shikayat_storage.models import Inbox

    ist = timezone(timedelta(hours=5, minutes=30))
    posts = [RawPost(platform="twitter", external_id="k1", channel=None, payload=b'{"id": "k1", "t": "\\u0928"}',
                     received_at=datetime(2026, 5, 1, 15, 0, 0, 7, tzinfo=ist)),
             RawPost(platform="twitter", external_id="k2", channel="own", payload=b"\x00\xff raw",
                     received_at=datetime(2026, 5, 1, 9, 30, tzinfo=UTC))]
    assert store.add_raw(posts, channel="ch", dead=[(raw("k3"), "not JSON")]) == 3
    with store.engine.begin() as con:
        for p, kind in ((posts[0], "pending"), (posts[1], "pending"), (raw("k3"), "dead")):
            saved = _stored(con, "inbox", "external_id = :k", {"k": p.external_id})
            con.execute(store._insert(Inbox), [{
                "platform": p.platform, "external_id": "twin-" + p.external_id, "channel": p.channel or "ch",
                "payload": p.payload, "received_at": saved_received(con, p.external_id), "state": kind,
                "error": "not JSON" if kind == "dead" else None, "attempts": 0}])
            typed = _stored(con, "inbox", "external_id = :k", {"k": "twin-" + p.external_id})
            for key in ("id", "external_id"):
                saved.pop(key), typed.pop(key)
            assert saved == typed
    first, second = store.claim_inbox(10, owner="w", lease_seconds=30)[:2]
    assert (first.external_id, first.channel, first.payload, first.attempts) == ("k1", "ch", posts[0].payload, 1)
    assert first.received_at == posts[0].received_at and first.received_at.tzinfo is not None
    assert first.received_at.utcoffset() == timedelta(0)
    assert (second.external_id, second.channel, second.payload) == ("k2", "own", b"\x00\xff raw")
    assert second.received_at == posts[1].received_at


def saved_received(con: sa.Connection, external_id: str) -> datetime:
    from shikayat_storage.models import Inbox

    value = con.scalar(sa.select(Inbox.received_at).where(Inbox.external_id == external_id))
    assert value is not None
    return value


def test_a_batch_with_a_post_already_stored_keeps_the_others_and_skips_only_its_rows(store: SQLStore) -> None:
    store.add_raw([raw("m1"), raw("m2"), raw("m3"), raw("m4")])
    i1, i2, i3, i4 = store.claim_inbox(4, owner="w", lease_seconds=30)
    earlier = complaint("m2", docket="SK-M2")
    store.save_outcomes([Processed(i2.id, earlier)])
    batch = [complaint("m1", docket="SK-M1"), complaint("m2", docket="SK-M2X"), complaint("m3", docket="SK-M3")]
    outcomes = [
        Processed(item.id, c, [Event("complaint.received", c.id)], [OutboxEntry("ack", "ch", c.external_id, "a1", "ok")],
                  Support(earlier.id) if c.external_id == "m3" else None)
        for item, c in zip((i1, i2, i3), batch, strict=True)] + [DeadLetter(i4.id, "broken")]
    store.save_outcomes(outcomes)
    assert {c.external_id: c.id for c in store.iter_complaints()} == {
        "m1": batch[0].id, "m2": earlier.id, "m3": batch[2].id}
    assert store.events(batch[1].id) == [] and [e.kind for e in store.events(batch[2].id)] == ["complaint.received"]
    back = store.get_complaint(earlier.id)
    assert back is not None and back.support_posts == 2           # the fresh duplicate's support counted once
    stats = store.stats()
    assert (stats["outbox_pending"], stats["inbox_done"], stats["inbox_dead"]) == (2, 3, 1)
    with store.engine.connect() as con:
        linked = dict(con.execute(sa.text("SELECT external_id, complaint_id FROM inbox")).all())
    assert linked == {"m1": batch[0].id, "m2": None, "m3": batch[2].id, "m4": None}
    store.save_outcomes(outcomes[:1] + outcomes[2:])             # the very same complaints again: all skipped
    back = store.get_complaint(earlier.id)
    assert back is not None and back.support_posts == 2
    assert len(store.events(batch[0].id)) == 1 and store.stats()["outbox_pending"] == 2
