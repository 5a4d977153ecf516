"""The units directory: the force's hierarchy, handles, place-name aliases and SLA overrides.

A directory of YAML files (or one file), each describing one force::

    force: {id: up, name: {en: Uttar Pradesh Police, hi: उत्तर प्रदेश पुलिस}}
    units:
      - id: up-hq
        kind: state_hq
        name: {en: UP Police Headquarters, hi: उत्तर प्रदेश पुलिस मुख्यालय}
        parent: null
        handles: {twitter: [uppolice]}
        sla: {critical: 15m}
      - id: up-lko-ps-hazratganj
        kind: police_station
        name: {en: Hazratganj police station, hi: थाना हज़रतगंज}
        parent: up-lko-central
        handles: {twitter: [lkopshazratganj_example]}
        example: true            # the handle is invented
        aliases: {en: [Hazratganj], hi: [हज़रतगंज, हजरतगंज], latn: [hajratganj], common: [GPO]}
        location: {lat: 26.85, lon: 80.946, radius_km: 1.5}

Aliases are indexed once at load (:mod:`shikayat.places`); ``common`` names (GPO, Cantt,
Civil Lines…) and ``local`` ones (Chowk, Sadar: ordinary words elsewhere) count only where
the context places the unit. ``location`` is an approximate centre for posts with
coordinates; ``radius_km`` defaults by kind (district 60 km, police station 1.5 km). Errors name the file, the unit and the key.
"""

from __future__ import annotations

import math
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
from shikayat.places import PlaceIndex, build_index, place_key
from shikayat.types import Priority

_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DISTRICT_LEVEL = frozenset({"district", "commissionerate"})
_DEFAULT_RADIUS_KM = {"district": 60.0, "commissionerate": 40.0, "zone_dcp": 10.0, "circle": 8.0,
                      "police_station": 1.5}
_EARTH_KM = 6371.0


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
    it, or a district the same text names); named where nothing places them (``Civil Lines``
    on a state's channel) they make the place ambiguous. ``local`` names are ordinary words
    outside the unit's city (Chowk, Sadar, Polytechnic): they count like ``common`` ones but
    say nothing where nothing places them. The same name under several units is shared.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    en: list[str] = []
    hi: list[str] = []
    latn: list[str] = []
    common: list[str] = []
    local: list[str] = []

    def all(self) -> Iterator[str]:
        """The names that count anywhere (not ``common`` or ``local``)."""
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
    places: PlaceIndex = field(default_factory=PlaceIndex)
    _by_handle: dict[tuple[str, str], str] = field(default_factory=dict)
    _depth: dict[str, int] = field(default_factory=dict)
    _district: dict[str, str | None] = field(default_factory=dict)

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

    def within(self, unit_id: str, ancestor_id: str) -> bool:
        """True when ``unit_id`` is ``ancestor_id`` or lies under it."""
        if unit_id == ancestor_id:
            return True
        return any(u.id == ancestor_id for u in self.ancestors(unit_id))

    def district_of(self, unit_id: str) -> str | None:
        """The district or commissionerate ``unit_id`` is (or lies in); None above that level."""
        if unit_id not in self._district:
            found = None
            for unit in (self.units[unit_id], *self.ancestors(unit_id)):
                if unit.kind.value in _DISTRICT_LEVEL:
                    found = unit.id
                    break
            self._district[unit_id] = found
        return self._district[unit_id]

    def located(self, lat: float, lon: float) -> tuple[Unit, float] | None:
        """The unit whose centre is within its radius of the point, and the distance in km:
        a unit below district level first, then a district, then anything else; the nearest
        among those. None if no unit is near enough."""
        best: tuple[int, float, Unit] | None = None
        for unit in self.units.values():
            loc = unit.location
            if loc is None:
                continue
            km = _haversine_km(lat, lon, loc.lat, loc.lon)
            radius = loc.radius_km or _DEFAULT_RADIUS_KM.get(unit.kind.value, 0.0)
            if km > radius:
                continue
            district = self.district_of(unit.id)
            level = 2 if district is None else (1 if district == unit.id else 0)
            if best is None or (level, km) < best[:2]:
                best = (level, km, unit)
        return (best[2], best[1]) if best else None

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


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


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
        for script in ("en", "hi", "latn", "common", "local"):
            for name in getattr(unit.aliases, script):
                if not place_key(name):
                    problems.append(ConfigProblem(source, f"{where}.aliases.{script}", f"{name!r} has no letters to match"))
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
            raw = yaml.load(file.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # a safe loader
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
    directory.places = build_index((u.id, u.aliases.all(), u.aliases.common, u.aliases.local)
                                   for u in directory.units.values())
    return directory


def sample_units_path() -> Path:
    """The sample directory shipped with Shikayat (UP, Rajasthan, Nagpur)."""
    return Path(str(resources.files("shikayat") / "data" / "units"))
