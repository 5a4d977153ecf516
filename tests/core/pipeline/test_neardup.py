from __future__ import annotations

import random

import pytest

from shikayat.pipeline.neardup import NearDuplicateIndex, containment
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
    sa, sb = idx.signature(a), idx.signature(b)
    assert sa is not None and sb is not None
    assert abs(sa.similarity(sb) - _jaccard(" ".join(a.split()), " ".join(b.split()))) < 0.12


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



def test_entries_survive_merges_and_compaction_and_expire_in_order() -> None:
    """Band entries move from the recent dictionary into the sorted arrays (merge) and the
    signature store drops pruned rows (compaction); lookups and slots stay right throughout."""
    idx = NearDuplicateIndex()
    words = "chain mobile bike purse chori chheen gali sector thana market raat subah kal aaj jaldi help".split()
    rng = random.Random(7)
    texts = [" ".join(rng.sample(words, 6)) + f" {rng.randrange(10**9)}" for _ in range(6000)]
    slots = [idx.add(f"c{i}", idx.signature(t), float(i)) for i, t in enumerate(texts)]
    assert len(idx._main_keys) > 0                               # merged at least once
    assert [k for k, _ in idx.query(idx.signature(texts[10]))][:1] == ["c10"]
    assert idx.prune(before=5000.0) == 5000 and len(idx) == 1000
    assert idx.query(idx.signature(texts[10])) == [] or "c10" not in dict(idx.query(idx.signature(texts[10])))
    for i in range(6000, 9000):                                  # more adds: merge + compaction
        idx.add(f"c{i}", idx.signature(" ".join(rng.sample(words, 6)) + f" {rng.randrange(10**9)}"), float(i))
    assert idx._base > 0                                         # pruned rows were dropped
    sig = idx.signature(texts[5500])
    assert [k for k, _ in idx.query(sig)][:1] == ["c5500"]
    assert sig is not None and idx.scores(sig, [slots[5500]])[0] == 1.0   # global slots stay valid


def test_unsearchable_entries_keep_their_signature_only() -> None:
    idx = NearDuplicateIndex()
    sig = idx.signature("sir meri bike chori ho gayi gomti nagar se")
    slot = idx.add("d1", sig, 1.0, searchable=False)
    assert idx.query(sig) == []
    assert sig is not None and slot is not None and idx.scores(sig, [slot]) == [1.0] and idx.size_of(slot) > 20


def test_containment_reads_a_repeat_with_more_detail() -> None:
    idx = NearDuplicateIndex(num_perm=256, bands=64)
    short = idx.signature("sir meri bike chori ho gayi gomti nagar se")
    long = idx.signature("sir meri bike chori ho gayi gomti nagar se kal raat, vipul khand, fir bhi nahi likh rahe")
    assert short is not None and long is not None
    j = short.similarity(long)
    assert j < 0.6 < containment(j, short.size, long.size)
    assert containment(0.0, 0, 10) == 0.0


def test_bands_must_divide_permutations_and_threshold_is_a_share() -> None:
    with pytest.raises(ValueError):
        NearDuplicateIndex(num_perm=100, bands=32)
    with pytest.raises(ValueError):
        NearDuplicateIndex(threshold=0)


def test_a_flood_of_look_alikes_bounds_the_work_and_keeps_the_newest() -> None:
    idx = NearDuplicateIndex(per_band=4, max_candidates=8)
    template = normalize_text("UPI fraud hua hai 25000 kat gaye account se please help ref")
    for i in range(3000):          # thousands of open look-alike cases, across merges
        idx.add(f"c{i}", idx.signature(f"{template} {i:06d}"), float(i))
    hits = idx.query(idx.signature(f"{template} 999999"))
    assert 0 < len(hits) <= 8                                       # at most max_candidates scored
    assert all(int(k[1:]) >= 2000 for k, _ in hits)                  # each band's newest entries
    exact = idx.query(idx.signature(f"{template} 002999"), limit=1)
    assert exact == [("c2999", 1.0)]


def test_signatures_of_a_batch_equal_each_text_signed_alone() -> None:
    """A batch is signed in one computation over all its texts: no shingle may run from one text
    into the next, and empty or very short texts keep their place."""
    idx = NearDuplicateIndex()
    texts = ["meri chain chheen li hazratganj mein abhi", "", "  ", "sos",
             "मेरा मोबाइल चोरी हो गया आलमबाग बस स्टैंड से",
             "loud dj " * 40, "chain", "UPI fraud 25000 kat gaye"]
    batch = idx.signatures(texts)
    for text, sig in zip(texts, batch, strict=True):
        (alone,) = idx.signatures([text])
        if alone is None:
            assert sig is None
            continue
        assert sig is not None and sig.size == alone.size
        assert (sig.values == alone.values).all() and (sig.bands == alone.bands).all()


def test_entries_are_found_in_every_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """Band entries pass from the recent dictionary to the middle arrays and on to the main
    ones; a query reads all three, so every indexed text is found wherever its entries sit."""
    monkeypatch.setattr("shikayat.pipeline.neardup._RECENT_MIN", 64)
    monkeypatch.setattr("shikayat.pipeline.neardup._RECENT_MAX", 64)
    idx = NearDuplicateIndex()
    rng = random.Random(11)
    texts = [" ".join("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=6)) for _ in range(6)) for _ in range(3000)]
    levels_seen = set()
    for i, text in enumerate(texts):
        idx.add(f"c{i}", idx.signature(text), float(i))
        levels_seen.add((len(idx._main_keys) > 0, len(idx._mid_keys) > 0, bool(idx._recent)))
    assert (True, True, True) in levels_seen                       # all three levels held entries at once
    for i in range(0, 3000, 7):
        assert [k for k, _ in idx.query(idx.signature(texts[i]))][:1] == [f"c{i}"]
