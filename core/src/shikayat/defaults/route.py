"""Default router: who owns a complaint, decided in this order.

1. ``[routing]`` rules (category, optionally platform / channel / force);
2. the most specific unit whose handle is tagged (the receiving account's own unit and its
   seniors are only being addressed, so their tags do not count); a place named in the text
   inside the tagged unit refines it;
3. place names in the text (:mod:`shikayat.jurisdiction`); ambiguity goes to triage;
4. the post's coordinates: the most specific unit whose centre is near enough;
5. the receiving channel's unit, unless the text names a place that nothing placed (``Civil
   Lines`` with no city): then triage; 6. the force's triage desk.

A post folded into a known case goes to the case's unit, unless the case sits at a desk (then
the post is routed on its own: it may say more than the case's first post).

Every answer carries its reason in words.
"""

from __future__ import annotations

from shikayat.complaint import Complaint
from shikayat.decisions import DecisionContext, Route
from shikayat.hookspecs import hookimpl
from shikayat.jurisdiction import Scope, Verdict, join_words, labels, resolve
from shikayat.pipeline.cases import case_route, needs_own_route
from shikayat.textnorm import normalize_text
from shikayat.types import RouteBasis
from shikayat.units import Unit, UnitsDirectory


@hookimpl
def route_complaint(complaint: Complaint, context: DecisionContext) -> Route | None:
    units = context.units
    case = context.case
    if case is not None and not needs_own_route(case, units):
        return case_route(case, units)              # a post folded into a case goes where the case went
    channel = context.channel
    channel_unit = channel.unit if channel is not None and channel.unit in units else None
    scope = Scope.of_channel(units, channel_unit)

    for rule in context.rules:
        if rule.matches(complaint.category, complaint.platform, complaint.channel, scope.force):
            return Route(rule.unit, f"rule: category {rule.category} → {units.describe(rule.unit)}", RouteBasis.RULE)

    text = complaint.text_normalized if complaint.text_normalized is not None else normalize_text(complaint.text)
    verdict = resolve(units, units.places.find(text), scope) if text else None

    tagged = _tagged(complaint, units, channel_unit)
    if tagged is not None:
        unit, handle = tagged
        said = f"tagged @{handle}"
        if (verdict is not None and verdict.unit is not None and verdict.unit != unit.id
                and units.within(verdict.unit, unit.id)):
            named = join_words(list(verdict.surfaces))
            return Route(verdict.unit, f"{said}, text names {named} → {units.describe(verdict.unit)}",
                         RouteBasis.PLACE)
        return Route(unit.id, f"{said} → {unit.name.en}", RouteBasis.TAG)

    if verdict is not None and not verdict.unplaced:
        route = _place_route(units, verdict, scope)
        if route is not None:
            return route

    location = complaint.location
    if location is not None and location.latitude is not None and location.longitude is not None:
        found = units.located(location.latitude, location.longitude)
        if found is not None:
            unit, km = found
            return Route(unit.id, f"coordinates {location.latitude:.4f},{location.longitude:.4f} "
                                  f"are {km:.1f} km from the centre of {unit.name.en} → {unit.name.en}", RouteBasis.COORDINATES)

    if verdict is not None and verdict.unplaced:
        route = _place_route(units, verdict, scope)
        if route is not None:
            return route
    if case is not None and case.unit is not None:
        return case_route(case, units)              # the post says no more than its case: it stays there
    if channel is not None and channel_unit is not None:
        return Route(channel_unit, f"received on channel {channel.name} → {units.describe(channel_unit)}",
                     RouteBasis.CHANNEL)
    desk = units.triage_desk(scope.force)
    if desk is not None:
        return Route(desk.id, f"no rule, tag, place or channel unit → {desk.name.en}", RouteBasis.DESK)
    return None


def _tagged(complaint: Complaint, units: UnitsDirectory, channel_unit: str | None) -> tuple[Unit, str] | None:
    addressed = {channel_unit, *(u.id for u in units.ancestors(channel_unit))} if channel_unit else set()
    best: tuple[Unit, str] | None = None
    for handle in complaint.mentions:
        unit = units.by_handle(complaint.platform, handle)
        if unit is None or unit.id in addressed:
            continue
        if best is None or units.depth(unit.id) > units.depth(best[0].id):
            best = (unit, handle.lstrip("@"))
    return best


def _place_route(units: UnitsDirectory, verdict: Verdict, scope: Scope) -> Route | None:
    named = join_words(list(verdict.surfaces))
    if verdict.unit is not None:
        return Route(verdict.unit, f"text names {named} → {units.describe(verdict.unit)}", RouteBasis.PLACE)
    desk = units.triage_desk(verdict.force or scope.force)
    if desk is None:
        return None
    if verdict.unplaced:
        return Route(desk.id, f"ambiguous: text names {named}, which no other name places → triage ({desk.name.en})",
                         RouteBasis.DESK)
    rivals = join_words(labels(units, verdict.ambiguous), "or" if verdict.shared else "and")
    return Route(desk.id, f"ambiguous: text names {named}: {rivals} → triage ({desk.name.en})", RouteBasis.DESK)
