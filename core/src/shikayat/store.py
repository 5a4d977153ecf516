"""The storage contract the pipeline, the daemon and the command line use.

Core never imports an implementation: ``shikayat-storage`` provides one through the
``open_store`` hook. Every method is synchronous and transactional on its own; the daemon
calls them from worker threads.

Tables an implementation keeps (names are the implementation's): the **inbox** (raw payloads
verbatim, unique on platform + external id, with processing state and error), **complaints**,
**events** (audit trail), the **outbox** (intended replies, unique per complaint + kind) and
**channels** (cursor and health per configured channel).

Invariants every implementation must keep (the storage tests check each):

* ``add_raw`` is atomic: the posts and the cursor commit together or not at all, and a post
  whose (platform, external_id) is already stored is ignored, never duplicated.
* ``save_outcomes`` is atomic per call: complaints, their events and outbox rows, the support
  counts of canonical complaints and the inbox states commit together. A complaint whose
  (platform, external_id) already exists is skipped with its outbox rows (a second worker
  that raced on an expired lease cannot create a second case or a second reply).
* a :class:`Removal` (the platform reports a post deleted) keeps the case: the complaint under
  its key, and its edits under ``edits_prefix``, keep every decision and support count, but
  their ``text`` becomes :data:`~shikayat.complaint.TOMBSTONE`, ``text_normalized`` None and
  ``removed_at`` set, with a ``complaint.removed`` event, once. A removal whose post is not
  stored yet is kept and applied when the post is saved (deliveries arrive out of order). The
  inbox keeps raw payloads verbatim: it is the record of what was received, and the source
  ``reprocess`` reads; every reading path (export, status, replies) uses the complaint.
* a claimed row is leased: no other claim returns it until its lease expires.
* an outbox row's ``attempts`` is incremented and committed when it is claimed, before the
  reply is sent, so a crash after sending is visible as ``attempts > 1`` on the next claim.
* a row leaves the pending state once: ``mark_sent``, ``confirm_sent``, ``mark_retry`` and
  ``mark_failed`` change a pending row only, so a reply the platform confirmed meanwhile is
  never marked twice nor queued again, and a later delivery failure is never overwritten.

A fetcher never sees the store: at start it is given an :class:`InboxView`, a read-only view of
its own channel's inbox (see :meth:`shikayat.platforms.Fetcher.resume`).
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from shikayat.complaint import Author, Complaint, RawPost
from shikayat.types import Cursor, Status


class InboxState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"
    IGNORED = "ignored"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class InboxItem:
    """A claimed inbox row. ``id`` is its sequence number (the docket derives from it)."""

    id: int
    platform: str
    channel: str | None
    external_id: str
    payload: bytes
    received_at: datetime
    attempts: int


@dataclass(frozen=True)
class Event:
    """One line of the audit trail: what happened, to which complaint, by whom, why."""

    kind: str
    complaint_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    actor: str = "shikayat"
    at: datetime | None = None
    """None: the store stamps the commit time."""


@dataclass(frozen=True)
class OutboxEntry:
    """A reply to queue for a complaint being saved."""

    kind: str
    channel: str | None
    in_reply_to: str
    recipient: str
    text: str
    private: bool = False


@dataclass(frozen=True)
class OutboxItem:
    """A claimed outbox row. ``attempts`` already counts this attempt."""

    id: int
    complaint_id: str
    docket: str
    kind: str
    platform: str
    channel: str | None
    in_reply_to: str
    recipient: str
    text: str
    private: bool
    attempts: int
    author: Author | None = None
    """The complaint's author as stored (for platforms that address a reply by phone)."""
    last_inbound_at: datetime | None = None
    """The newest ``created_at`` of the author's complaints on the same platform and channel."""
    confirm_waited: bool = False
    """This claim follows a wait for the platform to confirm an earlier attempt
    (:meth:`Store.await_confirmation`) that ended with no confirmation."""


@dataclass(frozen=True)
class Support:
    """A duplicate adds support to its canonical complaint."""

    canonical_id: str
    posts: int = 1
    authors: int = 0


@dataclass(frozen=True)
class Processed:
    inbox_id: int
    complaint: Complaint
    events: Sequence[Event] = ()
    outbox: Sequence[OutboxEntry] = ()
    support: Support | None = None


@dataclass(frozen=True)
class DeadLetter:
    inbox_id: int
    error: str


@dataclass(frozen=True)
class Ignored:
    inbox_id: int
    reason: str


