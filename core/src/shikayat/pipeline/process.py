"""The pipeline: inbox rows → normalize → dedupe → classify → route → store → outbox.

One :class:`Pipeline` serves a process. :meth:`Pipeline.run_batch` claims a batch of inbox
rows, decides everything in memory, and commits the whole batch's outcomes (complaints,
events, replies to send, inbox states) in one transaction. A payload the normalizer cannot
read becomes a dead letter with its error and the batch goes on; posts by our own accounts, and
payloads the normalizer declares no post (:class:`~shikayat.errors.NotAPost`), are marked
ignored and never become complaints. A notice that a post was deleted
(:class:`~shikayat.errors.PostRemoved`) becomes a :class:`~shikayat.store.Removal`: the store
tombstones that complaint's text and keeps its case.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shikayat.complaint import Complaint, RawPost, docket_for, utcnow
from shikayat.decisions import Classification, DecisionContext, Duplicate, Route, SLAPolicy
from shikayat.errors import NotAPost, PostRemoved, UnparseablePayload
from shikayat.pipeline.cases import CaseBook, CaseDecision
from shikayat.pipeline.dedupe import DedupeIndex
from shikayat.platforms import Capability, Channel, Platform
from shikayat.plugins import Plugins
from shikayat.routing import RoutingRule
from shikayat.store import (
    DeadLetter,
    Event,
    Ignored,
    InboxItem,
    IndexRow,
    OutboxEntry,
    Outcome,
    Processed,
    Removal,
    Store,
    Support,
)
from shikayat.taxonomy import Taxonomy, shipped_taxonomy
from shikayat.textnorm import normalize_text
from shikayat.types import DuplicateReason
from shikayat.units import UnitsDirectory

if TYPE_CHECKING:
    from shikayat.config import Config

logger = logging.getLogger(__name__)

# Duplicates that get no acknowledgement of their own: the author already had one, or the
# post only passes a known complaint on (a repost).
_SILENT_DUPLICATES = frozenset({DuplicateReason.SAME_AUTHOR, DuplicateReason.REDELIVERY, DuplicateReason.THREAD})


def _derive(complaint: Complaint, fields: dict[str, Any]) -> Complaint:
    """``complaint.model_copy(update=fields)`` in half the time: one new instance with one
    merged field dictionary (the pipeline derives fields four times per post). Like
    ``model_copy``, it does not validate; the pipeline sets derived fields of known types."""
    new = object.__new__(Complaint)
    _set(new, "__dict__", {**complaint.__dict__, **fields})
    _set(new, "__pydantic_fields_set__", complaint.__pydantic_fields_set__ | fields.keys())
    _set(new, "__pydantic_extra__", complaint.__pydantic_extra__)
    _set(new, "__pydantic_private__", complaint.__pydantic_private__)
    return new


_set = object.__setattr__


_normalized = lru_cache(maxsize=8192)(normalize_text)
""":func:`~shikayat.textnorm.normalize_text` (a pure function) remembering the last texts it
normalized: a text that comes back — a copy-paste wave, a repost's copied text — is
normalized once."""


def _duplicate_fields(duplicate: Duplicate) -> dict[str, Any]:
    return {"duplicate_of": duplicate.of, "duplicate_of_docket": duplicate.of_docket,
            "duplicate_reason": duplicate.reason, "duplicate_score": duplicate.score}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a batch is decided, and resumed as it was.

    Deciding a batch allocates and drops many small containers; with the collector running,
    each few hundred allocations trigger a pass, and every so often a full pass walks every live
    object of the process (the classifier's and the dedupe index's included). Reference counting
    still frees the batch's garbage at once; the few cycles wait for the pass after the batch,
    whose allocations are bounded by the batch size. If the collector was already off (the
    application's choice, or another batch in another thread), it is left as it is."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class BatchResult:
    claimed: int = 0
    processed: int = 0
    duplicates: int = 0
    dead: int = 0
    ignored: int = 0
    removed: int = 0
    replies_queued: int = 0


@dataclass
class Pipeline:
    store: Store
    plugins: Plugins
    units: UnitsDirectory
    channels: dict[str, Channel] = field(default_factory=dict)
    sla: SLAPolicy = field(default_factory=SLAPolicy)
    index: DedupeIndex = field(default_factory=DedupeIndex)
    docket_prefix: str = "SK"
    owner: str = field(default_factory=worker_name)
    lease_seconds: float = 60.0
    rules: tuple[RoutingRule, ...] = ()
    """``[routing]`` rules, given to the route hook in :class:`DecisionContext`."""
    taxonomy: Taxonomy = field(default_factory=shipped_taxonomy)
    cases: CaseBook | None = None
    """Each open case's decisions, which its duplicates join (built from the index's window)."""

    @classmethod
    def from_config(cls, config: Config, plugins: Plugins, store: Store, **overrides: Any) -> Pipeline:
        """The pipeline a configuration describes (the daemon, ``ingest``, ``reprocess``)."""
        daemon = config.daemon
        settings: dict[str, Any] = {
            "store": store, "plugins": plugins, "units": config.units, "channels": config.channels,
            "sla": config.sla, "index": DedupeIndex(settings=config.dedupe),
            "docket_prefix": daemon.docket_prefix, "lease_seconds": daemon.lease_seconds,
            "rules": config.routing.rules,
            "taxonomy": config.taxonomy,
        }
        settings.update(overrides)
        return cls(**settings)

    def __post_init__(self) -> None:
        if self.cases is None:
            self.cases = CaseBook(self.index.window)
        self._own_ids: dict[str, frozenset[str]] = {}
        for channel in self.channels.values():
            platform = self.plugins.platforms.get(channel.platform)
            if platform is None:
                continue
            ids = platform.own_account_ids(channel.settings)
            self._own_ids[channel.name] = ids
            key = f"*{channel.platform}"
            self._own_ids[key] = self._own_ids.get(key, frozenset()) | ids

    # -- lifecycle -------------------------------------------------------------------------
    def rebuild_index(self, now: datetime | None = None) -> int:
        now = now or utcnow()
        self.index = DedupeIndex(settings=self.index.settings)
        self.cases = CaseBook(self.index.window)
        count = self.index.rebuild(self._remembering(self.store.recent_index_rows(now - self.index.window)))
        logger.info("dedupe index rebuilt with %d complaints from the last %s", count, self.index.window)
        return count

    def _remembering(self, rows: Iterable[IndexRow]) -> Iterator[IndexRow]:
        cases = self.cases
        assert cases is not None
        for row in rows:
            cases.remember_row(row)
            yield row

    def run_batch(self, limit: int = 200) -> BatchResult:
        """Claim, process and commit one batch. Returns what happened (claimed 0: idle)."""
        items = self.store.claim_inbox(limit, owner=self.owner, lease_seconds=self.lease_seconds)
        result = BatchResult(claimed=len(items))
        if not items:
            return result
        with _collector_paused():
            outcomes = self.process(items)
        self.store.save_outcomes(outcomes)
        for outcome in outcomes:
            if isinstance(outcome, Processed):
                result.processed += 1
                result.duplicates += outcome.complaint.duplicate_of is not None
                result.replies_queued += len(outcome.outbox)
                self.plugins.hook.complaint_stored(complaint=outcome.complaint)
            elif isinstance(outcome, DeadLetter):
                result.dead += 1
            elif isinstance(outcome, Removal):
                result.removed += 1
            else:
                result.ignored += 1
        if result.dead:
            logger.warning("%d payload(s) could not be read and were kept as dead letters", result.dead)
        return result

    def drain(self, limit: int = 200) -> BatchResult:
        """Process until the inbox has nothing pending (replay, reprocess, tests)."""
        total = BatchResult()
        while True:
            r = self.run_batch(limit)
            if not r.claimed:
                return total
            for name in ("claimed", "processed", "duplicates", "dead", "ignored", "removed", "replies_queued"):
                setattr(total, name, getattr(total, name) + getattr(r, name))

    # -- the stages ------------------------------------------------------------------------
    def process(self, items: Sequence[InboxItem]) -> list[Outcome]:
        """Decide a batch: every post is read first (normalized, its derived fields and dedupe
        features computed together), then decided in order, so a post sees those before it."""
        now = utcnow()
        self.index.prune()
        if self.cases is not None:
            self.cases.prune()
        read = [self._read(item) for item in items]
        self.index.prepare([r[1] for r in read if isinstance(r, tuple)])
        return [self._decide(item, *r, now) if isinstance(r, tuple) else r
                for item, r in zip(items, read, strict=True)]

    def _normalize(self, item: InboxItem) -> tuple[Platform | None, Complaint | Outcome]:
        platform = self.plugins.platforms.get(item.platform)
        if platform is None:
            return None, DeadLetter(item.id, f"no installed plugin provides platform {item.platform!r}")
        raw = RawPost(platform=item.platform, external_id=item.external_id, channel=item.channel,
                      payload=item.payload, received_at=item.received_at)
        try:
            complaint = platform.normalize(raw)
        except PostRemoved as exc:
            return platform, Removal(item.id, item.platform, exc.external_id, removed_at=exc.removed_at,
                                     removed_by=exc.removed_by, edits_prefix=exc.edits_prefix, note=str(exc))
        except NotAPost as exc:
            return platform, Ignored(item.id, str(exc))
        except UnparseablePayload as exc:
            return platform, DeadLetter(item.id, str(exc))
        except Exception as exc:  # noqa: BLE001 - a normalizer bug must not stop the pipeline
            logger.exception("normalizer of %s failed on inbox row %d", item.platform, item.id)
            return platform, DeadLetter(item.id, f"{type(exc).__name__}: {exc}")
        return platform, complaint

    def _read(self, item: InboxItem) -> tuple[Platform, Complaint] | Outcome:
        """The post an inbox row holds, with the fields the pipeline derives before deciding,
        or what became of a row that holds none."""
        platform, normalized = self._normalize(item)
        if not isinstance(normalized, Complaint):
            return normalized
        assert platform is not None
        complaint = normalized
        channel_name = item.channel or complaint.channel
        own = self._own_ids.get(channel_name or "", frozenset()) | self._own_ids.get(f"*{item.platform}", frozenset())
        if complaint.author.id in own:
            return Ignored(item.id, "posted by our own account")
        if complaint.external_id != item.external_id:
            return DeadLetter(item.id, f"normalizer gave external id {complaint.external_id!r} for inbox key {item.external_id!r}")

        return platform, _derive(complaint, {
            "docket": docket_for(item.id, self.docket_prefix),
            "channel": channel_name,
            "received_at": item.received_at,
            "text_normalized": _normalized(complaint.text),
        })

    def _decide(self, item: InboxItem, platform: Platform, complaint: Complaint, now: datetime) -> Outcome:
        channel_name = complaint.channel
        channel = self.channels.get(channel_name) if channel_name else None
        cases = self.cases
        assert cases is not None
        context = DecisionContext(units=self.units, index=self.index, now=now, channel=channel, sla=self.sla,
                                  rules=self.rules, taxonomy=self.taxonomy, cases=cases)
        hook = self.plugins.hook

        duplicate: Duplicate | None = hook.dedupe_complaint(complaint=complaint, context=context)
        if duplicate is not None:
            complaint = _derive(complaint, _duplicate_fields(duplicate))
        context.case = cases.get(duplicate.of) if duplicate is not None else None
        cls: Classification = hook.classify_complaint(complaint=complaint, context=context)
        derived = {"category": cls.category, "priority": cls.priority,
                   "actionable": cls.actionable, "sensitive": cls.sensitive}
        if cls.language is not None:
            derived["language"] = cls.language
        complaint = _derive(complaint, derived)
        route: Route | None = hook.route_complaint(complaint=complaint, context=context)
        unit_id = route.unit if route else None
        wait = self.units.sla_for(unit_id, cls.priority) or self.sla.by_priority[cls.priority]
        complaint = _derive(complaint, {"unit": unit_id, "unit_reason": route.reason if route else None,
                                        "unit_basis": route.basis if route else None,
                                        "sla_due": complaint.received_at + wait})
        if duplicate is None:
            duplicate = hook.join_incident(complaint=complaint, context=context)
            if duplicate is not None:
                complaint = _derive(complaint, _duplicate_fields(duplicate))

        events = [Event("complaint.received", complaint.id, {
            "docket": complaint.docket, "inbox_id": item.id, "channel": channel_name,
            "duplicate_of": complaint.duplicate_of,
            "duplicate_reason": complaint.duplicate_reason.value if complaint.duplicate_reason else None,
            "category": complaint.category, "priority": complaint.priority.value,
            "actionable": complaint.actionable, "classify_reason": cls.reason,
            "unit": complaint.unit, "unit_reason": complaint.unit_reason,
        }, actor="pipeline")]
        outbox = self._acknowledgement(complaint, platform, channel, context, duplicate)
        if outbox:
            events.append(Event("reply.queued", complaint.id, {"kind": "ack"}, actor="pipeline"))
        support = None
        if duplicate is not None:
            support = Support(duplicate.of, posts=1, authors=int(duplicate.new_author))
        self.index.add(complaint)
        if duplicate is None:
            cases.remember(complaint.id, complaint.created_at, CaseDecision(
                complaint.docket, complaint.category, complaint.priority, complaint.actionable,
                complaint.sensitive, complaint.unit, complaint.unit_basis))
        return Processed(item.id, complaint, events, outbox, support)

    def _acknowledgement(self, complaint: Complaint, platform: Platform, channel: Channel | None,
                         context: DecisionContext, duplicate: Duplicate | None) -> list[OutboxEntry]:
        if channel is None or not channel.settings.reply or Capability.REPLY not in platform.capabilities:
            return []
        if not complaint.actionable:
            return []
        if duplicate is not None and duplicate.reason in _SILENT_DUPLICATES:
            return []
        text = self.plugins.hook.render_reply(complaint=complaint, kind="ack", context=context)
        if not text:
            return []
        return [OutboxEntry(kind="ack", channel=channel.name, in_reply_to=complaint.external_id,
                            recipient=complaint.author.id, text=platform.fit_reply(text),
                            private=complaint.sensitive)]
