"""The configuration file: one TOML file, validated all at once.

::

    [storage]
    url = "sqlite:///shikayat.db"      # relative SQLite paths are relative to this file

    [units]
    path = "units"                     # a directory of YAML files; default: the shipped sample

    [daemon]
    host = "127.0.0.1"
    port = 8787

    [sla]                              # time to answer by priority (default 2h; critical 30m)
    critical = "30m"

    [routing]                          # category rules, before tags and place names
    rules = [{category = "cyber_fraud", unit = "up-cyber-cell", force = "up"}]
    [classify]
    taxonomy = ["our-categories.yaml"] # files extending the shipped taxonomy (relative to this file)
    training = ["our-examples.txt"]    # labelled examples the classifier learns from (shikayat.training)
    [dedupe]                           # when posts fold into one case (see DedupeConfig)
    window = "7d"

    [channels.up_police_x]
    platform = "twitter"
    enabled = true
    unit = "up-hq"
    bearer_token = "env:X_BEARER_TOKEN"   # secrets: env:NAME or file:PATH, never inline
    user_id = "1000000000000000001"

Every problem is reported as one line naming the section, the key and what is wrong.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shikayat._validation import problems as validation_problems
from shikayat.decisions import SLAPolicy
from shikayat.errors import ConfigError, ConfigProblem
from shikayat.platforms import Channel
from shikayat.routing import RoutingConfig, load_routing
from shikayat.taxonomy import Taxonomy, load_taxonomy, shipped_taxonomy
from shikayat.training import load_examples
from shikayat.types import Priority
from shikayat.units import Duration, UnitsDirectory, load_units, parse_duration, sample_units_path

_KNOWN_SECTIONS = ("storage", "units", "daemon", "sla", "dedupe", "classify", "routing", "channels")


class StorageConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    url: str = Field(description="SQLAlchemy database URL (sqlite:///file.db or postgresql://…)")


class UnitsConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    path: Path | None = Field(default=None, description="Units directory or file")


DEFAULT_CONFIRM_SECONDS = 120.0
"""``[daemon] reply_confirm_seconds``: see :mod:`shikayat.pipeline.reply`."""


class DaemonConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    host: str = "127.0.0.1"
    port: int = Field(default=8787, ge=0, le=65535)
    batch_size: int = Field(default=200, ge=1, le=5000)
    lease_seconds: float = Field(default=60.0, gt=0)
    idle_sleep: float = Field(default=0.5, gt=0, description="Seconds a worker waits when idle")
    docket_prefix: str = Field(default="SK", pattern=r"^[A-Z]{1,6}$")
    max_reply_attempts: int = Field(default=8, ge=1)
    reply_confirm_seconds: float = Field(default=DEFAULT_CONFIRM_SECONDS, ge=0, le=86400, description=(
        "After an attempt whose outcome was lost, how long a reply that cannot be looked up on the "
        "platform waits for the platform to report it sent before it is sent again"))
    shutdown_grace: float = Field(default=20.0, gt=0)


class ClassifyConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    taxonomy: list[Path] = Field(default=[], description="Taxonomy files extending the shipped one")
    training: list[Path] = Field(default=[], description="Training example files added to the shipped ones")

    @field_validator("taxonomy", "training", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


SPECIFIC_KINDS = ("vehicle", "phone", "fir", "number", "date", "time", "name")


class DedupeConfig(BaseModel):
    """When posts fold into one case (``[dedupe]``). Similarities are estimated Jaccard
    similarities of the normalized texts' character 5-grams (0 to 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    window: Duration = Field(default=timedelta(days=7),
                             description="How long a case gathers repeats; the index forgets older posts")
    others_window: Duration = Field(default=timedelta(days=7),
                                    description="Near-duplicates by different authors: at most this far apart")
    same_author_similarity: float = Field(default=0.5, gt=0, le=1, description=(
        "An edited repeat by the same author: similarity, or the share of the shorter post found in the longer"))
    others_similarity: float = Field(default=0.6, gt=0, le=1,
                                     description="A copy-paste by a different author: similarity at least this")
    follow_up_window: Duration = Field(default=timedelta(days=3), description=(
        "The same author's later post in other words (a follow-up) joins their case at most this far apart"))
    follow_up_words: int = Field(default=2, ge=1, description=(
        "A follow-up in other words: content words (places, objects) it must share with the earlier post, "
        "unless it shares a specific or reads as a follow-up (\"still\", \"again\", \"abhi tak\")"))
    thread_words: int = Field(default=16, ge=1, description=(
        "A reply or quote with at least this many words of its own may be a complaint of its own"))
    thread_similarity: float = Field(default=0.3, gt=0, le=1, description=(
        "A reply or quote that long stays in the original's case when at least this similar to it"))
    guards: tuple[str, ...] = Field(default=SPECIFIC_KINDS, description=(
        "Specifics that keep look-alike posts apart when they differ"))
    handle_platforms: tuple[str, ...] = Field(default=(), description=(
        "Platforms whose handles name one person across them (same handle = same author)"))

    @field_validator("guards")
    @classmethod
    def _known_guards(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [g for g in value if g not in SPECIFIC_KINDS]
        if unknown:
            raise ValueError(f"unknown guard(s) {', '.join(map(repr, unknown))} (known: {', '.join(SPECIFIC_KINDS)})")
        return value


@dataclass
class Config:
    storage: StorageConfig
    units: UnitsDirectory
    daemon: DaemonConfig
    sla: SLAPolicy
    channels: dict[str, Channel] = field(default_factory=dict)
    path: Path | None = None
    routing: RoutingConfig = field(default_factory=RoutingConfig)
    taxonomy: Taxonomy = field(default_factory=shipped_taxonomy)
    dedupe: DedupeConfig = field(default_factory=DedupeConfig)

    @property
    def enabled_channels(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.settings.enabled]


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _problems_from(section: str, exc: ValidationError) -> list[ConfigProblem]:
    return validation_problems(section, exc)


def _resolve_sqlite(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////"):
        rest = url[len(prefix):]
        if rest and not rest.startswith(":memory:") and not Path(rest).is_absolute():
            return prefix + str((base / rest).resolve())
    return url


def load_config(path: Path | str, plugins: Any) -> Config:
    """Read, validate and resolve a config file. Raises ConfigError listing every problem.

    ``plugins`` is the loaded :class:`~shikayat.plugins.Plugins` (platform settings models).
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(ConfigProblem("", "", f"cannot read {path}: {exc.strerror or exc}")) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(ConfigProblem("", "", f"{path} is not valid TOML: {exc}")) from None
    return build_config(raw, plugins, base=path.resolve().parent, path=path)


def build_config(raw: dict[str, Any], plugins: Any, *, base: Path, path: Path | None = None) -> Config:
    problems: list[ConfigProblem] = []
    for key in raw:
        if key not in _KNOWN_SECTIONS:
            problems.append(ConfigProblem(key, "", f"unknown section (known: {', '.join(_KNOWN_SECTIONS)})"))

    storage: StorageConfig | None = None
    if "storage" not in raw:
        problems.append(ConfigProblem("storage", "url", "section [storage] with a database url is required"))
    else:
        try:
            storage = StorageConfig.model_validate(raw["storage"])
            storage = StorageConfig(url=_resolve_sqlite(storage.url, base))
        except ValidationError as exc:
            problems += _problems_from("storage", exc)

    daemon = DaemonConfig()
    raw_daemon = raw.get("daemon", {})
    if isinstance(raw_daemon, dict) and "dedupe_window" in raw_daemon:
        problems.append(ConfigProblem("daemon", "dedupe_window", "moved: write it as [dedupe] window"))
        raw_daemon = {k: v for k, v in raw_daemon.items() if k != "dedupe_window"}
    try:
        daemon = DaemonConfig.model_validate(raw_daemon)
    except ValidationError as exc:
        problems += _problems_from("daemon", exc)

    dedupe = DedupeConfig()
    try:
        dedupe = DedupeConfig.model_validate(raw.get("dedupe", {}))
        # follow_up_window's default is cut to a shorter window; a value set longer is a mistake
        for key in ("others_window", *(("follow_up_window",) if "follow_up_window" in dedupe.model_fields_set else ())):
            if getattr(dedupe, key) > dedupe.window:
                problems.append(ConfigProblem("dedupe", key, f"must not be longer than window ({_duration(dedupe.window)})"))
        known = ", ".join(sorted(plugins.platforms)) or "none"
        problems += [ConfigProblem("dedupe", "handle_platforms", f"no installed plugin provides {name!r} (installed: {known})")
                     for name in dedupe.handle_platforms if name not in plugins.platforms]
    except ValidationError as exc:
        problems += _problems_from("dedupe", exc)

    sla = SLAPolicy()
    for key, value in (raw.get("sla") or {}).items():
        try:
            sla.by_priority[Priority(key)] = parse_duration(value)
        except ValueError as exc:
            problems.append(ConfigProblem("sla", key, str(exc) if key in Priority.__members__.values() else
                                          f"unknown priority (use {', '.join(p.value for p in Priority)})"))

    units = UnitsDirectory()
    try:
        units_cfg = UnitsConfig.model_validate(raw.get("units", {}))
        units_path = units_cfg.path
        units_path = sample_units_path() if units_path is None else (base / units_path)
        units = load_units(units_path)
    except ValidationError as exc:
        problems += _problems_from("units", exc)
    except ConfigError as exc:
        problems += [ConfigProblem(f"units: {p.section}" if p.section != "units" else "units", p.key, p.problem)
                     for p in exc.problems]

    taxonomy, taxonomy_problems = _taxonomy(raw.get("classify", {}), base)
    problems += taxonomy_problems

    channels: dict[str, Channel] = {}
    raw_channels = raw.get("channels", {})
    if not isinstance(raw_channels, dict):
        problems.append(ConfigProblem("channels", "", "must be a table of [channels.NAME] sections"))
        raw_channels = {}
    for name, section in raw_channels.items():
        sec = f"channels.{name}"
        if not isinstance(section, dict):
            problems.append(ConfigProblem(sec, "", "must be a table"))
            continue
        platform_name = section.get("platform")
        if not platform_name:
            problems.append(ConfigProblem(sec, "platform", "required key is missing"))
            continue
        platform = plugins.platforms.get(platform_name)
        if platform is None:
            known = ", ".join(sorted(plugins.platforms)) or "none"
            problems.append(ConfigProblem(sec, "platform", f"no installed plugin provides {platform_name!r} (installed: {known})"))
            continue
        if section.get("enabled", True) is False:
            # A disabled channel is validated only for its shape: its secrets may be absent.
            channels[name] = Channel(name, platform_name, _lenient(platform.settings_model, section))
            continue
        try:
            settings = platform.settings_model.model_validate(section)
        except ValidationError as exc:
            problems += _problems_from(sec, exc)
            continue
        if settings.unit is not None and units.units and settings.unit not in units:
            problems.append(ConfigProblem(sec, "unit", f"unknown unit {settings.unit!r} (not in the units directory)"))
        channels[name] = Channel(name, platform_name, settings)

    routing, routing_problems = load_routing(raw.get("routing"), units, set(raw_channels), set(plugins.platforms))
    problems += routing_problems

    if problems or storage is None:
        raise ConfigError(problems)
    return Config(storage=storage, units=units, daemon=daemon, sla=sla, channels=channels, path=path,
                  routing=routing, taxonomy=taxonomy, dedupe=dedupe)


def _taxonomy(section: Any, base: Path) -> tuple[Taxonomy, list[ConfigProblem]]:
    """The ``[classify]`` section: the shipped taxonomy extended by the listed files."""
    try:
        cfg = ClassifyConfig.model_validate(section)
    except ValidationError as exc:
        return shipped_taxonomy(), _problems_from("classify", exc)
    files = [base / p for p in cfg.taxonomy]
    training = [base / p for p in cfg.training]
    missing = [ConfigProblem("classify", key, f"{f} does not exist")
               for key, group in (("taxonomy", files), ("training", training)) for f in group if not f.is_file()]
    if missing:
        return shipped_taxonomy(), missing
    try:
        taxonomy = load_taxonomy(files)
        if training:
            taxonomy = dataclasses.replace(taxonomy, examples=load_examples(training, taxonomy.categories))
        return taxonomy, []
    except ConfigError as exc:
        return shipped_taxonomy(), [ConfigProblem(f"classify: {p.section}", p.key, p.problem) for p in exc.problems]


def _lenient(model: Any, section: dict[str, Any]) -> Any:
    return model.model_construct(**section)
