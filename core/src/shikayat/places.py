"""Place names in complaint text: spelling folding and a compiled alias index.

Every alias of every unit is cut into word tokens, each token is *folded* to a canonical
spelling, and the folded tokens are joined without spaces into one key (so ``Gomti Nagar``,
``gomtinagar`` and ``Gomati-Nagar``… meet). Finding places in a post is then a left-to-right
scan over its tokens that looks up the joined key of the longest n-gram first: a handful of
dictionary lookups per word, whatever the size of the directory.

Folding (both sides, alias and text):

* romanized words: ``ph→f``, ``sh→s``, ``w→v``, ``z→j``, ``q→k``, ``ee→i``, ``oo→u``, ``ae→ai``, then
  every doubled letter is single (``aa→a``, ``ll→l``): Hazratganj = Hajratganj,
  Bareilly = Bareily, Muzaffarnagar = Mujafarnagar;
* Devanagari words (nukta and chandrabindu are already removed by
  :func:`shikayat.textnorm.normalize_text`): a nasal consonant with virama before a
  consonant becomes anusvara (इन्दिरा = इंदिरा, कौशाम्बी = कौशांबी), long ई/ऊ (and their signs)
  become short, ऑ becomes ओ.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from shikayat.textnorm import normalize_text

# Python's \w leaves out Devanagari vowel signs and virama; join a word's pieces back.
_WORD = re.compile(r"(?:[^\W_]|[\u0900-\u0963\u0971-\u097f])+")
_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_DOUBLE = re.compile(r"([a-z])\1+")
_LATIN_PAIRS = (("ph", "f"), ("sh", "s"), ("w", "v"), ("z", "j"), ("q", "k"), ("ee", "i"), ("oo", "u"), ("ae", "ai"))
_NASAL_VIRAMA = re.compile("[\u0919\u091e\u0923\u0928\u092e]\u094d(?=[\u0915-\u0939])")
_DEVANAGARI_LENGTH = str.maketrans({
    "\u0940": "\u093f",  # ी → ि
    "\u0942": "\u0941",  # ू → ु
    "\u0908": "\u0907",  # ई → इ
    "\u090a": "\u0909",  # ऊ → उ
    "\u0911": "\u0913",  # ऑ → ओ
    "\u0949": "\u094b",  # ॉ → ो
})
_TOKEN_FOLDS: dict[str, str] = {}
"""Folded forms of words seen so far (place text repeats the same few thousand words)."""
_MAX_CACHED = 200_000


def words(normalized: str) -> list[str]:
    """The word tokens of normalized text (Devanagari words kept whole)."""
    return _WORD.findall(normalized)


def fold(token: str) -> str:
    """The canonical spelling of one (normalized, lower-case) word."""
    cached = _TOKEN_FOLDS.get(token)
    if cached is not None:
        return cached
    if _DEVANAGARI.search(token):
        folded = _NASAL_VIRAMA.sub("\u0902", token).translate(_DEVANAGARI_LENGTH)
    else:
        folded = token
        for old, new in _LATIN_PAIRS:
            folded = folded.replace(old, new)
        folded = _DOUBLE.sub(r"\1", folded)
    if len(_TOKEN_FOLDS) < _MAX_CACHED:
        _TOKEN_FOLDS[token] = folded
    return folded


def place_key(name: str) -> str:
    """The index key of a place name: normalized, split into words, folded, joined."""
    return "".join(fold(w) for w in words(normalize_text(name)))


@dataclass(frozen=True)
class Entry:
    """One unit an alias points at; ``common`` aliases need the context to place the unit."""

    unit: str
    common: bool = False


@dataclass(frozen=True)
class PlaceMatch:
    """A place name found in text: the words as written and the units it may mean."""

    surface: str
    start: int
    """Index of the first word."""
    entries: tuple[Entry, ...]


@dataclass
class PlaceIndex:
    """Alias key → the units it names. Built once when the units directory is loaded."""

    _keys: dict[str, tuple[Entry, ...]] = field(default_factory=dict)
    _prefixes: set[str] = field(default_factory=set)
    """Every prefix of every key: a word that is none cannot start a place name."""
    _max_words: int = 0

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, name: str, entry: Entry) -> None:
        key = place_key(name)
        if not key:
            return
        entries = self._keys.get(key, ())
        if entry not in entries:
            # An alias listed both plainly and as common by one unit counts plainly.
            if entry.common and Entry(entry.unit) in entries:
                return
            entries = (*(e for e in entries if e != Entry(entry.unit, True)), entry)
            self._keys[key] = entries
            self._prefixes.update(key[:i] for i in range(1, len(key) + 1))
        self._max_words = max(self._max_words, len(words(normalize_text(name))))

    def lookup(self, name: str) -> tuple[Entry, ...]:
        """The units a place name (as written anywhere) points at."""
        return self._keys.get(place_key(name), ())

    def find(self, normalized: str) -> list[PlaceMatch]:
        """Place names in ``normalized`` text, left to right, longest first, not overlapping."""
        tokens = words(normalized)
        folded = [fold(t) for t in tokens]
        found: list[PlaceMatch] = []
        i, n = 0, len(tokens)
        keys, prefixes = self._keys, self._prefixes
        while i < n:
            if folded[i] not in prefixes:
                i += 1
                continue
            for size in range(min(self._max_words, n - i), 0, -1):
                entries = keys.get("".join(folded[i:i + size]))
                if entries:
                    found.append(PlaceMatch(" ".join(tokens[i:i + size]), i, entries))
                    i += size
                    break
            else:
                i += 1
        return found

    def names(self) -> Iterator[str]:
        return iter(self._keys)


def build_index(aliases: Iterable[tuple[str, Iterable[str], Iterable[str]]]) -> PlaceIndex:
    """An index from ``(unit id, plain aliases, common aliases)`` triples."""
    index = PlaceIndex()
    for unit_id, plain, common in aliases:
        for name in plain:
            index.add(name, Entry(unit_id))
        for name in common:
            index.add(name, Entry(unit_id, common=True))
    return index
