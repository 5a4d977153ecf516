from __future__ import annotations

import pytest

from shikayat.pipeline.neardup import NearDuplicateIndex
from shikayat.textnorm import normalize_text


def _jaccard(a: str, b: str, k: int = 5) -> float:
    sa = {a[i:i + k] for i in range(len(a) - k + 1)}
    sb = {b[i:i + k] for i in range(len(b) - k + 1)}
    return len(sa & sb) / len(sa | sb)


@pytest.mark.parametrize(("a", "b"), [
    ("meri chain chheen li hazratganj mein abhi 2 ladke bike pe the", "meri chain chheen li hazratganj mein abhi 2 ladke bike pe the please help"),
    ("मेरा मोबाइल चोरी हो गया आलमबाग बस स्टैंड से कृपया मदद करें", "मेरा मोबाइल चोरी हो गया आलमबाग बस स्टैंड से"),
    ("meri chain chheen li hazratganj mein", "meri maa ki chain chheen li hazratganj market ke paas kal shaam"),
])
def test_signature_similarity_estimates_jaccard(a: str, b: str) -> None:
    idx = NearDuplicateIndex(num_perm=256, bands=64)
    est = float((idx.signature(a) == idx.signature(b)).mean())  # type: ignore[operator]
    assert abs(est - _jaccard(" ".join(a.split()), " ".join(b.split()))) < 0.12


def test_query_finds_near_duplicates_above_the_threshold_only() -> None:
    idx = NearDuplicateIndex(threshold=0.6)
    base = normalize_text("@uppolice UPI fraud ho gaya 25000 kat gaye account se OTP nahi diya")
    idx.add("c1", idx.signature(base), 100.0)
    idx.add("c2", idx.signature(normalize_text("loud dj near gomti nagar sector 4 all night")), 100.0)
    hits = idx.query(idx.signature(normalize_text("UPI fraud ho gaya 25000 kat gaye account se OTP nahi diya please")))
    assert [k for k, _ in hits] == ["c1"] and hits[0][1] >= 0.6
    assert idx.query(idx.signature(normalize_text("mobile chori ho gaya aminabad market"))) == []
    assert idx.query(None) == [] and idx.signature("   ") is None


def test_prune_forgets_old_entries_and_keeps_the_rest() -> None:
    idx = NearDuplicateIndex()
    for i, t in enumerate(["chain snatching near the gpo today", "mobile stolen at charbagh station", "jam at polytechnic crossing"]):
        idx.add(f"c{i}", idx.signature(t), float(i))
    assert idx.prune(before=1.5) == 2 and len(idx) == 1
    assert idx.query(idx.signature("chain snatching near the gpo today")) == []
    assert [k for k, _ in idx.query(idx.signature("jam at polytechnic crossing"))] == ["c2"]
    assert idx._bands and all(idx._keys[s] is not None for b in idx._bands.values() for s in b)


def test_bands_must_divide_permutations() -> None:
    with pytest.raises(ValueError):
        NearDuplicateIndex(num_perm=100, bands=32)
