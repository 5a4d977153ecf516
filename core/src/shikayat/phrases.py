"""Finding known phrases in normalized text, word by word, with one dictionary walk.

Text and phrases are split into words with the same rule (:data:`WORD`: letters, digits and
Devanagari vowel signs — Python's ``\\w`` alone would cut ``चोरी`` after ``च``), so a phrase
only ever matches whole words: ``chor`` is not found in ``chori``, ``चेन`` not in ``चेनी``.
The phrases form a trie keyed by word; every start position walks it once, so the cost per
post grows with its length, not with the number of phrases.

The last word of a phrase may carry a common inflection (:data:`SUFFIXES`: ``loot`` →
``looted``, ``looti``; ``छीन`` → ``छीना``, ``छीनकर``) when that word has at least three
characters, so keyword lists need not spell out every verb form.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from shikayat.textnorm import WORD_CHARS

T = TypeVar("T")

WORD = re.compile(rf"[{WORD_CHARS}]+")

SUFFIXES: frozenset[str] = frozenset({
    # English
    "s", "es", "d", "ed", "ing", "er", "ers",
    # romanized Hindi
    "a", "i", "kar", "ke", "ne", "na", "ni", "ta", "ti", "te", "ya", "yi", "ye",
    # Hindi
    "ा", "ी", "े", "ें", "ों", "ीं", "ई", "ए", "कर", "के", "ने", "ना", "नी", "ता", "ती", "ते", "या", "ये",
})
_SUFFIX_LENGTHS = sorted({len(s) for s in SUFFIXES})
_MIN_STEM = 3


def words(normalized: str) -> list[str]:
    """The words of a normalized text, punctuation dropped."""
    return WORD.findall(normalized)


@functools.lru_cache(maxsize=1 << 16)
def stems(word: str) -> tuple[str, ...]:
    """``word`` without each inflection suffix it ends with (stems of three or more characters)."""
    out = []
    for n in _SUFFIX_LENGTHS:
        if len(word) - n >= _MIN_STEM and word[-n:] in SUFFIXES:
            out.append(word[:-n])
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    """``phrase`` (its value ``value``) found over words ``start`` to ``end`` (exclusive)."""

    start: int
    end: int
    phrase: str
    value: T


class _Node(Generic[T]):
    __slots__ = ("children", "values")

    def __init__(self) -> None:
        self.children: dict[str, _Node[T]] = {}
        self.values: list[tuple[str, T]] = []


class PhraseMatcher(Generic[T]):
    """Every occurrence of a set of phrases in a text; a phrase may carry several values."""

    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        self._root: _Node[T] = _Node()
        self.size = 0
        for phrase, value in phrases:
            self.add(phrase, value)

    def add(self, phrase: str, value: T) -> None:
        node = self._root
        parts = words(phrase)
        if not parts:
            raise ValueError(f"phrase {phrase!r} has no words")
        for part in parts:
            node = node.children.setdefault(part, _Node())
        node.values.append((" ".join(parts), value))
        self.size += 1

    def find(self, text_words: list[str]) -> list[Match[T]]:
        """Every match in a list of words (from :func:`words`), by start then end position."""
        found: list[Match[T]] = []
        root = self._root.children
        n = len(text_words)
        for i in range(n):
            children = root
            for j in range(i, n):
                word = text_words[j]
                for stem in stems(word):                 # an inflected last word
                    node = children.get(stem)
                    if node is not None and node.values:
                        found.extend(Match(i, j + 1, phrase, value) for phrase, value in node.values)
                exact = children.get(word)
                if exact is None:
                    break
                if exact.values:
                    found.extend(Match(i, j + 1, phrase, value) for phrase, value in exact.values)
                children = exact.children
        return found