@dataclass(frozen=True)
class Removal:
    """The inbox row is a platform's notice that a stored post was deleted (see
    :class:`~shikayat.errors.PostRemoved`); the row itself is marked ignored with ``note``."""

    inbox_id: int
    platform: str
    external_id: str
    removed_at: datetime | None = None
    removed_by: str | None = None
    edits_prefix: str | None = None
    note: str = ""


Outcome = Processed | DeadLetter | Ignored | Removal


@dataclass(frozen=True)
class IndexRow:
    """What the dedupe index needs of a stored complaint (no full model: cheap to rebuild)."""

    id: str
    docket: str | None
    platform: str
    external_id: str
    author_id: str
    text_normalized: str | None
    created_at: datetime
    duplicate_of: str | None
    conversation_id: str | None
    text: str | None = None
    """The text as posted (the specifics of an incident are read from it)."""
    author_handle: str | None = None
    author_phone: str | None = None
    reply_to: str | None = None
    quote_of: str | None = None
    repost_of: str | None = None
    duplicate_reason: str | None = None
    duplicate_score: float | None = None
    category: str | None = None
    priority: str | None = None
    actionable: bool = True
    sensitive: bool = False
    unit: str | None = None
    """The decisions a canonical complaint's duplicates inherit (its case's)."""
    unit_basis: str | None = None
    """What its unit was decided on (:class:`~shikayat.types.RouteBasis`)."""


@dataclass(frozen=True)
class ChannelState:
    channel: str
    cursor: Cursor | None = None
    last_poll_at: datetime | None = None
    last_post_at: datetime | None = None
    last_error: str | None = None
    healthy: bool = True
    rate_limit_remaining: int | None = None


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


