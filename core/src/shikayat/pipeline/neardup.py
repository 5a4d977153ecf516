"""Near-duplicate lookup: MinHash over character shingles with banded LSH.

Character shingles work the same for Devanagari, romanized Hindi and English. A post's
signature is ``num_perm`` minimum hashes of its shingle set; LSH splits the signature into
``bands`` (default 16 bands of 8 values: pairs at Jaccard 0.8 meet with probability 0.95,
unrelated texts at 0.15 almost never) and files the post under each band's value, so a query touches only the posts that
share a band — dictionary lookups whose cost does not grow with the number of posts indexed.
Candidates are then scored by the share of equal signature values (an estimate of the Jaccard
similarity of the shingle sets). Entries older than the window are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_MASK32 = np.uint64(0xFFFFFFFF)
_PRIME_BASE = np.uint64(1_000_003)


@dataclass
class NearDuplicateIndex:
    num_perm: int = 128
    bands: int = 16
    shingle: int = 5
    threshold: float = 0.6
    max_candidates: int = 200
    seed: int = 20261123
    _bands: dict[int, list[int]] = field(default_factory=dict)
    _keys: list[str | None] = field(default_factory=list)
    _times: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.num_perm % self.bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.rows = self.num_perm // self.bands
        rng = np.random.default_rng(self.seed)
        # multiply-shift hashing: random odd 64-bit multipliers; the product wraps modulo 2**64
        # and the high 32 bits are the hash (without the wrap the order of x would survive)
        self._a = (rng.integers(0, 2**64, size=self.num_perm, dtype=np.uint64) | np.uint64(1))[:, None]
        self._b = rng.integers(0, 2**64, size=self.num_perm, dtype=np.uint64)[:, None]
        self._powers = _PRIME_BASE ** np.arange(self.shingle - 1, -1, -1, dtype=np.uint64) & _MASK32
        self._sigs = np.zeros((1024, self.num_perm), dtype=np.uint32)
        self._live = 0
        self._oldest = 0

    def __len__(self) -> int:
        return self._live

    # -- signatures ------------------------------------------------------------------------
    def signature(self, text: str) -> np.ndarray | None:
        """MinHash of the text's character shingles (None for an empty text)."""
        text = " ".join(text.split())
        if not text:
            return None
        if len(text) < self.shingle:
            text = text.ljust(self.shingle)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        windows = np.lib.stride_tricks.sliding_window_view(codes, self.shingle)
        shingles = np.unique((windows * self._powers).sum(axis=1) & _MASK32)
        hashed = ((self._a * shingles + self._b) >> np.uint64(32)) & _MASK32
        return hashed.min(axis=1).astype(np.uint32)

    def _band_keys(self, sig: np.ndarray) -> list[int]:
        raw = sig.tobytes()
        width = self.rows * 4
        return [hash((i, raw[i * width:(i + 1) * width])) for i in range(self.bands)]

    # -- queries and updates ---------------------------------------------------------------
    def query(self, sig: np.ndarray | None) -> list[tuple[str, float]]:
        """Indexed keys similar to ``sig`` at or above the threshold, most similar first."""
        if sig is None:
            return []
        slots: set[int] = set()
        for key in self._band_keys(sig):
            bucket = self._bands.get(key)
            if bucket:
                slots.update(bucket)
        if not slots:
            return []
        # the most recent candidates first; a pathological bucket cannot make a query slow
        cands = sorted(slots, reverse=True)[:self.max_candidates]
        if not cands:
            return []
        scores = (self._sigs[cands] == sig).mean(axis=1)
        found = [(self._keys[s], float(score)) for s, score in zip(cands, scores, strict=True)
                 if score >= self.threshold]
        found.sort(key=lambda kv: -kv[1])
        return found  # type: ignore[return-value]

    def add(self, key: str, sig: np.ndarray | None, when: float) -> None:
        """Index ``key`` (a canonical complaint id) created at ``when`` (epoch seconds)."""
        if sig is None:
            return
        slot = len(self._keys)
        if slot >= len(self._sigs):
            self._sigs = np.concatenate([self._sigs, np.zeros_like(self._sigs)])
        self._sigs[slot] = sig
        self._keys.append(key)
        self._times.append(when)
        self._live += 1
        for band in self._band_keys(sig):
            self._bands.setdefault(band, []).append(slot)

    def prune(self, before: float) -> int:
        """Drop entries created before ``before`` (entries are added roughly in time order)."""
        dropped = 0
        while self._oldest < len(self._keys) and self._times[self._oldest] < before:
            slot = self._oldest
            self._oldest += 1
            if self._keys[slot] is None:
                continue
            for band in self._band_keys(self._sigs[slot]):
                bucket = self._bands.get(band)
                if bucket is not None:
                    bucket.remove(slot)
                    if not bucket:
                        del self._bands[band]
            self._keys[slot] = None
            self._live -= 1
            dropped += 1
        return dropped
