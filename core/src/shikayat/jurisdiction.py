"""Which unit the place names in a complaint point at, or why they cannot say.

The alias index (:mod:`shikayat.places`) finds the names; this module weighs them:

1. A name several units share is narrowed by context, strongest first: units inside the
   receiving channel's force; units inside a district the same text names unambiguously
   (``Civil Lines … Kanpur``); units inside the channel's own unit when that is a district,
   commissionerate or below (``Cantt`` on the Lucknow channel).
2. ``common`` names (Cantt, Sadar Bazar, Civil Lines, GPO…) count only for units the context
   places in this way; elsewhere they are ignored.
3. What remains: one unit per name. Names of a unit and of a place inside it (``Hazratganj,
   Lucknow``) keep the most specific. Several units left: their nearest common unit if that is
   a district or below (two stations of one city → the commissionerate); otherwise, or when a
   name still means more than one unit, the verdict is *ambiguous* and the complaint goes to
   triage — never a guess.

Words around a name (:class:`shikayat.places.PlaceMatch`) adjust this:

* a district's name in a road's name (``Kanpur Road``, ``Lucknow-Kanpur highway``) does not
  place the complaint in that district: the other names decide; with none, on a channel of a
  city the road is that city's (the channel's unit), elsewhere the road's names are weighed as
  usual;
* next to a police-station word (``thana Chowk``, ``चौक थाने``) a ``common`` name of a police
  station counts as plainly as its full name, and a name several units share prefers the station;
* right after another name (``Hazratganj chowk``), a ``common`` name only describes that place;
* on a city's channel, places named below the city win over places outside it;
* a ``common`` name that nothing places (``Civil Lines`` with no city, on a state's channel) is
  ambiguous (``unplaced``): the coordinates or the triage desk decide, not the channel's unit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from shikayat.places import PlaceMatch
from shikayat.units import UnitKind, UnitsDirectory


@dataclass(frozen=True)
class Scope:
    """What the receiving channel tells about the complaint's whereabouts."""

    force: str | None = None
    unit: str | None = None
    """The channel's unit when it is a district, commissionerate or below (it places names)."""

    @classmethod
    def of_channel(cls, units: UnitsDirectory, unit_id: str | None) -> Scope:
        if not unit_id or unit_id not in units:
            return cls()
        local = unit_id if units.district_of(unit_id) is not None else None
        return cls(force=units.force_of[unit_id], unit=local)


@dataclass(frozen=True)
class Verdict:
    """``unit`` when the places agree on one; else ``ambiguous`` lists the rival units."""

    surfaces: tuple[str, ...]
    unit: str | None = None
    ambiguous: tuple[str, ...] = ()
    force: str | None = None
    """The force whose triage desk takes an ambiguous complaint, when one is implied."""
    shared: bool = False
    """Ambiguous because one name means several units (not several names, several places)."""
    unplaced: bool = False
    """Only ``common`` names that nothing places (which city's Civil Lines?)."""


def resolve(units: UnitsDirectory, matches: list[PlaceMatch], scope: Scope) -> Verdict | None:
    """Weigh the place names found in one complaint. None: no name counts."""
    roads: list[PlaceMatch] = []
    rest: list[PlaceMatch] = []
    for match in matches:
        if match.road:
            below = tuple(e for e in match.entries if not _district_or_above(units, e.unit))
            if not below:
                roads.append(match)
                continue
            match = replace(match, entries=below)
        rest.append(match)
    verdict = _weigh(units, rest, scope)
    if not roads or scope.unit is not None or (verdict is not None and not verdict.unplaced):
        return verdict
    return _weigh(units, sorted([*rest, *roads], key=lambda m: m.start), scope) or verdict


def _district_or_above(units: UnitsDirectory, unit_id: str) -> bool:
    district = units.district_of(unit_id)
    return district is None or district == unit_id