class Store(ABC):
    """A database of inbox, complaints, events, outbox and channel state."""

    url: str

    # -- schema ----------------------------------------------------------------------------
    @abstractmethod
    def schema_status(self) -> SchemaStatus: ...

    @abstractmethod
    def migrate(self, revision: str = "head") -> None:
        """Upgrade (or downgrade) the schema with the shipped migrations."""

    def check_schema(self) -> None:
        """Raise SchemaOutdated naming the command that fixes it."""
        from shikayat.errors import SchemaOutdated

        status = self.schema_status()
        if not status.up_to_date:
            have = status.current or "empty database"
            raise SchemaOutdated(
                f"database schema is at {have}, this version needs {status.head}: "
                "run `shikayat migrate` (with the same --config or --db)"
            )

    # -- intake ----------------------------------------------------------------------------
    @abstractmethod
    def add_raw(
        self,
        posts: Sequence[RawPost],
        *,
        channel: str | None = None,
        cursor: Cursor | None = None,
        dead: Sequence[tuple[RawPost, str]] = (),
    ) -> int:
        """Commit raw posts to the inbox (state pending) and, in the same transaction,
        the channel's new cursor when given. ``dead`` rows go in as dead letters with their
        error. Existing (platform, external_id) pairs are ignored. Returns how many rows
        were new."""

    @abstractmethod
    def get_cursor(self, channel: str) -> Cursor | None: ...

    @abstractmethod
    def raw_posts(self, platform: str, channel: str, *, prefix: str, since: datetime,
                  limit: int) -> list[InboxItem]:
        """Inbox rows of ``channel`` on ``platform`` whose external id starts with ``prefix``
        (taken literally: no wildcards), received at or after ``since``, newest first, at most
        ``limit``; in any state, leases untouched."""

    @abstractmethod
    def stored_keys(self, platform: str, external_ids: Iterable[str]) -> set[str]:
        """Those of ``external_ids`` that the inbox holds for ``platform`` (any channel, any state)."""

    # -- processing ------------------------------------------------------------------------
    @abstractmethod
    def claim_inbox(self, limit: int, *, owner: str, lease_seconds: float) -> list[InboxItem]:
        """Lease up to ``limit`` pending rows, oldest first."""

    @abstractmethod
    def save_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        """Commit a batch of pipeline results (see the module invariants)."""

    @abstractmethod
    def requeue_dead(
        self, *, platform: str | None = None, inbox_ids: Iterable[int] | None = None
    ) -> int:
        """Make dead letters pending again; returns how many."""

    @abstractmethod
    def recent_index_rows(self, since: datetime) -> Iterator[IndexRow]:
        """Complaints created at or after ``since``, oldest first, for the dedupe index."""

    @abstractmethod
    def find_complaints(self, platform: str, external_ids: Iterable[str]) -> dict[str, IndexRow]:
        """Stored complaints among ``external_ids`` of ``platform``, keyed by external id."""

    # -- replies ---------------------------------------------------------------------------
    @abstractmethod
    def claim_outbox(
        self, limit: int, *, owner: str, lease_seconds: float, now: datetime | None = None
    ) -> list[OutboxItem]:
        """Lease pending rows that are due; increments and commits ``attempts`` first. Each item
        carries its complaint's author and the author's latest post time on that channel."""

    @abstractmethod
    def mark_sent(self, outbox_id: int, platform_id: str) -> None:
        """Record the platform's id; an ``ack`` moves its complaint from new to acknowledged.
        A row no longer pending (confirmed by the platform meanwhile, or reported undelivered)
        is left as it is."""

    @abstractmethod
    def confirm_sent(self, outbox_id: int, platform: str, platform_id: str) -> bool:
        """The platform reports that the reply of row ``outbox_id`` went out as ``platform_id``.

        Marks the row sent as :meth:`mark_sent` does (``reply.sent`` event, an ``ack``'s
        complaint acknowledged) when it is a *pending* row of ``platform``; returns whether it
        was. An unknown row, a row of another platform, or one already sent or failed changes
        nothing (a redelivered report, or one arriving after the worker marked the row)."""

    @abstractmethod
    def await_confirmation(self, outbox_id: int, *, until: datetime, error: str) -> None:
        """Give a claimed row back unsent, to wait for the platform to confirm an earlier attempt.

        The row is not claimable before ``until``; this claim is not counted in ``attempts``
        (nothing was sent); the next claim's item has ``confirm_waited`` set, and that claim
        clears it, so the attempt it makes gets a wait of its own if its outcome is lost too."""

    @abstractmethod
    def mark_retry(self, outbox_id: int, *, not_before: datetime, error: str) -> None: ...

    @abstractmethod
    def mark_failed(self, outbox_id: int, error: str) -> None: ...

    @abstractmethod
    def mark_delivery_failed(self, platform: str, platform_id: str, error: str) -> bool:
        """The platform reports that the reply it accepted as ``platform_id`` was not delivered.

        Marks that sent outbox row failed with ``error`` and records a ``reply.undelivered``
        event; an acknowledgement's complaint goes back from acknowledged to new (its author
        was not told). Returns False and changes nothing when no *sent* row of ``platform`` has
        that id: a reply sent outside Shikayat, or a report already recorded (redelivery)."""

    # -- channels --------------------------------------------------------------------------
    @abstractmethod
    def update_channel(self, channel: str, **fields: Any) -> None:
        """Set fields of :class:`ChannelState` (not ``cursor``) for a channel."""

    @abstractmethod
    def channel_states(self) -> list[ChannelState]: ...

    def try_lock_channel(self, channel: str) -> bool:
        """Take the cross-process lock for polling ``channel`` (PostgreSQL: advisory lock).
        Default: always granted (one process)."""
        return True

    def unlock_channel(self, channel: str) -> None:
        return None

    # -- reading ---------------------------------------------------------------------------
    @abstractmethod
    def get_complaint(self, key: str) -> Complaint | None:
        """By internal id or docket."""

    @abstractmethod
    def iter_complaints(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        statuses: Iterable[Status] | None = None,
    ) -> Iterator[Complaint]:
        """Stored complaints by ``created_at`` (since inclusive, until exclusive), oldest first."""

    @abstractmethod
    def events(self, complaint_id: str | None = None) -> list[Event]: ...

    @abstractmethod
    def record_events(self, events: Sequence[Event]) -> None: ...

    @abstractmethod
    def dead_letters(self, limit: int = 100) -> list[tuple[InboxItem, str]]: ...

    @abstractmethod
    def stats(self) -> dict[str, int]:
        """Counts for status displays: ``inbox_<state>``, ``complaints``, ``duplicates``,
        ``outbox_<state>``."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InboxView:
    """What a fetcher may read of the inbox when its channel starts: its own raw posts, and
    which keys are stored. Read-only; each call runs the store in a worker thread.

    Given by the daemon to :meth:`shikayat.platforms.Fetcher.resume`, so that work a fetcher
    keeps in memory (Instagram's mentions waiting to be looked up) is rebuilt from what was
    committed before a crash.
    """

    def __init__(self, store: Store, platform: str, channel: str) -> None:
        self._store = store
        self.platform = platform
        self.channel = channel

    async def posts(self, *, prefix: str, since: datetime, limit: int = 1000) -> list[InboxItem]:
        """This channel's raw posts whose key starts with ``prefix``, received at or after
        ``since``, newest first (at most ``limit``)."""
        return await asyncio.to_thread(self._store.raw_posts, self.platform, self.channel, prefix=prefix,
                                       since=since, limit=limit)

    async def stored(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` the inbox holds on this platform (whichever channel or path stored them)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return set()
        return await asyncio.to_thread(self._store.stored_keys, self.platform, wanted)
