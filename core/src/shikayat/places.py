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
  become short, ऑ becomes ओ, and a word-final े is ा (the oblique case before a postposition:
  आगरे में = आगरा, गोल दरवाजे के पास = गोल दरवाजा, चौक थाने = चौक थाना).

English contractions and possessives are cut before the scan (``can't`` is not ``Cantt``,
``Lucknow's`` is ``Lucknow``). A writer who corrects themselves (``Vibhuti Khand? no, Gomti
Nagar``, ``sorry, I mean Aliganj``) means the names after the last correction, when it has any. Each name found also records the words around it:

* ``road``: the name is part of the name of a road or of a hospital (``Kanpur Road``,
  ``सीकर-जयपुर हाईवे``, ``agra lucknow expressway``, ``Balrampur hospital``): those may stand
  anywhere, not only in that place;
* ``station``: a police-station word stands next to it (``thana Chowk``, ``चौक थाने``,
  ``थाना क्षेत्र चौक``, ``Chowk kotwali``, ``Gazipur police station``);
* ``qualifies``: it follows another name directly (``Hazratganj chowk``, ``Kanpur Civil Lines``),
  so a shared name there describes the place before it rather than a place of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

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
_CONTRACTION = re.compile(r"(?<=[a-z])['’](?:t|s|d|m|ll|re|ve)\b")
_CORRECTION = re.compile(r"\?\s*(?:no|nope|nahi|nahin|नहीं|नही)\b|\b(?:sorry|i mean|correction)\b")
_TOKEN_FOLDS: dict[str, str] = {}
"""Folded forms of words seen so far (place text repeats the same few thousand words)."""
_MAX_CACHED = 200_000
_FOUND_CACHE = 1 << 13


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
        if len(folded) > 2 and folded.endswith("\u0947"):
            folded = folded[:-1] + "\u093e"
    else:
        folded = token
        for old, new in _LATIN_PAIRS:
            folded = folded.replace(old, new)
        folded = _DOUBLE.sub(r"\1", folded)
    if len(_TOKEN_FOLDS) < _MAX_CACHED:
        _TOKEN_FOLDS[token] = folded
    return folded


_ROAD_WORDS = ("road", "rd", "marg", "highway", "hiway", "expressway", "bypass", "flyover",
               "रोड", "मार्ग", "हाईवे", "राजमार्ग", "एक्सप्रेसवे", "बाईपास", "बायपास", "फ्लाईओवर",
               "hospital", "aspatal", "अस्पताल", "हॉस्पिटल")
_STATION_WORDS = ("thana", "thane", "thaana", "thaane", "kotwali", "ps", "थाना", "थाने", "कोतवाली")
_AREA_WORDS = ("kshetra", "chhetra", "area", "ilaka", "ilake", "क्षेत्र", "इलाका", "इलाके")
_POLICE_STATION = (("police", "station"), ("पुलिस", "स्टेशन"))


def place_key(name: str) -> str:
    """The index key of a place name: normalized, split into words, folded, joined."""
    return "".join(fold(w) for w in words(normalize_text(name)))


@dataclass(frozen=True)
class Entry:
    """One unit an alias points at; ``common`` aliases need the context to place the unit.

    ``local`` ones (a subset of ``common``) are ordinary words elsewhere (``Chowk``, ``Sadar``):
    unplaced, they say nothing, where an unplaced ``common`` name makes the place ambiguous.
    """

    unit: str
    common: bool = False
    local: bool = False


@dataclass(frozen=True)
class PlaceMatch:
    """A place name found in text: the words as written and the units it may mean."""

    surface: str
    start: int
    """Index of the first word."""
    entries: tuple[Entry, ...]
    end: int = 0
    """Index of the word after the name."""
    road: bool = False
    """Part of a road's or a hospital's name (``Kanpur Road``, ``Balrampur hospital``)."""
    station: bool = False
    """Next to a police-station word (``thana Chowk``, ``Chowk kotwali``)."""
    qualifies: bool = False
    """Right after another name (``Hazratganj chowk``)."""


