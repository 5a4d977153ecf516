"""Near-duplicate lookup: MinHash over character shingles with banded LSH.

Character shingles work the same for Devanagari, romanized Hindi and English. A post's
signature is ``num_perm`` minimum hashes of its shingle set; LSH splits the signature into
``bands`` (default 16 bands of 4 values: pairs at Jaccard 0.6 meet with probability 0.89, at
0.7 with 0.99, unrelated texts at 0.2 with 0.03) and files the post under each band's value,
so a query touches only the posts that share a band. Candidates are then scored by the share of
equal signature values (an estimate of the Jaccard similarity of the shingle sets).

The work per query is bounded whatever the traffic: each band contributes its ``per_band`` most
recent entries and the ``max_candidates`` most recent of those are scored, in numpy. Thousands of
look-alike open cases (one template with different reference numbers) cost no more than a few.

Memory and time stay flat as the window fills:

* band entries live in sorted numpy arrays of 64-bit keys and slots (binary search, 16 bytes
  an entry), in three levels: a dictionary of recent entries (at most 65,536), sorted into a
  middle pair of arrays when full, which is merged into the main pair in linear time once it
  reaches a quarter of its size (the cost of a merge per post stays flat as the window grows);
* signatures are computed a batch of texts at a time (one numpy computation; the band keys are
  linear combinations of each band's values, also in numpy);
* signatures are kept as their low 16 bits (b-bit MinHash: a false match per value has
  probability 2**-16), 128 bytes a post at 64 permutations;
* entries older than the window are skipped by queries at once and dropped from the arrays at
  the next merge, whose main merge also compacts the signature store.

Slots (the position of an entry) are global and increase with every add, so callers may keep
them (:meth:`scores` compares a signature against chosen slots, e.g. one author's posts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import NamedTuple

import numpy as np

_U32 = np.uint32
_U64 = np.uint64
_MIX1 = _U64(0x9E3779B97F4A7C15)
_MIX2 = _U64(0xBF58476D1CE4E5B9)
_CHUNK_CELLS = 1 << 20
_RECENT_MIN, _RECENT_MAX = 4096, 1 << 16
"""Band entries kept in the recent dictionary before they are sorted into the middle arrays:
a quarter of the main arrays' size within these bounds (a large window does not hold millions
of Python objects)."""


class Signature(NamedTuple):
    """MinHash values of a text's shingles (their low 16 bits), the number of shingles, and
    the keys of its LSH bands (computed from the full 32-bit values)."""

    values: np.ndarray
    size: int
    bands: np.ndarray

    def similarity(self, other: Signature) -> float:
        """Estimated Jaccard similarity of the two shingle sets."""
        return float((self.values == other.values).mean())


def containment(jaccard: float, a: int, b: int) -> float:
    """Share of the smaller shingle set found in the larger one, from the Jaccard similarity and
    the two set sizes (|A ∩ B| = J·(|A| + |B|)/(1 + J))."""
    if not a or not b:
        return 0.0
    return min(1.0, jaccard * (a + b) / (1.0 + jaccard) / min(a, b))


@dataclass
class NearDuplicateIndex:
    num_perm: int = 64
    bands: int = 16
    shingle: int = 5
    threshold: float = 0.6
    max_candidates: int = 64
    per_band: int = 16
    seed: int = 20261123
    _keys: list[str | None] = field(default_factory=list, repr=False)
    _recent: dict[int, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.num_perm % self.bands:
            raise ValueError("num_perm must be a multiple of bands")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.rows = self.num_perm // self.bands
        rng = np.random.default_rng(self.seed)
        # linear permutations modulo 2**32 of mixed shingle hashes: odd multipliers, any offset
        self._a = (rng.integers(0, 2**32, size=(self.num_perm, 1), dtype=np.uint64) | 1).astype(_U32)
        self._b = rng.integers(0, 2**32, size=(self.num_perm, 1), dtype=np.uint64).astype(_U32)
        self._band_weights = rng.integers(0, 2**63, size=self.rows, dtype=np.uint64) * _U64(2) + _U64(1)
        self._band_seeds = rng.integers(0, 2**63, size=self.bands, dtype=np.uint64)
        self._sigs = np.zeros((1024, self.num_perm), dtype=np.uint16)
        self._times = np.zeros(1024, dtype=np.float64)
        self._sizes = np.zeros(1024, dtype=np.int32)
        self._main_keys = np.zeros(0, dtype=np.int64)
        self._main_slots = np.zeros(0, dtype=np.int64)
        self._mid_keys = np.zeros(0, dtype=np.int64)
        self._mid_slots = np.zeros(0, dtype=np.int64)
        self._recent_entries = 0
        self._base = 0        # global slot of physical row 0
        self._next = 0        # next global slot
        self._oldest = 0      # first global slot not pruned
        self._live = 0

    def __len__(self) -> int:
        return self._live

    # -- signatures ------------------------------------------------------------------------
    def signature(self, text: str) -> Signature | None:
        """MinHash of the text's character shingles (None for an empty text)."""
        return self.signatures([text])[0]

    def signatures(self, texts: Sequence[str]) -> list[Signature | None]:
        """:meth:`signature` of each text, computed for all of them at once: numpy's fixed cost
        per call is paid once per batch rather than once per post."""
        k = self.shingle
        encoded: list[bytes] = []
        counts: list[int] = []
        present: list[int] = []
        for i, text in enumerate(texts):
            text = " ".join(text.split())
            if not text:
                continue
            if len(text) < k:
                text = text.ljust(k)
            encoded.append(text.encode("utf-16-le"))
            counts.append(len(text) - k + 1)
            present.append(i)
        found: list[Signature | None] = [None] * len(texts)
        if not encoded:
            return found
        units = b"".join(encoded)
        firsts = list(accumulate(counts, initial=0))       # where each text's shingles start
        at = np.arange(firsts[-1], dtype=np.int64)         # shingle → its first unit in `units`
        if len(encoded) > 1:
            offsets = accumulate((len(e) // 2 for e in encoded[:-1]), initial=0)
            at += np.repeat(np.fromiter((o - f for o, f in zip(offsets, firsts, strict=False)), dtype=np.int64,
                                        count=len(encoded)), counts)
        # a shingle is 5 UTF-16 units: the first 4 read as one 64-bit word (a view at a 2-byte
        # stride, no copy), the 5th mixed in; the top 32 bits of the mixed word are its hash
        n = len(units) // 2 - k + 1
        h = np.ndarray((n,), dtype=_U64, buffer=units, strides=(2,))[at] * _MIX1
        h += np.ndarray((n,), dtype=np.uint16, buffer=units, offset=2 * (k - 1))[at]
        h ^= h >> _U64(29)
        h *= _MIX2
        hashed = (h >> _U64(32)).astype(_U32)
        values = np.empty((len(encoded), self.num_perm), dtype=_U32)
        # texts in chunks: the (permutations × shingles) matrix stays within a few MiB
        chunk = max(1, _CHUNK_CELLS // (self.num_perm * max(counts)))
        for lo in range(0, len(encoded), chunk):
            hi = min(len(encoded), lo + chunk)
            mixed = self._a * hashed[firsts[lo]:firsts[hi]] + self._b
            if hi - lo == 1:
                values[lo] = mixed.min(axis=1)
            else:
                values[lo:hi] = np.minimum.reduceat(mixed, np.subtract(firsts[lo:hi], firsts[lo]), axis=1).T
        bands = self._band_keys(values)
        low = values.astype(np.uint16)
        for j, i in enumerate(present):
            found[i] = Signature(low[j], counts[j], bands[j])
        return found

    def _band_keys(self, values: np.ndarray) -> np.ndarray:
        """The LSH key of each band of each signature row: a random linear combination of its
        ``rows`` values modulo 2**64 (two different bands share a key with probability about
        2**-32 at worst), plus the band's own offset."""
        grouped = values.reshape(len(values), self.bands, self.rows).astype(_U64)
        keys = (grouped * self._band_weights).sum(axis=2, dtype=_U64)
        keys += self._band_seeds
        return keys.view(np.int64)

    # -- queries ---------------------------------------------------------------------------
    def query(self, sig: Signature | None, limit: int | None = None) -> list[tuple[str, float]]:
        """Indexed keys similar to ``sig`` at or above the threshold, most similar first and the
        most recent first among equals (the ``limit`` first when given)."""
        if sig is None:
            return []
        per_band = self.per_band
        parts: list[np.ndarray] = []
        for keys, slots in ((self._main_keys, self._main_slots), (self._mid_keys, self._mid_slots)):
            if len(keys):
                starts = np.searchsorted(keys, sig.bands).tolist()
                ends = np.searchsorted(keys, sig.bands, "right").tolist()
                # within a key, slots ascend: take each band's most recent entries
                parts += [slots[max(start, end - per_band):end] for start, end in zip(starts, ends, strict=True)
                          if end > start]
        recent = self._recent
        tail: list[int] = []
        for key in sig.bands.tolist():
            bucket = recent.get(key)
            if bucket:
                tail += bucket[-per_band:]
        if tail:
            parts.append(np.asarray(tail, dtype=np.int64))
        if not parts:
            return []
        cands_arr = _distinct(np.concatenate(parts))           # ascending
        cands_arr = cands_arr[cands_arr >= self._oldest][-self.max_candidates:][::-1]   # newest first on ties
        if not len(cands_arr):
            return []
        base = self._base
        rows = cands_arr - base
        scores = (self._sigs[rows] == sig.values).sum(axis=1) / self.num_perm
        order = np.flatnonzero(scores >= self.threshold)
        order = order[np.argsort(-scores[order], kind="stable")][:limit]
        keys = self._keys
        found = [(keys[r], s) for r, s in zip(rows[order].tolist(), scores[order].tolist(), strict=True)]
        return [(k, s) for k, s in found if k is not None]

    def scores(self, sig: Signature, slots: list[int]) -> list[float]:
        """Estimated Jaccard similarity of ``sig`` with each of the live ``slots``."""
        rows = np.asarray(slots, dtype=np.int64) - self._base
        return (self._sigs[rows] == sig.values).mean(axis=1).tolist()  # type: ignore[no-any-return]

    def size_of(self, slot: int) -> int:
        """The number of distinct shingles of the text indexed at ``slot``."""
        return int(self._sizes[slot - self._base])

    def is_live(self, slot: int) -> bool:
        return self._oldest <= slot < self._next

    # -- updates ---------------------------------------------------------------------------
    def add(self, key: str, sig: Signature | None, when: float, *, searchable: bool = True) -> int | None:
        """Index ``key`` (a canonical complaint id) created at ``when`` (epoch seconds).
        Returns its slot (None for an empty text, which is not indexed). An entry that is not
        ``searchable`` keeps its signature for :meth:`scores` but is never a query's answer."""
        if sig is None:
            return None
        slot = self._next
        row = slot - self._base
        if row >= len(self._sigs):
            self._grow()
        self._sigs[row] = sig.values
        self._times[row] = when
        self._sizes[row] = sig.size
        self._keys.append(key)
        self._next += 1
        self._live += 1
        if not searchable:
            return slot
        recent = self._recent
        for band in sig.bands.tolist():
            bucket = recent.get(band)
            if bucket is None:
                recent[band] = [slot]
            else:
                bucket.append(slot)
        self._recent_entries += self.bands
        if self._recent_entries >= max(_RECENT_MIN, min(_RECENT_MAX, len(self._main_keys) // 4)):
            self._flush_recent()
            if len(self._mid_keys) >= len(self._main_keys) // 4:
                self._merge()
        return slot

    def prune(self, before: float) -> int:
        """Forget entries created before ``before`` (entries are added roughly in time order)."""
        dropped = 0
        times, base, keys = self._times, self._base, self._keys
        while self._oldest < self._next and times[self._oldest - base] < before:
            row = self._oldest - base
            self._oldest += 1
            if keys[row] is not None:
                keys[row] = None
                self._live -= 1
                dropped += 1
        return dropped

    def _grow(self) -> None:
        # compact first: rows of pruned entries are dropped when they make up half the store
        dead = self._oldest - self._base
        if dead and dead >= (self._next - self._base) // 2:
            self._merge()
            return
        extra = len(self._sigs)
        self._sigs = np.concatenate([self._sigs, np.zeros_like(self._sigs[:extra])])
        self._times = np.concatenate([self._times, np.zeros(extra)])
        self._sizes = np.concatenate([self._sizes, np.zeros(extra, dtype=np.int32)])

    def _flush_recent(self) -> None:
        """Fold the recent entries into the middle sorted arrays (dropping pruned ones)."""
        oldest = self._oldest
        pairs = [(k, s) for k, bucket in self._recent.items() for s in bucket if s >= oldest]
        add_keys = np.fromiter((k for k, _ in pairs), dtype=np.int64, count=len(pairs))
        add_slots = np.fromiter((s for _, s in pairs), dtype=np.int64, count=len(pairs))
        order = np.lexsort((add_slots, add_keys))
        self._mid_keys, self._mid_slots = _merged(self._mid_keys, self._mid_slots, add_keys[order],
                                                  add_slots[order], oldest)
        self._recent = {}
        self._recent_entries = 0

    def _merge(self) -> None:
        """Fold the recent and middle entries into the main arrays, drop pruned entries and
        compact."""
        self._flush_recent()
        self._main_keys, self._main_slots = _merged(self._main_keys, self._main_slots, self._mid_keys,
                                                    self._mid_slots, self._oldest)
        self._mid_keys = np.zeros(0, dtype=np.int64)
        self._mid_slots = np.zeros(0, dtype=np.int64)
        self._compact()

    def _compact(self) -> None:
        dead = self._oldest - self._base
        if not dead:
            return
        used = self._next - self._base
        keep = used - dead
        capacity = max(1024, 1 << max(keep * 2 - 1, 1).bit_length())
        sigs = np.zeros((capacity, self.num_perm), dtype=np.uint16)
        sigs[:keep] = self._sigs[dead:used]
        times = np.zeros(capacity)
        times[:keep] = self._times[dead:used]
        sizes = np.zeros(capacity, dtype=np.int32)
        sizes[:keep] = self._sizes[dead:used]
        self._sigs, self._times, self._sizes = sigs, times, sizes
        self._keys = self._keys[dead:]
        self._base = self._oldest


def _merged(keys: np.ndarray, slots: np.ndarray, add_keys: np.ndarray, add_slots: np.ndarray,
            oldest: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted ``(keys, slots)`` and newer sorted entries in one sorted pair of arrays, without
    entries pruned before slot ``oldest`` (newer slots go after older ones of an equal key)."""
    live = slots >= oldest
    keys, slots = keys[live], slots[live]
    at = np.searchsorted(keys, add_keys, "right")
    return np.insert(keys, at, add_keys), np.insert(slots, at, add_slots)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (``np.unique`` without its fixed cost, which dominates at
    the few hundred candidates of one query)."""
    values = np.sort(values)
    keep = np.empty(len(values), dtype=bool)
    keep[:1] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]
