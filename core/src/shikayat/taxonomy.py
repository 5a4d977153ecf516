"""The complaint taxonomy: categories with keywords, emergency phrases, and how to extend it.

The shipped file (``shikayat/data/taxonomy.yaml``) defines every category. A deployment adds
its own files through the ``[classify]`` config section; each file has the same shape::

    categories:
      - code: tractor_trolley_theft              # a new category: name and priority required
        name: {en: Tractor trolley theft, hi: ट्रॉली चोरी}
        priority: normal
        overrides: [vehicle_theft]
        keywords: {latn: [trolley chori], hi: [ट्रॉली चोरी]}
        cues: {latn: [trolley]}                  # count only with a theft keyword (see below)
      - code: cyber_fraud                        # an existing code: keywords are added,
        priority: critical                       # priority and flags replaced
        keywords: {latn: [paisa nikal liya]}
    emergency: {latn: [goli maar di]}            # phrases are added
    tense: {now: {latn: [isi waqt]}}             # so are the words of "now" and "the past"

A category's ``cues`` are words that say which kind of an overridden category a post is
("scooty" with theft's "chori ho gayi" is vehicle_theft): they count only when a category it
overrides matched by keyword. Keywords are normalized with :func:`shikayat.textnorm.normalize_text` at load, so files may
be written naturally (nukta, chandrabindu, capitals). A keyword belongs to one category (its
romanized spelling variants count as the same keyword, see :func:`shikayat.phrases.fold`):
the same phrase in two categories of one file is an error; an extension that gives another
category's keyword to its own category moves it there. Problems are reported as one line each, naming the file,
the category code and the key.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from shikayat._validation import problems as validation_problems
from shikayat.errors import ConfigError, ConfigProblem
from shikayat.phrases import phrase_key, words
from shikayat.textnorm import normalize_text
from shikayat.training import Example
from shikayat.types import Priority
from shikayat.units import Duration

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # the C loader is 6x faster

FALLBACK = "uncategorised"
"""The actionable category of a complaint that matched no keyword."""


def _as_text(value: Any) -> Any:
    # YAML reads an unquoted 1930 as a number; a keyword is always text.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _priority(value: Any) -> Any:
    if isinstance(value, str) and value not in Priority.__members__.values():
        raise ValueError(f"unknown priority {value!r} (use {', '.join(p.value for p in Priority)})")
    return value


Phrase = Annotated[str, BeforeValidator(_as_text)]
PriorityName = Annotated[Priority, BeforeValidator(_priority)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Phrases(_Model):
    """Phrases by script: English, Hindi in Devanagari, romanized Hindi."""

    en: list[Phrase] = []
    hi: list[Phrase] = []
    latn: list[Phrase] = []

    def all(self) -> Iterator[tuple[str, str]]:
        """``(language key, phrase)`` pairs, in file order."""
        for lang in ("en", "hi", "latn"):
            for phrase in getattr(self, lang):
                yield lang, phrase


class Names(_Model):
    en: str = Field(min_length=1)
    hi: str | None = None


class CategoryEntry(_Model):
    """One entry of ``categories`` as written in a file (a definition or, in an extension,
    changes to an existing code)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Names | None = None
    group: str | None = None
    priority: PriorityName | None = None
    sensitive: bool | None = None
    actionable: bool | None = None
    urgent_now: bool | None = None
    incident_window: Duration | None = None
    overrides: list[str] = []
    keywords: Phrases = Phrases()
    cues: Phrases = Phrases()


class Emergency(Phrases):
    """Phrases that raise any post to ``critical``; ``sensitive`` ones also mark it sensitive."""

    sensitive: Phrases = Phrases()


class Calm(_Model):
    """What cancels an emergency phrase: ``phrases`` that contain one but are no cry for help
    (slogans), words just ``before`` or ``after`` one that say the danger is past or denied."""

    phrases: Phrases = Phrases()
    before: Phrases = Phrases()
    after: Phrases = Phrases()


