"""``SQLStore``: the :class:`shikayat.store.Store` contract on SQLAlchemy 2 Core.

The hot paths (intake, a pipeline batch, claims) are a handful of executemany statements per
call, never a round trip per row. SQLite write transactions start with ``BEGIN IMMEDIATE`` so
that processes sharing one file serialize instead of failing; PostgreSQL claims use
``FOR UPDATE SKIP LOCKED`` so two daemons never take the same row.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import orjson
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Select,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from shikayat.complaint import TOMBSTONE, Author, Complaint, Location, Media, Thread, utcnow
from shikayat.complaint import RawPost
from shikayat.store import (
    ChannelState,
    DeadLetter,
    Event,
    Ignored,
    IndexRow,
    InboxItem,
    InboxState,
    Outcome,
    OutboxItem,
    OutboxState,
    Processed,
    Removal,
    SchemaStatus,
    Store,
)
from shikayat.types import Cursor, DuplicateReason, Language, Priority, RouteBasis, Status
from shikayat_storage.models import ChannelRow, ComplaintRow, EventRow, Inbox, OutboxRow, RemovalRow

logger = logging.getLogger(__name__)

_CHANNEL_FIELDS = frozenset({"last_poll_at", "last_post_at", "last_error", "healthy", "rate_limit_remaining"})


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, json_serializer=_json_dumps, json_deserializer=orjson.loads,
                           connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below rule transactions
        cur = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(b"shikayat-channel:" + name.encode()).digest()[:8], "big", signed=True)


def _sqlite_time(value: datetime | None) -> str | None:
    """What a UTC DateTime column holds on SQLite: naive UTC as ``YYYY-MM-DD HH:MM:SS.ffffff``
    (SQLAlchemy's SQLite storage format, which its readers parse and its comparisons rely on)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]     # without its "+00:00"


def _read_sqlite_time(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _read_aware_time(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _aware_time(value: datetime | None) -> datetime | None:
    """PostgreSQL's driver takes aware datetimes as they are (timestamptz keeps the instant)."""
    if value is not None and value.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return value


def _plain(model: Any) -> dict[str, Any]:
    """``model.model_dump(mode="json", exclude_none=True)`` of a flat model of scalars, without
    pydantic's serializer (enums are written by value by orjson)."""
    return {k: v for k, v in model.__dict__.items() if v is not None}


class _Wire:
    """Batch statements whose values are handed to the driver ready, as the typed columns would
    store them (see :func:`_sqlite_time`, JSON text): SQLAlchemy's per-value type processing
    costs more than the database's own work on a pipeline batch.

    On SQLite an insert is multi-row ``VALUES`` chunked to the parameter limit (one statement
    per chunk); on PostgreSQL it is one short statement executed per row, which psycopg parses
    once and pipelines (a long multi-row statement would be parsed anew, in Python, each time)."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        self.sqlite = dialect.name == "sqlite"
        self.time = _sqlite_time if self.sqlite else _aware_time
        self.mark = "?" if self.sqlite else "%s"
        self.max_params = dialect.insertmanyvalues_max_parameters
        self._quote = dialect.identifier_preparer.quote
        self._heads: dict[tuple[str, tuple[str, ...], bool], tuple[str, str, str]] = {}

    json = staticmethod(_json_dumps)

    def _head(self, table: Table, columns: tuple[str, ...], skip_conflicts: bool) -> tuple[str, str, str]:
        key = (table.name, columns, skip_conflicts)
        if key not in self._heads:
            marks = [self.mark if self.sqlite or not isinstance(table.c[c].type, JSON) else f"{self.mark}::json"
                     for c in columns]
            names = ", ".join(self._quote(c) for c in columns)
            self._heads[key] = (f"INSERT INTO {self._quote(table.name)} ({names}) VALUES ", f"({', '.join(marks)})",
                                " ON CONFLICT DO NOTHING" if skip_conflicts else "")
        return self._heads[key]

    def insert(self, con: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]],
               *, skip_conflicts: bool = False) -> int:
        """INSERT ``rows`` (tuples in ``columns`` order); with ``skip_conflicts`` a row that
        conflicts with a stored one is skipped. Returns how many rows were inserted."""
        head, group, tail = self._head(table, columns, skip_conflicts)
        if not self.sqlite:
            return con.exec_driver_sql(head + group + tail, list(rows)).rowcount if rows else 0
        per = max(1, self.max_params // len(columns))
        inserted = 0
        for start in range(0, len(rows), per):
            chunk = rows[start:start + per]
            sql = head + ", ".join([group] * len(chunk)) + tail
            inserted += con.exec_driver_sql(sql, tuple(chain.from_iterable(chunk))).rowcount
        return inserted

    def marks(self, sql: str) -> str:
        """``sql`` written with ``?`` marks, in the driver's parameter style."""
        return sql if self.sqlite else sql.replace("?", self.mark)

    def update_many(self, con: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """An UPDATE written with ``?`` marks, executed once per row tuple (one prepared statement)."""
        if rows:
            con.exec_driver_sql(self.marks(sql), list(rows))


_COMPLAINT_COLUMNS = (
    "id", "docket", "inbox_id", "platform", "external_id", "channel", "permalink", "author_id", "author_handle",
    "author_name", "author_phone", "text", "text_normalized", "language", "created_at", "received_at", "mentions",
    "hashtags", "links", "media", "location", "thread", "conversation_id", "duplicate_of", "duplicate_of_docket",
    "duplicate_reason", "duplicate_score", "support_posts", "support_authors", "category", "priority",
    "actionable", "sensitive", "unit", "unit_reason", "unit_basis", "sla_due", "status", "action_report",
    "removed_at", "updated_at",
)
_EVENT_COLUMNS = ("complaint_id", "kind", "actor", "detail", "at")
_OUTBOX_COLUMNS = ("complaint_id", "kind", "platform", "channel", "in_reply_to", "recipient", "text", "private",
                   "state", "attempts", "created_at")
_INBOX_COLUMNS = ("platform", "external_id", "channel", "payload", "received_at", "state", "error", "attempts")


def _json_list(values: tuple[Any, ...]) -> str:
    return _json_dumps(values) if values else "[]"


def complaint_to_wire(c: Complaint, inbox_id: int | None, now: Any, wire: _Wire) -> tuple[Any, ...]:
    """:func:`complaint_to_row` as the driver takes it, in ``_COMPLAINT_COLUMNS`` order."""
    time, author, thread = wire.time, c.author, c.thread
    return (
        c.id, c.docket, inbox_id, c.platform, c.external_id, c.channel, c.permalink,
        author.id, author.handle, author.name, author.phone, c.text, c.text_normalized, c.language.value,
        time(c.created_at), time(c.received_at), _json_list(c.mentions), _json_list(c.hashtags),
        _json_list(c.links), _json_list(tuple(_plain(m) for m in c.media)),
        _json_dumps(_plain(c.location)) if c.location else "null", _json_dumps(_plain(thread)),
        thread.conversation_id,
        c.duplicate_of, c.duplicate_of_docket, c.duplicate_reason.value if c.duplicate_reason else None,
        c.duplicate_score, c.support_posts, c.support_authors, c.category, c.priority.value,
        c.actionable, c.sensitive, c.unit, c.unit_reason, c.unit_basis.value if c.unit_basis else None,
        time(c.sla_due), c.status.value, c.action_report, time(c.removed_at), now,
    )


def complaint_to_row(c: Complaint, inbox_id: int | None, now: datetime) -> dict[str, Any]:
    return {
        "id": c.id, "docket": c.docket, "inbox_id": inbox_id, "platform": c.platform,
        "external_id": c.external_id, "channel": c.channel, "permalink": c.permalink,
        "author_id": c.author.id, "author_handle": c.author.handle, "author_name": c.author.name,
        "author_phone": c.author.phone, "text": c.text, "text_normalized": c.text_normalized,
        "language": c.language.value, "created_at": c.created_at, "received_at": c.received_at,
        "mentions": list(c.mentions), "hashtags": list(c.hashtags), "links": list(c.links),
        "media": [m.model_dump(mode="json", exclude_none=True) for m in c.media],
        "location": c.location.model_dump(mode="json", exclude_none=True) if c.location else None,
        "thread": c.thread.model_dump(mode="json", exclude_none=True),
        "conversation_id": c.thread.conversation_id,
        "duplicate_of": c.duplicate_of, "duplicate_of_docket": c.duplicate_of_docket,
        "duplicate_reason": c.duplicate_reason.value if c.duplicate_reason else None,
        "duplicate_score": c.duplicate_score, "support_posts": c.support_posts,
        "support_authors": c.support_authors, "category": c.category, "priority": c.priority.value,
        "actionable": c.actionable, "sensitive": c.sensitive, "unit": c.unit, "unit_reason": c.unit_reason,
        "unit_basis": c.unit_basis.value if c.unit_basis else None,
        "sla_due": c.sla_due, "status": c.status.value, "action_report": c.action_report,
        "removed_at": c.removed_at, "updated_at": now,
    }


def row_to_complaint(r: Any) -> Complaint:
    return Complaint.model_construct(
        id=r.id, docket=r.docket, platform=r.platform, external_id=r.external_id, channel=r.channel,
        permalink=r.permalink,
        author=Author.model_construct(id=r.author_id, handle=r.author_handle, name=r.author_name, phone=r.author_phone),
        text=r.text, language=Language(r.language), created_at=r.created_at, received_at=r.received_at,
        mentions=tuple(r.mentions), hashtags=tuple(r.hashtags), links=tuple(r.links),
        media=tuple(Media.model_validate(m) for m in r.media),
        location=Location.model_validate(r.location) if r.location else None,
        thread=Thread.model_validate(r.thread), text_normalized=r.text_normalized,
        duplicate_of=r.duplicate_of, duplicate_of_docket=r.duplicate_of_docket,
        duplicate_reason=DuplicateReason(r.duplicate_reason) if r.duplicate_reason else None,
        duplicate_score=r.duplicate_score, support_posts=r.support_posts, support_authors=r.support_authors,
        category=r.category, priority=Priority(r.priority), actionable=r.actionable, sensitive=r.sensitive,
        unit=r.unit, unit_reason=r.unit_reason, unit_basis=RouteBasis(r.unit_basis) if r.unit_basis else None,
        sla_due=r.sla_due, status=Status(r.status), action_report=r.action_report, removed_at=r.removed_at,
    )


def _inbox_item(r: Any) -> InboxItem:
    return InboxItem(id=r.id, platform=r.platform, channel=r.channel, external_id=r.external_id,
                     payload=bytes(r.payload), received_at=r.received_at, attempts=r.attempts)


class SQLStore(Store):
    """A store on one SQLAlchemy URL (``sqlite:///…`` or ``postgresql+psycopg://…``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.engine = _sqlite_engine(url)
        else:
            self.engine = create_engine(url, pool_pre_ping=True, json_serializer=_json_dumps,
                                        json_deserializer=orjson.loads)
        self.dialect = self.engine.dialect.name
        self._insert = sqlite.insert if self.dialect == "sqlite" else postgresql.insert
        self._wire = _Wire(self.engine)
        self._claim_sql = self._claim_statement()
        self._locks: dict[str, Connection] = {}

    def __repr__(self) -> str:
        return f"SQLStore({self.engine.url.render_as_string(hide_password=True)!r})"

    # -- schema ----------------------------------------------------------------------------
    def _alembic(self) -> AlembicConfig:
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(resources.files("shikayat_storage") / "migrations"))
        return cfg

    def schema_status(self) -> SchemaStatus:
        head = ScriptDirectory.from_config(self._alembic()).get_current_head()
        assert head is not None
        with self.engine.connect() as con:
            current = MigrationContext.configure(con).get_current_revision()
        return SchemaStatus(current=current, head=head)

    def migrate(self, revision: str = "head") -> None:
        cfg = self._alembic()
        script = ScriptDirectory.from_config(cfg)
        current = self.schema_status().current
        below = {r.revision for r in script.iterate_revisions(current, "base")} if current else set()
        downgrade = revision == "base" or (revision in below and revision != current)
        with self.engine.begin() as con:
            cfg.attributes["connection"] = con
            if downgrade:
                command.downgrade(cfg, revision)
            else:
                command.upgrade(cfg, revision)

    # -- intake ----------------------------------------------------------------------------
    def add_raw(self, posts: Sequence[RawPost], *, channel: str | None = None, cursor: Cursor | None = None,
                dead: Sequence[tuple[RawPost, str]] = ()) -> int:
        time = self._wire.time
        pending, dead_state = InboxState.PENDING.value, InboxState.DEAD.value
        rows = [(p.platform, p.external_id, p.channel or channel, p.payload, time(p.received_at), pending, None, 0)
                for p in posts]
        rows += [(p.platform, p.external_id, p.channel or channel, p.payload, time(p.received_at), dead_state,
                  error, 0) for p, error in dead]
        new = 0
        with self.engine.begin() as con:
            if rows:
                new = self._wire.insert(con, Inbox.__table__, _INBOX_COLUMNS, rows, skip_conflicts=True)
            if cursor is not None and channel is not None:
                self._upsert_channel(con, channel, {"cursor": cursor})
        return new

    def _upsert_channel(self, con: Connection, channel: str, values: dict[str, Any]) -> None:
        now = utcnow()
        stmt = self._insert(ChannelRow).values({"healthy": True, **values, "name": channel, "updated_at": now})
        stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={**values, "updated_at": now})
        con.execute(stmt)

    def get_cursor(self, channel: str) -> Cursor | None:
        with self.engine.connect() as con:
            value = con.scalar(select(ChannelRow.cursor).where(ChannelRow.name == channel))
        return dict(value) if value else None

    def raw_posts(self, platform: str, channel: str, *, prefix: str, since: datetime,
                  limit: int) -> list[InboxItem]:
        # (platform, channel, received_at) is indexed: the window bounds the rows read.
        q = (select(Inbox)
             .where(Inbox.platform == platform, Inbox.channel == channel, Inbox.received_at >= since,
                    Inbox.external_id.startswith(prefix, autoescape=True))
             .order_by(Inbox.received_at.desc(), Inbox.id.desc()).limit(limit))
        with self.engine.connect() as con:
            return [_inbox_item(r) for r in con.execute(q)]

    def stored_keys(self, platform: str, external_ids: Iterable[str]) -> set[str]:
        ids = list(external_ids)
        found: set[str] = set()
        with self.engine.connect() as con:
            for start in range(0, len(ids), 500):
                found.update(con.scalars(select(Inbox.external_id).where(
                    Inbox.platform == platform, Inbox.external_id.in_(ids[start:start + 500]))))
        return found

    # -- processing ------------------------------------------------------------------------
    def _claimable(self, q: Select[Any]) -> Select[Any]:
        return q.with_for_update(skip_locked=True) if self.dialect == "postgresql" else q

    def claim_inbox(self, limit: int, *, owner: str, lease_seconds: float) -> list[InboxItem]:
        """One statement: the oldest claimable rows are leased and returned (PostgreSQL skips
        rows another transaction holds)."""
        now = utcnow()
        wire = self._wire
        with self.engine.begin() as con:
            rows = con.exec_driver_sql(self._claim_sql, (InboxState.PENDING.value, wire.time(now), limit, owner,
                                             wire.time(now + timedelta(seconds=lease_seconds)))).all()
        rows.sort(key=lambda r: r[0])
        received = _read_sqlite_time if wire.sqlite else _read_aware_time
        return [InboxItem(id=r[0], platform=r[1], channel=r[2], external_id=r[3], payload=bytes(r[4]),
                          received_at=received(r[5]), attempts=r[6]) for r in rows]

    def _claim_statement(self) -> str:
        lock = "" if self._wire.sqlite else " FOR UPDATE SKIP LOCKED"
        return self._wire.marks("WITH picked AS MATERIALIZED (SELECT id FROM inbox WHERE state = ?"
                " AND (leased_until IS NULL OR leased_until < ?) ORDER BY id LIMIT ?" + lock + ")"
                " UPDATE inbox SET lease_owner = ?, leased_until = ?, attempts = attempts + 1"
                " WHERE id IN (SELECT id FROM picked)"
                " RETURNING id, platform, channel, external_id, payload, received_at, attempts")

    def save_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        now = utcnow()
        wire = self._wire
        at = wire.time(now)
        processed = [o for o in outcomes if isinstance(o, Processed)]
        with self.engine.begin() as con:
            inserted: set[str] = set()
            if processed:
                inserted = self._insert_complaints(
                    con, [complaint_to_wire(o.complaint, o.inbox_id, at, wire) for o in processed])
            fresh = [o for o in processed if o.complaint.id in inserted]
            events = [self._event_wire(e, at) for o in fresh for e in o.events]
            if events:
                wire.insert(con, EventRow.__table__, _EVENT_COLUMNS, events)
            pending = OutboxState.PENDING.value
            outbox = [(o.complaint.id, e.kind, o.complaint.platform, e.channel, e.in_reply_to, e.recipient, e.text,
                       e.private, pending, 0, at) for o in fresh for e in o.outbox]
            if outbox:
                wire.insert(con, OutboxRow.__table__, _OUTBOX_COLUMNS, outbox, skip_conflicts=True)
            wire.update_many(con, "UPDATE complaints SET support_posts = support_posts + ?,"
                                  " support_authors = support_authors + ?, updated_at = ? WHERE id = ?",
                             [(o.support.posts, o.support.authors, at, o.support.canonical_id)
                              for o in fresh if o.support is not None])
            self._record_removals(con, [o for o in outcomes if isinstance(o, Removal)], fresh, now)
            done, dead, ignored = InboxState.DONE.value, InboxState.DEAD.value, InboxState.IGNORED.value
            states = []
            for o in outcomes:
                if isinstance(o, Processed):
                    cid = o.complaint.id
                    states.append((done, None, cid if cid in inserted else None, at, o.inbox_id))
                elif isinstance(o, DeadLetter):
                    states.append((dead, o.error, None, at, o.inbox_id))
                elif isinstance(o, Ignored):
                    states.append((ignored, o.reason, None, at, o.inbox_id))
                elif isinstance(o, Removal):
                    states.append((ignored, o.note or f"removal of {o.external_id}", None, at, o.inbox_id))
            wire.update_many(con, "UPDATE inbox SET state = ?, error = ?, complaint_id = ?, processed_at = ?,"
                                  " lease_owner = NULL, leased_until = NULL WHERE id = ?", states)

    def _insert_complaints(self, con: Connection, rows: Sequence[tuple[Any, ...]]) -> set[str]:
        """The ids of the rows inserted; a row whose post (or id) is stored already is skipped.
        Usually every row goes in at once; when some did not (a second worker raced on an expired
        lease), the batch is undone and inserted row by row, to know exactly which ones went in."""
        wire, table = self._wire, ComplaintRow.__table__
        savepoint = con.begin_nested()
        if wire.insert(con, table, _COMPLAINT_COLUMNS, rows, skip_conflicts=True) == len(rows):
            savepoint.commit()
            return {r[0] for r in rows}
        savepoint.rollback()
        return {r[0] for r in rows if wire.insert(con, table, _COMPLAINT_COLUMNS, [r], skip_conflicts=True)}

    def _record_removals(self, con: Connection, removals: Sequence[Removal], fresh: Sequence[Processed],
                         now: datetime) -> None:
        """Keep this batch's removals, and tombstone the complaints they name: stored ones, and the
        batch's new ones (with a removal recorded earlier, when the notice came first)."""
        if removals:
            con.execute(self._insert(RemovalRow).on_conflict_do_nothing(), [
                {"platform": r.platform, "external_id": r.external_id, "edits_prefix": r.edits_prefix,
                 "removed_at": r.removed_at or now, "removed_by": r.removed_by, "inbox_id": r.inbox_id}
                for r in removals])
        keys = {(r.platform, r.external_id) for r in removals}
        keys |= {(o.complaint.platform, o.complaint.external_id) for o in fresh}
        prefixed = [r for r in removals if r.edits_prefix]
        if not keys:
            return
        found = con.execute(select(RemovalRow).where(
            RemovalRow.platform.in_({p for p, _ in keys}), RemovalRow.external_id.in_({k for _, k in keys})))
        by_key = {(r.platform, r.external_id): r for r in found if (r.platform, r.external_id) in keys}
        targets = [(ComplaintRow.platform == p) & (ComplaintRow.external_id == k) for p, k in by_key]
        targets += [(ComplaintRow.platform == r.platform)
                    & ComplaintRow.external_id.startswith(r.edits_prefix or "", autoescape=True) for r in prefixed]
        if not targets:
            return
        rows = con.execute(select(ComplaintRow.id, ComplaintRow.platform, ComplaintRow.external_id)
                           .where(ComplaintRow.removed_at.is_(None), or_(*targets))).all()
        for row in rows:
            removal = by_key.get((row.platform, row.external_id)) or next(
                by_key[(r.platform, r.external_id)] for r in prefixed
                if r.platform == row.platform and row.external_id.startswith(r.edits_prefix or ""))
            con.execute(update(ComplaintRow).where(ComplaintRow.id == row.id).values(
                text=TOMBSTONE, text_normalized=None, removed_at=removal.removed_at, updated_at=now))
            con.execute(self._insert(EventRow), [self._event_row(Event(
                "complaint.removed", row.id,
                {"external_id": row.external_id, "removed_at": removal.removed_at.isoformat(),
                 "removed_by": removal.removed_by, "removal": removal.external_id, "inbox_id": removal.inbox_id},
                actor="platform"), now)])

    def _event_wire(self, e: Event, at: Any) -> tuple[Any, ...]:
        wire = self._wire
        return (e.complaint_id, e.kind, e.actor, wire.json(e.detail), at if e.at is None else wire.time(e.at))

    @staticmethod
    def _event_row(e: Event, now: datetime) -> dict[str, Any]:
        return {"complaint_id": e.complaint_id, "kind": e.kind, "actor": e.actor, "detail": e.detail,
                "at": e.at or now}

    def requeue_dead(self, *, platform: str | None = None, inbox_ids: Iterable[int] | None = None) -> int:
        stmt = update(Inbox).where(Inbox.state == InboxState.DEAD.value).values(
            state=InboxState.PENDING.value, lease_owner=None, leased_until=None)
        if platform is not None:
            stmt = stmt.where(Inbox.platform == platform)
        if inbox_ids is not None:
            stmt = stmt.where(Inbox.id.in_(list(inbox_ids)))
        with self.engine.begin() as con:
            return con.execute(stmt).rowcount

    _INDEX_COLUMNS = (ComplaintRow.id, ComplaintRow.docket, ComplaintRow.platform, ComplaintRow.external_id,
                      ComplaintRow.author_id, ComplaintRow.text_normalized, ComplaintRow.created_at,
                      ComplaintRow.duplicate_of, ComplaintRow.conversation_id, ComplaintRow.text,
                      ComplaintRow.author_handle, ComplaintRow.author_phone, ComplaintRow.thread,
                      ComplaintRow.duplicate_reason, ComplaintRow.duplicate_score, ComplaintRow.category,
                      ComplaintRow.priority, ComplaintRow.actionable, ComplaintRow.sensitive, ComplaintRow.unit,
                      ComplaintRow.unit_basis)

    @staticmethod
    def _index_row(r: Any) -> IndexRow:
        thread = r.thread or {}
        return IndexRow(*r[:12], reply_to=thread.get("reply_to"), quote_of=thread.get("quote_of"),
                        repost_of=thread.get("repost_of"), duplicate_reason=r.duplicate_reason,
                        duplicate_score=r.duplicate_score, category=r.category, priority=r.priority,
                        actionable=r.actionable, sensitive=r.sensitive, unit=r.unit, unit_basis=r.unit_basis)

    def recent_index_rows(self, since: datetime) -> Iterator[IndexRow]:
        q = (select(*self._INDEX_COLUMNS)
             .where(ComplaintRow.created_at >= since).order_by(ComplaintRow.created_at, ComplaintRow.id))
        with self.engine.connect() as con:
            for r in con.execution_options(yield_per=5000).execute(q):
                yield self._index_row(r)

    def find_complaints(self, platform: str, external_ids: Iterable[str]) -> dict[str, IndexRow]:
        ids = list(external_ids)
        if not ids:
            return {}
        q = (select(*self._INDEX_COLUMNS)
             .where(ComplaintRow.platform == platform, ComplaintRow.external_id.in_(ids)))
        with self.engine.connect() as con:
            return {r.external_id: self._index_row(r) for r in con.execute(q)}

    # -- replies ---------------------------------------------------------------------------
    def claim_outbox(self, limit: int, *, owner: str, lease_seconds: float,
                     now: datetime | None = None) -> list[OutboxItem]:
        now = now or utcnow()
        with self.engine.begin() as con:
            q = (select(OutboxRow.id)
                 .where(OutboxRow.state == OutboxState.PENDING.value,
                        or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
                        or_(OutboxRow.leased_until.is_(None), OutboxRow.leased_until < now))
                 .order_by(OutboxRow.id).limit(limit))
            q = q.add_columns(OutboxRow.confirm_until)
            claimed = con.execute(self._claimable(q)).all()
            if not claimed:
                return []
            ids = [r.id for r in claimed]
            waited = {r.id for r in claimed if r.confirm_until is not None}
            con.execute(update(OutboxRow).where(OutboxRow.id.in_(ids)).values(
                attempts=OutboxRow.attempts + 1, lease_owner=owner, confirm_until=None,
                leased_until=now + timedelta(seconds=lease_seconds)))
            other = ComplaintRow.__table__.alias("other")
            latest = (select(func.max(other.c.created_at))
                      .where(other.c.platform == ComplaintRow.platform, other.c.author_id == ComplaintRow.author_id,
                             other.c.channel.is_not_distinct_from(ComplaintRow.channel))
                      .scalar_subquery())
            rows = con.execute(
                select(*OutboxRow.__table__.c, ComplaintRow.docket.label("docket"),
                       ComplaintRow.author_id, ComplaintRow.author_handle, ComplaintRow.author_name,
                       ComplaintRow.author_phone, latest.label("last_inbound_at"))
                .join(ComplaintRow, ComplaintRow.id == OutboxRow.complaint_id)
                .where(OutboxRow.id.in_(ids)).order_by(OutboxRow.id))
            return [OutboxItem(id=o.id, complaint_id=o.complaint_id, docket=o.docket or "", kind=o.kind,
                               platform=o.platform, channel=o.channel, in_reply_to=o.in_reply_to,
                               recipient=o.recipient, text=o.text, private=o.private, attempts=o.attempts,
                               author=Author.model_construct(id=o.author_id, handle=o.author_handle,
                                                             name=o.author_name, phone=o.author_phone),
                               last_inbound_at=o.last_inbound_at, confirm_waited=o.id in waited)
                    for o in rows]

    @staticmethod
    def _pending(outbox_id: int) -> Any:
        return (OutboxRow.id == outbox_id) & (OutboxRow.state == OutboxState.PENDING.value)

    def _mark_sent(self, con: Connection, where: Any, platform_id: str, actor: str) -> bool:
        """Mark the pending row ``where`` selects sent; False when there is none."""
        now = utcnow()
        row = con.execute(update(OutboxRow).where(where).values(
            state=OutboxState.SENT.value, platform_id=platform_id, sent_at=now, error=None, confirm_until=None,
            lease_owner=None, leased_until=None).returning(OutboxRow.complaint_id, OutboxRow.kind)).first()
        if row is None:
            return False
        if row.kind == "ack":
            con.execute(update(ComplaintRow).where(
                ComplaintRow.id == row.complaint_id, ComplaintRow.status == Status.NEW.value,
            ).values(status=Status.ACKNOWLEDGED.value, updated_at=now))
        con.execute(self._insert(EventRow), [self._event_row(Event(
            "reply.sent", row.complaint_id, {"kind": row.kind, "platform_id": platform_id}, actor=actor), now)])
        return True

    def mark_sent(self, outbox_id: int, platform_id: str) -> None:
        with self.engine.begin() as con:
            self._mark_sent(con, self._pending(outbox_id), platform_id, "outbox")

    def confirm_sent(self, outbox_id: int, platform: str, platform_id: str) -> bool:
        with self.engine.begin() as con:
            return self._mark_sent(con, self._pending(outbox_id) & (OutboxRow.platform == platform),
                                   platform_id, "platform")

    def await_confirmation(self, outbox_id: int, *, until: datetime, error: str) -> None:
        with self.engine.begin() as con:
            con.execute(update(OutboxRow).where(self._pending(outbox_id)).values(
                attempts=OutboxRow.attempts - 1, next_attempt_at=until, confirm_until=until, error=error,
                lease_owner=None, leased_until=None))

    def mark_retry(self, outbox_id: int, *, not_before: datetime, error: str) -> None:
        with self.engine.begin() as con:
            con.execute(update(OutboxRow).where(self._pending(outbox_id)).values(
                next_attempt_at=not_before, error=error, lease_owner=None, leased_until=None))

    def mark_failed(self, outbox_id: int, error: str) -> None:
        now = utcnow()
        with self.engine.begin() as con:
            row = con.execute(update(OutboxRow).where(self._pending(outbox_id)).values(
                state=OutboxState.FAILED.value, error=error, lease_owner=None, leased_until=None,
            ).returning(OutboxRow.complaint_id, OutboxRow.kind)).first()
            if row is None:
                return
            con.execute(self._insert(EventRow), [self._event_row(Event(
                "reply.failed", row.complaint_id, {"kind": row.kind, "error": error}, actor="outbox"), now)])

    def mark_delivery_failed(self, platform: str, platform_id: str, error: str) -> bool:
        now = utcnow()
        with self.engine.begin() as con:
            row = con.execute(update(OutboxRow).where(
                OutboxRow.platform == platform, OutboxRow.platform_id == platform_id,
                OutboxRow.state == OutboxState.SENT.value,
            ).values(state=OutboxState.FAILED.value, error=error).returning(
                OutboxRow.complaint_id, OutboxRow.kind)).first()
            if row is None:
                return False
            if row.kind == "ack":
                con.execute(update(ComplaintRow).where(
                    ComplaintRow.id == row.complaint_id, ComplaintRow.status == Status.ACKNOWLEDGED.value,
                ).values(status=Status.NEW.value, updated_at=now))
            con.execute(self._insert(EventRow), [self._event_row(Event(
                "reply.undelivered", row.complaint_id,
                {"kind": row.kind, "platform_id": platform_id, "error": error}, actor="platform"), now)])
        return True

    # -- channels --------------------------------------------------------------------------
    def update_channel(self, channel: str, **fields: Any) -> None:
        unknown = set(fields) - _CHANNEL_FIELDS
        if unknown:
            raise TypeError(f"unknown channel fields: {sorted(unknown)}")
        with self.engine.begin() as con:
            self._upsert_channel(con, channel, fields)

    def channel_states(self) -> list[ChannelState]:
        with self.engine.connect() as con:
            rows = con.execute(select(ChannelRow).order_by(ChannelRow.name))
            return [ChannelState(channel=r.name, cursor=dict(r.cursor) if r.cursor else None,
                                 last_poll_at=r.last_poll_at, last_post_at=r.last_post_at, last_error=r.last_error,
                                 healthy=r.healthy, rate_limit_remaining=r.rate_limit_remaining) for r in rows]

    def try_lock_channel(self, channel: str) -> bool:
        if self.dialect != "postgresql" or channel in self._locks:
            return True
        con = self.engine.connect()
        got = bool(con.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": _lock_key(channel)}))
        con.commit()
        if got:
            self._locks[channel] = con
        else:
            con.close()
        return got

    def unlock_channel(self, channel: str) -> None:
        con = self._locks.pop(channel, None)
        if con is not None:
            con.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _lock_key(channel)})
            con.commit()
            con.close()

    # -- reading ---------------------------------------------------------------------------
    def get_complaint(self, key: str) -> Complaint | None:
        with self.engine.connect() as con:
            row = con.execute(select(ComplaintRow).where(
                or_(ComplaintRow.id == key, ComplaintRow.docket == key))).first()
        return row_to_complaint(row) if row else None

    def iter_complaints(self, *, since: datetime | None = None, until: datetime | None = None,
                        statuses: Iterable[Status] | None = None) -> Iterator[Complaint]:
        q = select(ComplaintRow).order_by(ComplaintRow.created_at, ComplaintRow.id)
        if since is not None:
            q = q.where(ComplaintRow.created_at >= since)
        if until is not None:
            q = q.where(ComplaintRow.created_at < until)
        if statuses is not None:
            q = q.where(ComplaintRow.status.in_([Status(s).value for s in statuses]))
        with self.engine.connect() as con:
            for row in con.execution_options(yield_per=2000).execute(q):
                yield row_to_complaint(row)

    def events(self, complaint_id: str | None = None) -> list[Event]:
        q = select(EventRow).order_by(EventRow.id)
        if complaint_id is not None:
            q = q.where(EventRow.complaint_id == complaint_id)
        with self.engine.connect() as con:
            return [Event(kind=r.kind, complaint_id=r.complaint_id, detail=dict(r.detail), actor=r.actor, at=r.at)
                    for r in con.execute(q)]

    def record_events(self, events: Sequence[Event]) -> None:
        if events:
            now = utcnow()
            with self.engine.begin() as con:
                con.execute(self._insert(EventRow), [self._event_row(e, now) for e in events])

    def dead_letters(self, limit: int = 100) -> list[tuple[InboxItem, str]]:
        with self.engine.connect() as con:
            rows = con.execute(select(Inbox).where(Inbox.state == InboxState.DEAD.value)
                               .order_by(Inbox.id).limit(limit))
            return [(_inbox_item(r), r.error or "") for r in rows]

    def stats(self) -> dict[str, int]:
        out = {f"inbox_{s.value}": 0 for s in InboxState}
        out.update(complaints=0, duplicates=0)
        out.update({f"outbox_{s.value}": 0 for s in OutboxState})
        with self.engine.connect() as con:
            for state, n in con.execute(select(Inbox.state, func.count()).group_by(Inbox.state)):
                out[f"inbox_{state}"] = n
            out["complaints"] = con.scalar(select(func.count()).select_from(ComplaintRow)) or 0
            out["duplicates"] = con.scalar(select(func.count()).select_from(ComplaintRow)
                                           .where(ComplaintRow.duplicate_of.is_not(None))) or 0
            for state, n in con.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state)):
                out[f"outbox_{state}"] = n
        return out

    def close(self) -> None:
        for channel in list(self._locks):
            try:
                self.unlock_channel(channel)
            except Exception:  # noqa: BLE001 - closing must not fail
                logger.debug("could not release the lock of %s", channel, exc_info=True)
        self.engine.dispose()
