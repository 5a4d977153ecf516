"""Finding known phrases in normalized text, word by word, with one dictionary walk.

Text and phrases are split into words with the same rule (:data:`WORD`: letters, digits and
Devanagari vowel signs — Python's ``\\w`` alone would cut ``चोरी`` after ``च``), so a phrase
only ever matches whole words: ``chor`` is not found in ``chori``, ``चेन`` not in ``चेनी``.
The phrases form a trie keyed by word; every start position walks it once, so the cost per
post grows with its length, not with the number of phrases.

Romanized Hindi has no fixed spelling, so Latin words are compared by a folded form
(:func:`fold`): ``zameen``, ``jameen`` and ``jamin`` are one word, as are ``chheen`` and
``cheen``, ``gaadi`` and ``gadi``, ``qatl`` and ``katl``, ``rishwat`` and ``rishvat``.

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
_START_CACHE = 1 << 16


def words(normalized: str) -> list[str]:
    """The words of a normalized text, punctuation dropped."""
    return WORD.findall(normalized)


_DOUBLE_LETTER = re.compile(r"([a-z])\1+")
_SPELLING = (("chh", "ch"), ("cch", "ch"), ("ph", "f"), ("w", "v"), ("z", "j"), ("q", "k"),
             ("ee", "i"), ("oo", "u"))


@functools.lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """The spelling-insensitive form of a romanized word: ``chh``/``cch`` → ``ch``, ``ph`` → ``f``,
    ``w`` → ``v``, ``z`` → ``j``, ``q`` → ``k``, ``ee`` → ``i``, ``oo`` → ``u``, doubled letters
    single (``gaadi`` → ``gadi``). Words in other scripts, and digits, are left alone."""
    if not word.isascii():
        return word
    for old, new in _SPELLING:
        word = word.replace(old, new)
    return _DOUBLE_LETTER.sub(r"\1", word)


def phrase_key(phrase: str) -> str:
    """A phrase's identity for matching: its folded words. Two phrases with one key are the
    same phrase spelled differently."""
    return " ".join(fold(word) for word in words(phrase))


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
    """Every occurrence of a set of phrases in a text; a phrase may carry several values.

    Phrases are keyed by their folded words; spelling variants of a phrase with the same value
    are one entry (the first one added names the match)."""

    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        self._root: _Node[T] = _Node()
        self.size = 0
        self._starts: dict[str, tuple[tuple[tuple[str, T], ...], _Node[T] | None]] = {}
        for phrase, value in phrases:
            self.add(phrase, value)

    def add(self, phrase: str, value: T) -> None:
        node = self._root
        parts = words(phrase)
        if not parts:
            raise ValueError(f"phrase {phrase!r} has no words")
        for part in parts:
            node = node.children.setdefault(fold(part), _Node())
        if all(v != value for _, v in node.values):        # a spelling variant of a known phrase
            node.values.append((" ".join(parts), value))
            self.size += 1
        self._starts.clear()

    def _start(self, word: str) -> tuple[tuple[tuple[str, T], ...], _Node[T] | None]:
        """What a text word finds at the root: the one-word phrases it is (inflected first,
        then as written) and the node its longer phrases go on from. A text's words are mostly
        words seen before, so this is worked out once per word, not once per position."""
        found = self._starts.get(word)
        if found is None:
            if len(self._starts) >= _START_CACHE:
                self._starts.clear()
            root = self._root.children
            folded = fold(word)
            hits: list[tuple[str, T]] = []
            for stem in stems(folded):
                node = root.get(stem)
                if node is not None:
                    hits += node.values
            exact = root.get(folded)
            if exact is not None:
                hits += exact.values
            found = self._starts[word] = (tuple(hits), exact)
        return found

    def find(self, text_words: list[str]) -> list[Match[T]]:
        """Every match in a list of words (from :func:`words`), by start then end position."""
        found: list[Match[T]] = []
        n = len(text_words)
        start = self._start
        for i in range(n):
            hits, first = start(text_words[i])
            if hits:
                found.extend(Match(i, i + 1, phrase, value) for phrase, value in hits)
            if first is None:
                continue
            children = first.children
            for j in range(i + 1, n):
                word = fold(text_words[j])
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