@dataclass
class PlaceIndex:
    """Alias key → the units it names. Built once when the units directory is loaded."""

    _keys: dict[str, tuple[Entry, ...]] = field(default_factory=dict)
    _prefixes: set[str] = field(default_factory=set)
    """Every prefix of every key: a word that is none cannot start a place name."""
    _max_words: int = 0
    _found: dict[str, tuple[PlaceMatch, ...]] = field(default_factory=dict, repr=False, compare=False)
    """The names found in recent texts (a wave of copies repeats one text)."""

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, name: str, entry: Entry) -> None:
        key = place_key(name)
        if not key:
            return
        entries = self._keys.get(key, ())
        same = next((e for e in entries if e.unit == entry.unit), None)
        # An alias listed by one unit several ways counts the plainest way (plain, common, local).
        if same is None or _rank(entry) < _rank(same):
            entries = (*(e for e in entries if e.unit != entry.unit), entry)
            self._keys[key] = entries
            self._prefixes.update(key[:i] for i in range(1, len(key) + 1))
        self._max_words = max(self._max_words, len(words(normalize_text(name))))
        self._found.clear()

    def lookup(self, name: str) -> tuple[Entry, ...]:
        """The units a place name (as written anywhere) points at."""
        return self._keys.get(place_key(name), ())

    def find(self, normalized: str) -> list[PlaceMatch]:
        """Place names in ``normalized`` text, left to right, longest first, not overlapping
        (after the writer's last correction when names follow it)."""
        found = self._found.get(normalized)
        if found is None:
            if len(self._found) >= _FOUND_CACHE:
                self._found.clear()
            found = self._found[normalized] = tuple(self._find(normalized))
        return list(found)

    def _find(self, normalized: str) -> list[PlaceMatch]:
        text = _CONTRACTION.sub("", normalized)
        corrections = list(_CORRECTION.finditer(text))
        if corrections:
            corrected = self._scan(text[corrections[-1].end():])
            if corrected:
                return corrected
        return self._scan(text)

    def _scan(self, text: str) -> list[PlaceMatch]:
        tokens = words(text)
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
                    found.append(PlaceMatch(" ".join(tokens[i:i + size]), i, entries, i + size))
                    i += size
                    break
            else:
                i += 1
        return _with_context(found, folded)

    def names(self) -> Iterator[str]:
        return iter(self._keys)


_FOLDED_ROAD = frozenset(fold(w) for w in _ROAD_WORDS)
_FOLDED_STATION = frozenset(fold(w) for w in _STATION_WORDS)
_FOLDED_AREA = frozenset(fold(w) for w in _AREA_WORDS)
_FOLDED_POLICE_STATION = tuple(tuple(fold(w) for w in pair) for pair in _POLICE_STATION)


def _with_context(found: list[PlaceMatch], folded: list[str]) -> list[PlaceMatch]:
    """Mark each name with the words around it (see the module docstring)."""
    n = len(folded)
    out: list[PlaceMatch] = []
    road_after = False
    for k in range(len(found) - 1, -1, -1):
        match = found[k]
        after = folded[match.end] if match.end < n else ""
        chained = k + 1 < len(found) and found[k + 1].start == match.end
        road = after in _FOLDED_ROAD or (chained and road_after)
        road_after = road
        before = folded[match.start - 1] if match.start > 0 else ""
        before2 = folded[match.start - 2] if match.start > 1 else ""
        station = (after in _FOLDED_STATION or tuple(folded[match.end:match.end + 2]) in _FOLDED_POLICE_STATION
                   or before in _FOLDED_STATION or (before in _FOLDED_AREA and before2 in _FOLDED_STATION))
        qualifies = k > 0 and found[k - 1].end == match.start
        out.append(replace(match, road=road, station=station, qualifies=qualifies))
    out.reverse()
    return out


def _rank(entry: Entry) -> int:
    return 2 if entry.local else 1 if entry.common else 0


def build_index(aliases: Iterable[tuple[str, Iterable[str], Iterable[str], Iterable[str]]]) -> PlaceIndex:
    """An index from ``(unit id, plain aliases, common aliases, local aliases)`` quadruples."""
    index = PlaceIndex()
    for unit_id, plain, common, local in aliases:
        for name in plain:
            index.add(name, Entry(unit_id))
        for name in common:
            index.add(name, Entry(unit_id, common=True))
        for name in local:
            index.add(name, Entry(unit_id, common=True, local=True))
    return index
