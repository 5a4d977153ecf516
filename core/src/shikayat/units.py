"""The units directory: the force's hierarchy, handles, place-name aliases and SLA overrides.

A directory of YAML files (or one file), each describing one force::

    force: {id: up, name: {en: Uttar Pradesh Police, hi: उत्तर प्रदेश पुलिस}}
    units:
      - id: up-hq
        kind: state_hq
        name: {en: UP Police Headquarters, hi: उत्तर प्रदेश पुलिस मुख्यालय}
        parent: null
        handles: {twitter: [uppolice]}
        aliases: {en: [Uttar Pradesh], hi: [उत्तर प्रदेश], latn: [up]}
        sla: {critical: 15m}

Errors name the file, the unit and the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from shikayat._validation import problems as validation_problems
from shikayat.errors import ConfigError, ConfigProblem
from shikayat.types import Priority


class UnitKind(StrEnum):
    STATE_HQ = "state_hq"
    ZONE = "zone"
    RANGE = "range"
    COMMISSIONERATE = "commissionerate"
    DISTRICT = "district"
    ZONE_DCP = "zone_dcp"
    CIRCLE = "circle"
    POLICE_STATION = "police_station"
    CELL = "cell"
    DESK = "desk"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str | int | float) -> timedelta:
    """``"30m"``, ``"2h"``, ``"1d"``, ``"45s"`` or a number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value <= 0:
            raise ValueError("duration must be positive")
        return timedelta(seconds=value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
            if seconds > 0:
                return timedelta(seconds=seconds)
    raise ValueError(f"not a duration: {value!r} (use e.g. 30m, 2h, 1d)")


def _duration(value: Any) -> Any:
    return value if isinstance(value, timedelta) else parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]
"""A duration written as ``30m``, ``2h``, ``1d``, ``45s`` or seconds."""


