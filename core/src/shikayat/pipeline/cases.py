"""What each open case decided, so that the posts folded into it join its decisions.

A duplicate is a post about a case that already exists: it supports that case rather than
opening another, so it carries the case's category, priority and unit. Its own reading still
counts where it adds something: a follow-up that says a life is in danger raises the priority,
a sensitive detail marks it sensitive, and a post about a case that had no category or was sent
to a triage desk may be more specific than the case's first post.

Cases placed by the text (or coordinates) are also listed by category and unit, so that another
report of the same incident there — a crash, a fire, a riot seen by many, in other words or
another language — finds its case (:func:`shikayat.defaults.dedupe.join_incident`).

Kept in memory beside the dedupe index, bounded by the same window and rebuilt from the store
with it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from shikayat.decisions import Classification, Route
from shikayat.store import IndexRow
from shikayat.types import Priority, RouteBasis

PLACED = frozenset({RouteBasis.PLACE, RouteBasis.COORDINATES})
"""Route bases that say where an incident happened (a tag or a channel says only who was told)."""
from shikayat.units import UnitKind, UnitsDirectory

UNCATEGORISED = "uncategorised"


@dataclass(frozen=True, slots=True)
class CaseDecision:
    docket: str | None
    category: str
    priority: Priority
    actionable: bool
    sensitive: bool
    unit: str | None
    unit_basis: RouteBasis | None = None


class CaseBook:
    """Decisions of canonical complaints, by complaint id, for the last ``window``."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._cases: dict[str, CaseDecision] = {}
        self._order: deque[tuple[datetime, str]] = deque()
        self._newest: datetime | None = None
        self._placed: dict[tuple[str, str], deque[tuple[datetime, str]]] = {}

    def __len__(self) -> int:
        return len(self._cases)

    def get(self, complaint_id: str) -> CaseDecision | None:
        return self._cases.get(complaint_id)

    def remember(self, complaint_id: str, created_at: datetime, decision: CaseDecision) -> None:
        if complaint_id not in self._cases:
            self._order.append((created_at, complaint_id))
            if decision.unit is not None and decision.unit_basis in PLACED:
                self._placed.setdefault((decision.category, decision.unit), deque()).append((created_at, complaint_id))
        self._cases[complaint_id] = decision
        if self._newest is None or created_at > self._newest:
            self._newest = created_at

    def remember_row(self, row: IndexRow) -> None:
        """Load a stored complaint (the rebuild on start); duplicates are not cases."""
        if row.duplicate_of is None and row.category is not None and row.priority is not None:
            self.remember(row.id, row.created_at, CaseDecision(
                row.docket, row.category, Priority(row.priority), row.actionable, row.sensitive, row.unit,
                RouteBasis(row.unit_basis) if row.unit_basis else None))

    def placed(self, category: str, unit: str, since: datetime) -> list[str]:
        """Cases of ``category`` placed in ``unit`` opened at or after ``since``, newest first."""
        listed = self._placed.get((category, unit))
        if not listed:
            return []
        out = []
        for created_at, cid in reversed(listed):
            if created_at < since:
                break
            if cid in self._cases:
                out.append(cid)
        return out

    def prune(self) -> int:
        """Forget cases opened more than the window before the newest post seen."""
        if self._newest is None:
            return 0
        cutoff = self._newest - self.window
        dropped = 0
        while self._order and self._order[0][0] < cutoff:
            _, cid = self._order.popleft()
            decision = self._cases.pop(cid, None)
            if decision is not None:
                dropped += 1
                self._unplace(cid, decision)
        return dropped


    def _unplace(self, cid: str, decision: CaseDecision) -> None:
        key = (decision.category, decision.unit or "")
        listed = self._placed.get(key)
        if not listed:
            return
        if listed[0][1] == cid:                     # the oldest: pruning goes in time order
            listed.popleft()
        else:
            for entry in listed:
                if entry[1] == cid:
                    listed.remove(entry)
                    break
        if not listed:
            del self._placed[key]


def join_case(case: CaseDecision, own: Classification) -> Classification:
    """A duplicate's classification: its case's, raised or refined by what the post itself says."""
    category = case.category
    if (own.actionable and own.category != UNCATEGORISED
            and (category == UNCATEGORISED or not case.actionable)):
        category = own.category
    priority = own.priority if own.priority.rank < case.priority.rank else case.priority
    reason = f"joins case {case.docket}: {case.category}"
    if category != case.category:
        reason += f", refined by the post: {own.reason}"
    elif priority is not case.priority:
        reason += f"; the post raises it: {own.reason}"
    return Classification(category=category, priority=priority,
                          actionable=case.actionable or own.actionable,
                          sensitive=case.sensitive or own.sensitive, reason=reason, language=own.language)


def needs_own_route(case: CaseDecision, units: UnitsDirectory) -> bool:
    """Whether a duplicate should be routed on its own: its case has no unit or sits at a desk."""
    unit = units.get(case.unit) if case.unit else None
    return unit is None or unit.kind is UnitKind.DESK


def case_route(case: CaseDecision, units: UnitsDirectory) -> Route | None:
    if case.unit is None:
        return None
    return Route(case.unit, f"joins case {case.docket} → {units.describe(case.unit)}", RouteBasis.CASE)