class Tense(_Model):
    """Words that place an incident: happening ``now`` ("abhi", "right now": a category marked
    ``urgent_now`` is then an emergency) or in the ``past`` ("yesterday", "last night": a
    category whose default is ``critical`` is then only ``high``)."""

    now: Phrases = Phrases()
    past: Phrases = Phrases()


class TaxonomyFile(_Model):
    version: Literal[1] = 1
    priorities: list[PriorityName] | None = None
    categories: list[CategoryEntry] = []
    emergency: Emergency = Emergency()
    calm: Calm = Calm()
    tense: Tense = Tense()

    @field_validator("priorities")
    @classmethod
    def _all_priorities(cls, value: list[Priority] | None) -> list[Priority] | None:
        if value is not None and value != list(Priority):
            raise ValueError(f"must be [{', '.join(p.value for p in Priority)}]")
        return value


@dataclass(frozen=True)
class Category:
    """A category as loaded: keywords normalized and unique."""

    code: str
    name: Names
    group: str
    priority: Priority
    sensitive: bool
    actionable: bool
    keywords: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    urgent_now: bool = False
    cues: tuple[str, ...] = ()
    incident_window: timedelta | None = None
    """Reports of this category placed in one unit within this time of a case's first post are
    that incident again, whoever writes them (a fire, a crash, a riot seen by many); None for
    categories whose every report may be another victim's (a snatching, a fraud)."""


@dataclass(frozen=True, eq=False)
class Taxonomy:
    """Every category (in file order) and the emergency and calm phrases, normalized.

    Compared and hashed by identity: a loaded taxonomy is built once and shared, and a
    classifier is built once per taxonomy.
    """

    categories: dict[str, Category]
    emergency: tuple[str, ...] = ()
    emergency_sensitive: tuple[str, ...] = ()
    calm_phrases: tuple[str, ...] = ()
    calm_before: tuple[str, ...] = ()
    calm_after: tuple[str, ...] = ()
    now_phrases: tuple[str, ...] = ()
    past_phrases: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    """A deployment's own training examples (``[classify] training``), learned from with the
    shipped ones (:mod:`shikayat.learn`)."""

    def __repr__(self) -> str:
        return f"Taxonomy({len(self.categories)} categories from {', '.join(self.sources)})"

    def __contains__(self, code: object) -> bool:
        return code in self.categories

    def __getitem__(self, code: str) -> Category:
        return self.categories[code]

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories.values())

    def __len__(self) -> int:
        return len(self.categories)


# -- building -------------------------------------------------------------------------------


@dataclass
class _Draft:
    """A mutable taxonomy while files are merged into it."""

    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)          # keyword's phrase key → category code
    emergency: dict[str, None] = field(default_factory=dict)
    emergency_sensitive: dict[str, None] = field(default_factory=dict)
    calm: dict[str, dict[str, None]] = field(
        default_factory=lambda: {"phrases": {}, "before": {}, "after": {}})
    tense: dict[str, dict[str, None]] = field(default_factory=lambda: {"now": {}, "past": {}})
    sources: list[str] = field(default_factory=list)


def _normalized(phrases: Phrases, source: str, key: str, problems: list[ConfigProblem]) -> list[str]:
    out: list[str] = []
    for lang, phrase in phrases.all():
        norm = " ".join(words(normalize_text(phrase)))
        if not norm:
            problems.append(ConfigProblem(source, f"{key}.{lang}", f"keyword {phrase!r} has no letters or digits"))
        elif norm not in out:
            out.append(norm)
    return out


