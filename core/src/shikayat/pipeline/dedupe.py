"""The dedupe index: what the dedupe hook looks things up in, without scanning the store.

Kept in memory, bounded by the dedupe window, rebuilt from the store on start
(:meth:`DedupeIndex.rebuild`). Lookups are dictionary hits, so the cost per post does not grow
with the number of stored complaints.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from shikayat.complaint import Complaint
from shikayat.pipeline.neardup import NearDuplicateIndex
from shikayat.store import IndexRow
from shikayat.textnorm import dedupe_key


@dataclass(frozen=True)
class Known:
    """A complaint the index knows: enough to link a duplicate to its canonical case."""

    id: str
    external_id: str
    docket: str | None
    canonical: str
    """The canonical complaint's id (itself when not a duplicate)."""
    canonical_docket: str | None
    author_id: str
    created_at: datetime


@dataclass
class DedupeIndex:
    window: timedelta = timedelta(days=7)
    near: NearDuplicateIndex = field(default_factory=NearDuplicateIndex)
    _by_text: dict[tuple[str, str, str], Known] = field(default_factory=dict)
    _by_external: dict[tuple[str, str], Known] = field(default_factory=dict)
    _authors: dict[str, set[str]] = field(default_factory=dict)
    _expiry: list[tuple[datetime, str, str, str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self._by_external)

    # -- lookups ---------------------------------------------------------------------------
    def same_author_text(self, platform: str, author_id: str, text_key: str) -> Known | None:
        return self._by_text.get((platform, author_id, text_key)) if text_key else None

    def by_external(self, platform: str, external_id: str) -> Known | None:
        return self._by_external.get((platform, external_id))

    def has_supported(self, canonical_id: str, author_id: str) -> bool:
        return author_id in self._authors.get(canonical_id, ())

    def similar(self, text_normalized: str | None) -> list[tuple[Known, float]]:
        """Indexed canonical complaints whose text is near ``text_normalized``, best first."""
        found = []
        for cid, score in self.near.query(self._signature(text_normalized)):
            known = self._ids.get(cid)
            if known is not None:
                found.append((known, score))
        return found

    def _signature(self, text: str | None) -> np.ndarray | None:
        if not text:
            return None
        if self._sig_cache[0] != text:          # the lookup and the add of one post share it
            self._sig_cache = (text, self.near.signature(text))
        return self._sig_cache[1]

    # -- updates ---------------------------------------------------------------------------
    def add(self, complaint: Complaint) -> None:
        canonical = complaint.duplicate_of or complaint.id
        canonical_known = self._find_id(canonical) if complaint.duplicate_of else None
        known = Known(
            id=complaint.id,
            external_id=complaint.external_id,
            docket=complaint.docket,
            canonical=canonical,
            canonical_docket=canonical_known.docket if canonical_known else complaint.docket,
            author_id=complaint.author.id,
            created_at=complaint.created_at,
        )
        self._insert(complaint.platform, complaint.external_id, complaint.text_normalized, known)

    def add_row(self, row: IndexRow, canonical_docket: str | None = None) -> None:
        known = Known(
            id=row.id,
            external_id=row.external_id,
            docket=row.docket,
            canonical=row.duplicate_of or row.id,
            canonical_docket=canonical_docket if row.duplicate_of else row.docket,
            author_id=row.author_id,
            created_at=row.created_at,
        )
        self._insert(row.platform, row.external_id, row.text_normalized, known)

    def _insert(self, platform: str, external_id: str, text_normalized: str | None, known: Known) -> None:
        self._by_external[(platform, external_id)] = known
        key = dedupe_key(text_normalized or "")
        if key:
            # the first (oldest) complaint with this text stays the one repeats link to
            self._by_text.setdefault((platform, known.author_id, key), known)
        self._authors.setdefault(known.canonical, set()).add(known.author_id)
        if known.canonical == known.id:
            self.near.add(known.id, self._signature(text_normalized), known.created_at.timestamp())
        heapq.heappush(self._expiry, (known.created_at, platform, external_id, known.author_id, key))
        self._ids[known.id] = known
        if self._newest is None or known.created_at > self._newest:
            self._newest = known.created_at

    def _find_id(self, complaint_id: str) -> Known | None:
        return self._ids.get(complaint_id)

    def prune(self, now: datetime | None = None) -> int:
        """Forget complaints created more than the window before the newest one seen (or
        before ``now``, if later); returns how many were dropped. Measuring from the newest
        post rather than the clock lets a replay of old posts dedupe like live traffic."""
        newest = self._newest if now is None or (self._newest and self._newest > now) else now
        if newest is None:
            return 0
        cutoff = newest - self.window
        self.near.prune(cutoff.timestamp())
        dropped = 0
        while self._expiry and self._expiry[0][0] < cutoff:
            _, platform, external_id, author_id, key = heapq.heappop(self._expiry)
            known = self._by_external.pop((platform, external_id), None)
            if known is None:
                continue
            dropped += 1
            if key and self._by_text.get((platform, author_id, key)) is known:
                del self._by_text[(platform, author_id, key)]
            self._ids.pop(known.id, None)
            if known.canonical == known.id:
                self._authors.pop(known.id, None)
        return dropped

    def rebuild(self, rows: Iterable[IndexRow]) -> int:
        """Load stored complaints (oldest first) into an empty index; returns the count."""
        count = 0
        for row in rows:
            canonical = self._ids.get(row.duplicate_of) if row.duplicate_of else None
            self.add_row(row, canonical.docket if canonical else None)
            count += 1
        return count

    def __post_init__(self) -> None:
        self._ids: dict[str, Known] = {}
        self._newest: datetime | None = None
        self._sig_cache: tuple[str | None, np.ndarray | None] = (None, None)
