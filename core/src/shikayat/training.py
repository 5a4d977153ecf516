"""Labelled examples the default classifier learns from, and their file format.

The shipped examples (``shikayat/data/training/*.txt``) are short complaints written the way
citizens write to police accounts (Devanagari Hindi, romanized Hindi, English, mixed), for every
category of the shipped taxonomy, plus the non-actionable classes and emergencies next to the
same incidents told in the past. A deployment adds its own files through the ``[classify]``
config section (``training = ["our-examples.txt"]``); each file has this shape::

    # a comment ("#" and a space: a hashtag starts a text)
    [vehicle_theft]
    meri bike ghar ke bahar se chori ho gayi
    ! abhi abhi do ladke meri scooty le kar bhage hain     ← "!": an emergency (danger to life now)
    [tractor_trolley_theft]                                 ← a category of an extension taxonomy
    khet se trolley utha le gaye raat me

A line is one example: the text of one post. Texts are normalized with
:func:`shikayat.textnorm.normalize_text` when read. Problems (an unknown category, a text before
any ``[category]``, an empty example) are reported one per line, naming the file and line number.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from shikayat.errors import ConfigError, ConfigProblem
from shikayat.phrases import words
from shikayat.textnorm import normalize_text

_HEADER = re.compile(r"^\[([a-z][a-z0-9_]*)\]$")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text (normalized). ``emergency`` is None when the source does not say
    (a category keyword is no post)."""

    text: str
    category: str
    emergency: bool | None = None
    source: str = ""


def parse_examples(lines: Iterable[str], source: str, known: Iterable[str] | None = None) -> list[Example]:
    """The examples of one file's ``lines``; ``known`` are the category codes allowed (any if
    None). Raises :class:`ConfigError` with one problem per bad line."""
    allowed = None if known is None else set(known)
    out: list[Example] = []
    problems: list[ConfigProblem] = []
    category: str | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line == "#" or line.startswith("# "):       # "#ChainSnatching …" is a text
            continue
        where = f"line {number}"
        header = _HEADER.match(line)
        if header is not None:
            category = header.group(1)
            if allowed is not None and category not in allowed:
                problems.append(ConfigProblem(source, where, f"unknown category {category!r} (not in the taxonomy)"))
            continue
        if line.startswith("["):
            problems.append(ConfigProblem(source, where, f"{line!r} is no category header (write [code], "
                                                         "lower case letters, digits and _)"))
            continue
        emergency = line.startswith("!")
        text = normalize_text(line[1:] if emergency else line)
        if category is None:
            problems.append(ConfigProblem(source, where, "an example before any [category] header"))
        elif not words(text):
            problems.append(ConfigProblem(source, where, "the example has no letters or digits"))
        else:
            out.append(Example(text, category, emergency, source))
    if problems:
        raise ConfigError(problems)
    return out


def read_examples(path: Path, known: Iterable[str] | None = None) -> list[Example]:
    """The examples of one training file (see the module docstring)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(ConfigProblem(path.name, "", f"cannot read {path}: {exc.strerror or exc}")) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(ConfigProblem(path.name, "", f"not UTF-8 text: {exc}")) from exc
    return parse_examples(text.splitlines(), path.name, known)


def load_examples(files: Sequence[Path], known: Iterable[str] | None = None) -> tuple[Example, ...]:
    """Every example of ``files``; problems of all files are reported together."""
    codes = None if known is None else set(known)
    out: list[Example] = []
    problems: list[ConfigProblem] = []
    for path in files:
        try:
            out += read_examples(path, codes)
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return tuple(out)


def shipped_training_paths() -> list[Path]:
    folder = Path(str(resources.files("shikayat") / "data" / "training"))
    return sorted(folder.glob("*.txt"))


@functools.cache
def shipped_examples() -> tuple[Example, ...]:
    """The shipped examples, read once per process (categories checked against the shipped
    taxonomy by the tests, not here: an extension may move a code's meaning)."""
    return load_examples(shipped_training_paths())


def format_examples(examples: Iterable[Example]) -> Iterator[str]:
    """Lines of a training file holding ``examples`` (grouped under one header per run of a category)."""
    current = None
    for example in examples:
        if example.category != current:
            current = example.category
            yield f"[{current}]"
        yield ("! " if example.emergency else "") + example.text


__all__ = ["Example", "format_examples", "load_examples", "parse_examples", "read_examples",
           "shipped_examples", "shipped_training_paths"]