def _merge(draft: _Draft, data: TaxonomyFile, source: str, *, base: bool) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    seen: set[str] = set()
    owner_here: dict[str, str] = {}
    for entry in data.categories:
        where = f"categories[{entry.code}]"
        if entry.code in seen:
            problems.append(ConfigProblem(source, f"{where}.code", "category code is defined twice in this file"))
            continue
        seen.add(entry.code)
        current = draft.categories.get(entry.code)
        if current is None:
            missing = [k for k in ("name", "priority") if getattr(entry, k) is None]
            if base:
                missing += [k for k in ("group", "sensitive", "actionable") if getattr(entry, k) is None]
            if missing:
                reason = ("unknown category code; to add a category give it " if not base else "a category needs ")
                problems.append(ConfigProblem(source, where, reason + " and ".join(missing)))
                continue
            current = draft.categories[entry.code] = {
                "code": entry.code, "name": entry.name, "group": entry.group or "local",
                "priority": entry.priority, "sensitive": bool(entry.sensitive),
                "actionable": entry.actionable if entry.actionable is not None else True,
                "urgent_now": bool(entry.urgent_now), "incident_window": entry.incident_window,
                "keywords": [], "overrides": {}, "cues": [],
            }
        else:
            for key in ("name", "group", "priority", "sensitive", "actionable", "urgent_now", "incident_window"):
                value = getattr(entry, key)
                if value is not None:
                    current[key] = value
        if entry.code == FALLBACK and not current["actionable"]:
            problems.append(ConfigProblem(source, f"{where}.actionable", "the fallback category must be actionable"))
        for code in entry.overrides:
            current["overrides"].setdefault(code, source)
        for cue in _normalized(entry.cues, source, f"{where}.cues", problems):
            if cue not in current["cues"]:
                current["cues"].append(cue)
        for keyword in _normalized(entry.keywords, source, f"{where}.keywords", problems):
            key = phrase_key(keyword)                       # spelling variants are one keyword
            other = owner_here.get(key)
            if other is not None and other != entry.code:
                problems.append(ConfigProblem(source, f"{where}.keywords",
                                              f"{keyword!r} is also a keyword of {other} in this file"))
                continue
            owner_here[key] = entry.code
            previous = draft.owner.get(key)
            if previous is not None and previous != entry.code:   # an extension moves the keyword
                kept = draft.categories[previous]["keywords"]
                kept[:] = [k for k in kept if phrase_key(k) != key]
            if keyword not in current["keywords"]:
                current["keywords"].append(keyword)
            draft.owner[key] = entry.code
    for phrase in _normalized(data.emergency, source, "emergency", problems):
        draft.emergency[phrase] = None
    for phrase in _normalized(data.emergency.sensitive, source, "emergency.sensitive", problems):
        draft.emergency_sensitive[phrase] = None
    for part in ("phrases", "before", "after"):
        for phrase in _normalized(getattr(data.calm, part), source, f"calm.{part}", problems):
            draft.calm[part][phrase] = None
    for part in ("now", "past"):
        for phrase in _normalized(getattr(data.tense, part), source, f"tense.{part}", problems):
            draft.tense[part][phrase] = None
    draft.sources.append(source)
    return problems


def _check(draft: _Draft) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    cats = draft.categories
    for code, cat in cats.items():
        for other, source in cat["overrides"].items():
            if other not in cats:
                problems.append(ConfigProblem(source, f"categories[{code}].overrides", f"unknown category {other!r}"))
            elif other == code:
                problems.append(ConfigProblem(source, f"categories[{code}].overrides",
                                              "a category cannot override itself"))
    for code, cat in cats.items():
        for other, source in cat["overrides"].items():
            if other != code and other in cats and _reaches(cats, other, code):
                problems.append(ConfigProblem(source, f"categories[{code}].overrides",
                                              f"overrides form a cycle: {other} overrides {code} in turn"))
    if FALLBACK not in cats:
        problems.append(ConfigProblem(draft.sources[0] if draft.sources else "taxonomy", "categories",
                                      f"the fallback category {FALLBACK!r} is missing"))
    return problems