class Names(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    en: str
    hi: str | None = None


class Aliases(BaseModel):
    """Place names that point at a unit.

    ``en``, ``hi`` (Devanagari) and ``latn`` (romanized Hindi) name the unit anywhere.
    ``common`` holds names many cities share (Civil Lines, Cantt, Sadar Bazar, GPO): they
    count only where the context already places the unit (a channel whose unit contains
    it, or a district the same text names). The same name under several units is shared.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    en: list[str] = []
    hi: list[str] = []
    latn: list[str] = []
    common: list[str] = []

    def all(self) -> Iterator[str]:
        """The names that count anywhere (not ``common``)."""
        yield from self.en
        yield from self.hi
        yield from self.latn


class Location(BaseModel):
    """A unit's approximate centre; ``radius_km`` bounds coordinate routing to it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float | None = Field(default=None, gt=0, le=500)


class Unit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: UnitKind
    name: Names
    parent: str | None = None
    handles: dict[str, list[str]] = {}
    example: bool = False
    aliases: Aliases = Aliases()
    location: Location | None = None
    sla: dict[Priority, Duration] = {}

    @field_validator("handles")
    @classmethod
    def _handles(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {p: [h.lstrip("@") for h in hs] for p, hs in value.items()}


class Force(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    name: Names
    state: Names | None = None


class _UnitsFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    force: Force
    units: list[Unit]


@dataclass
class UnitsDirectory:
    """Every unit of every force, with lookups by id, handle and alias."""

    units: dict[str, Unit] = field(default_factory=dict)
    forces: dict[str, Force] = field(default_factory=dict)
    force_of: dict[str, str] = field(default_factory=dict)
    _by_handle: dict[tuple[str, str], str] = field(default_factory=dict)
    _depth: dict[str, int] = field(default_factory=dict)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.units

    def __len__(self) -> int:
        return len(self.units)

    def get(self, unit_id: str) -> Unit | None:
        return self.units.get(unit_id)

    def by_handle(self, platform: str, handle: str) -> Unit | None:
        uid = self._by_handle.get((platform, handle.lstrip("@").lower()))
        return self.units[uid] if uid else None

    def depth(self, unit_id: str) -> int:
        """0 for a force's root; larger is more specific."""
        return self._depth[unit_id]

    def ancestors(self, unit_id: str) -> Iterator[Unit]:
        parent = self.units[unit_id].parent
        while parent:
            unit = self.units[parent]
            yield unit
            parent = unit.parent

    def triage_desk(self, force_id: str | None = None) -> Unit | None:
        """The force's desk unit (kind ``desk``): where nothing better is known."""
        for uid, unit in self.units.items():
            if unit.kind is UnitKind.DESK and (force_id is None or self.force_of[uid] == force_id):
                return unit
        return None

    def describe(self, unit_id: str) -> str:
        unit = self.units.get(unit_id)
        return unit.name.en if unit else unit_id

    def sla_for(self, unit_id: str | None, priority: Priority) -> timedelta | None:
        """The unit's own override for ``priority``, else the nearest ancestor's, else None."""
        if not unit_id or unit_id not in self.units:
            return None
        unit: Unit | None = self.units[unit_id]
        while unit is not None:
            if priority in unit.sla:
                return unit.sla[priority]
            unit = self.units.get(unit.parent) if unit.parent else None
        return None


def _add_file(directory: UnitsDirectory, data: _UnitsFile, source: str, problems: list[ConfigProblem]) -> None:
    force = data.force
    if force.id in directory.forces:
        problems.append(ConfigProblem(source, "force.id", f"force {force.id!r} is defined twice"))
        return
    directory.forces[force.id] = force
    ids = {u.id for u in data.units}
    roots = [u.id for u in data.units if u.parent is None]
    if len(roots) != 1:
        problems.append(ConfigProblem(source, "units", f"needs exactly one root unit (parent: null), found {len(roots)}: {', '.join(roots) or 'none'}"))
    for unit in data.units:
        where = f"units[{unit.id}]"
        if unit.id in directory.units:
            problems.append(ConfigProblem(source, f"{where}.id", "unit id is already used"))
            continue
        if unit.parent is not None and unit.parent not in ids:
            problems.append(ConfigProblem(source, f"{where}.parent", f"unknown unit {unit.parent!r}"))
        directory.units[unit.id] = unit
        directory.force_of[unit.id] = force.id
        for platform, handles in unit.handles.items():
            for handle in handles:
                key = (platform, handle.lower())
                if key in directory._by_handle:
                    problems.append(ConfigProblem(source, f"{where}.handles.{platform}", f"@{handle} already belongs to {directory._by_handle[key]}"))
                else:
                    directory._by_handle[key] = unit.id


def _compute_depths(directory: UnitsDirectory, problems: list[ConfigProblem]) -> None:
    for uid in directory.units:
        seen = {uid}
        depth = 0
        parent = directory.units[uid].parent
        while parent and parent in directory.units:
            if parent in seen:
                problems.append(ConfigProblem("units", f"units[{uid}].parent", "parent chain forms a cycle"))
                break
            seen.add(parent)
            depth += 1
            parent = directory.units[parent].parent
        directory._depth[uid] = depth


def _format_validation(source: str, exc: ValidationError, raw: Any) -> list[ConfigProblem]:
    def unit_loc(loc: Sequence[Any]) -> Sequence[Any]:
        if len(loc) >= 2 and loc[0] == "units" and isinstance(loc[1], int):
            try:
                uid = raw["units"][loc[1]].get("id", f"#{loc[1]}")
            except (KeyError, IndexError, TypeError, AttributeError):
                uid = f"#{loc[1]}"
            return [f"units[{uid}]", *loc[2:]]
        return loc

    return validation_problems(source, exc, unit_loc)


def load_units(path: Path | str) -> UnitsDirectory:
    """Load a units directory (every ``*.yaml``/``*.yml`` in it) or a single file."""
    path = Path(path)
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not files:
            raise ConfigError(ConfigProblem("units", "path", f"no .yaml files in {path}"))
    elif path.is_file():
        files = [path]
    else:
        raise ConfigError(ConfigProblem("units", "path", f"{path} does not exist"))
    directory = UnitsDirectory()
    problems: list[ConfigProblem] = []
    for file in files:
        source = file.name
        try:
            raw = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(ConfigProblem(source, "", f"cannot read: {exc}"))
            continue
        try:
            data = _UnitsFile.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_format_validation(source, exc, raw))
            continue
        _add_file(directory, data, source, problems)
    _compute_depths(directory, problems)
    if problems:
        raise ConfigError(problems)
    return directory


def sample_units_path() -> Path:
    """The sample directory shipped with Shikayat (UP, Rajasthan, Nagpur)."""
    return Path(str(resources.files("shikayat") / "data" / "units"))
