"""Default router: the most specific unit whose handle is tagged, else the receiving
channel's unit, else the force's triage desk."""

from __future__ import annotations

from shikayat.complaint import Complaint
from shikayat.decisions import DecisionContext, Route
from shikayat.hookspecs import hookimpl


@hookimpl
def route_complaint(complaint: Complaint, context: DecisionContext) -> Route | None:
    units = context.units
    best = None
    best_handle = ""
    for handle in complaint.mentions:
        unit = units.by_handle(complaint.platform, handle)
        if unit is not None and (best is None or units.depth(unit.id) > units.depth(best.id)):
            best, best_handle = unit, handle
    if best is not None:
        return Route(best.id, f"tagged @{best_handle} → {best.name.en}")
    channel = context.channel
    if channel is not None and channel.unit and channel.unit in units:
        return Route(channel.unit, f"received on channel {channel.name} → {units.describe(channel.unit)}")
    force = units.force_of.get(channel.unit) if channel is not None and channel.unit else None
    desk = units.triage_desk(force)
    if desk is not None:
        return Route(desk.id, f"no tagged unit or channel unit → {desk.name.en}")
    return None