def _reaches(cats: dict[str, dict[str, Any]], start: str, target: str) -> bool:
    """Whether ``target`` is ``start`` or reached by following ``overrides`` from it."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        code = todo.pop()
        if code == target:
            return True
        if code not in seen:
            seen.add(code)
            todo.extend(c for c in cats[code]["overrides"] if c in cats)
    return False


def _read(path: Path, problems: list[ConfigProblem]) -> TaxonomyFile | None:
    source = path.name
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except OSError as exc:
        problems.append(ConfigProblem(source, "", f"cannot read {path}: {exc.strerror or exc}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(ConfigProblem(source, "", f"not valid YAML: {exc}"))
        return None
    if raw is None:
        raw = {}
    entries = raw.get("categories") if isinstance(raw, dict) else None
    if isinstance(entries, list):
        # each entry on its own, so that one bad entry does not hide the others' problems
        valid = []
        for i, entry in enumerate(entries):
            try:
                CategoryEntry.model_validate(entry)
            except ValidationError as exc:
                problems.extend(_entry_problems(source, exc, entry, i))
            else:
                valid.append(entry)
        raw = {**raw, "categories": valid}
    try:
        return TaxonomyFile.model_validate(raw)
    except ValidationError as exc:
        problems.extend(validation_problems(source, exc))
        return None


def _entry_problems(source: str, exc: ValidationError, entry: Any, index: int) -> list[ConfigProblem]:
    code = entry.get("code") if isinstance(entry, dict) else None
    where = f"categories[{code if isinstance(code, str) and code else f'#{index}'}]"
    return validation_problems(source, exc, lambda loc: [where, *loc])


def build_taxonomy(files: Sequence[Path], *, shipped: bool = True) -> Taxonomy:
    """The shipped taxonomy (unless ``shipped`` is False: then the first file is the base)
    extended by ``files`` in order. Raises :class:`ConfigError` listing every problem."""
    paths = [shipped_taxonomy_path(), *files] if shipped else list(files)
    draft = _Draft()
    problems: list[ConfigProblem] = []
    for i, path in enumerate(paths):
        data = _read(path, problems)
        if data is not None:
            problems += _merge(draft, data, path.name, base=i == 0)
    problems += _check(draft)
    if problems:
        raise ConfigError(problems)
    categories = {
        code: Category(code=code, name=c["name"], group=c["group"], priority=c["priority"],
                       sensitive=c["sensitive"], actionable=c["actionable"],
                       keywords=tuple(c["keywords"]), overrides=tuple(c["overrides"]),
                       urgent_now=c["urgent_now"], cues=tuple(c["cues"]),
                       incident_window=c["incident_window"])
        for code, c in draft.categories.items()
    }
    return Taxonomy(categories=categories, emergency=tuple(draft.emergency),
                    emergency_sensitive=tuple(draft.emergency_sensitive),
                    calm_phrases=tuple(draft.calm["phrases"]), calm_before=tuple(draft.calm["before"]),
                    calm_after=tuple(draft.calm["after"]), now_phrases=tuple(draft.tense["now"]),
                    past_phrases=tuple(draft.tense["past"]), sources=tuple(draft.sources))


def shipped_taxonomy_path() -> Path:
    return Path(str(resources.files("shikayat") / "data" / "taxonomy.yaml"))


@functools.cache
def shipped_taxonomy() -> Taxonomy:
    """The shipped taxonomy, loaded once per process."""
    return build_taxonomy([])


def load_taxonomy(files: Sequence[Path] = ()) -> Taxonomy:
    """The shipped taxonomy extended by a deployment's ``files`` (the cached one if none)."""
    return build_taxonomy(files) if files else shipped_taxonomy()


__all__ = [
    "FALLBACK",
    "Category",
    "CategoryEntry",
    "Names",
    "Phrases",
    "Taxonomy",
    "TaxonomyFile",
    "Tense",
    "build_taxonomy",
    "load_taxonomy",
    "shipped_taxonomy",
    "shipped_taxonomy_path",
]
