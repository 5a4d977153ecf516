"""What the decision hooks return, and the context they are given."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shikayat.taxonomy import Taxonomy, shipped_taxonomy
from shikayat.types import DuplicateReason, Language, Priority, RouteBasis

if TYPE_CHECKING:
    from shikayat.pipeline.cases import CaseBook, CaseDecision
    from shikayat.pipeline.dedupe import DedupeIndex
    from shikayat.platforms import Channel
    from shikayat.routing import RoutingRule
    from shikayat.units import UnitsDirectory


@dataclass(frozen=True)
class Duplicate:
    """``complaint`` repeats the stored complaint ``of`` (its internal id)."""

    of: str
    reason: DuplicateReason
    score: float = 1.0
    of_docket: str | None = None
    new_author: bool = False
    """True when the duplicate's author has not supported the canonical complaint before."""


@dataclass(frozen=True)
class Classification:
    category: str
    priority: Priority = Priority.NORMAL
    actionable: bool = True
    sensitive: bool = False
    reason: str = ""
    language: Language | None = None
    """The post's language as the classifier reads it, or None to keep the detected one."""


@dataclass(frozen=True)
class Route:
    unit: str
    reason: str
    """In words, e.g. 'tagged @lkopshazratganj_example → Hazratganj police station'."""
    basis: RouteBasis | None = None
    """What the unit was decided on; a place (:attr:`RouteBasis.PLACE`, or coordinates) lets
    other reports of one incident there join it (the ``join_incident`` hook)."""


@dataclass(frozen=True)
class SLAPolicy:
    """Time to answer by priority; units may override (see the units directory)."""

    by_priority: dict[Priority, timedelta] = field(
        default_factory=lambda: {
            Priority.CRITICAL: timedelta(minutes=30),
            Priority.HIGH: timedelta(hours=2),
            Priority.NORMAL: timedelta(hours=2),
            Priority.LOW: timedelta(hours=24),
        }
    )


@dataclass
class DecisionContext:
    """Given to the dedupe, classify, route and render hooks.

    ``channel`` is the receiving channel (None for a replayed post with no channel).
    ``index`` answers duplicate lookups without scanning the store.
    ``rules`` are the ``[routing]`` rules of the configuration, in order.
    ``taxonomy`` is the loaded complaint taxonomy (the shipped one, extended by the
    ``[classify]`` config section).
    """

    units: UnitsDirectory
    index: DedupeIndex
    now: datetime
    channel: Channel | None = None
    sla: SLAPolicy = field(default_factory=SLAPolicy)
    rules: tuple[RoutingRule, ...] = ()
    case: CaseDecision | None = None
    """For a post folded into a known case (``duplicate_of`` set by dedupe), that case's decisions."""
    cases: CaseBook | None = None
    """Every open case's decisions (the ``join_incident`` hook looks up cases placed in a unit)."""
    taxonomy: Taxonomy = field(default_factory=shipped_taxonomy)