def _weigh(units: UnitsDirectory, matches: list[PlaceMatch], scope: Scope) -> Verdict | None:
    if not matches:
        return None
    # 1. plain candidates of each name, inside the channel's force when any is
    plain: list[list[str]] = []
    for match in matches:
        cands = [e.unit for e in match.entries if not e.common or (match.station and _is_station(units, e.unit))]
        if match.station and len(cands) > 1:
            cands = [c for c in cands if _is_station(units, c)] or cands
        if scope.force is not None and len(cands) > 1:
            own = [c for c in cands if units.force_of[c] == scope.force]
            cands = own or cands
        plain.append(cands)
    anchors = {d for cands in plain if len(cands) == 1 and (d := units.district_of(cands[0])) is not None}

    def placed(unit_id: str, by: str) -> bool:
        if by == "anchor":
            return any(units.within(unit_id, a) for a in anchors)
        return scope.unit is not None and units.within(unit_id, scope.unit)

    kept: list[tuple[PlaceMatch, list[str]]] = []
    unplaced: list[tuple[PlaceMatch, list[str]]] = []
    for match, cands in zip(matches, plain, strict=True):
        common = [e.unit for e in match.entries if e.common and e.unit not in cands and not match.qualifies]
        pool = cands + [c for c in common if placed(c, "anchor") or placed(c, "channel")]
        for by in ("anchor", "channel"):
            if len(pool) > 1:
                narrowed = [c for c in pool if placed(c, by)]
                pool = narrowed or pool
        if pool:
            kept.append((match, list(dict.fromkeys(pool))))
        elif any(e.common and not e.local and e.unit in common for e in match.entries):
            unplaced.append((match, common))
    if not kept:
        if not unplaced:
            return None
        names = tuple(dict.fromkeys(m.surface for m, _ in unplaced))
        rivals = list(dict.fromkeys(u for _, pool in unplaced for u in pool))
        return Verdict(names, ambiguous=tuple(rivals), force=_one_force(units, rivals, scope),
                       shared=True, unplaced=True)
    surfaces = tuple(dict.fromkeys(m.surface for m, _ in kept))

    rivals = next((pool for _, pool in kept if len(pool) > 1), None)
    if rivals is not None:
        return Verdict(surfaces, ambiguous=tuple(rivals), force=_one_force(units, rivals, scope), shared=True)
    named = list(dict.fromkeys(pool[0] for _, pool in kept))
    specific = [u for u in named if not any(v != u and units.within(v, u) for v in named)]
    if len(specific) == 1:
        return Verdict(surfaces, unit=specific[0])
    common_unit = _nearest_common(units, specific)
    if common_unit is not None and units.district_of(common_unit) is not None:
        return Verdict(surfaces, unit=common_unit)
    local = _local(units, specific, scope)
    if local is not None:
        return Verdict(surfaces, unit=local)
    return Verdict(surfaces, ambiguous=tuple(specific), force=_one_force(units, specific, scope))


def _local(units: UnitsDirectory, unit_ids: list[str], scope: Scope) -> str | None:
    """On a city's channel, the places named inside the city when they lie below it (the
    others are mentioned in passing: ``PGI thana … while we were in Kanpur``)."""
    if scope.unit is None:
        return None
    inside = [u for u in unit_ids if units.within(u, scope.unit)]
    if not inside or len(inside) == len(unit_ids) or any(units.district_of(u) == u for u in inside):
        return None
    common_unit = _nearest_common(units, inside)
    return common_unit if common_unit is not None and units.district_of(common_unit) is not None else None


def _is_station(units: UnitsDirectory, unit_id: str) -> bool:
    return units.units[unit_id].kind is UnitKind.POLICE_STATION


def _nearest_common(units: UnitsDirectory, unit_ids: list[str]) -> str | None:
    chains = [[uid, *(u.id for u in units.ancestors(uid))] for uid in unit_ids]
    shared = set(chains[0]).intersection(*chains[1:])
    return next((uid for uid in chains[0] if uid in shared), None)


def _one_force(units: UnitsDirectory, unit_ids: list[str], scope: Scope) -> str | None:
    if scope.force is not None:
        return scope.force
    forces = {units.force_of[u] for u in unit_ids}
    return forces.pop() if len(forces) == 1 else None


def labels(units: UnitsDirectory, unit_ids: tuple[str, ...] | list[str]) -> list[str]:
    """Unit names for a reason, sorted; same-named units get their state (or district) added."""
    names = [units.describe(u) for u in unit_ids]
    out = []
    for uid, name in zip(unit_ids, names, strict=True):
        if names.count(name) > 1:
            out.append(f"{name} ({_qualifier(units, uid)})")
        else:
            out.append(name)
    return sorted(out)


def _qualifier(units: UnitsDirectory, unit_id: str) -> str:
    district = units.district_of(unit_id)
    if district is not None and district != unit_id:
        return units.describe(district)
    force = units.forces[units.force_of[unit_id]]
    return (force.state or force.name).en


def join_words(items: list[str], last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (or ``a, b or c``)."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"
