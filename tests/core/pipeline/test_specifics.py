from __future__ import annotations

import pytest

from shikayat.pipeline.specifics import extract


@pytest.mark.parametrize(("text", "kind", "values"), [
    ("Meri bike UP32 AB 1234 chori ho gayi", "vehicle", {"UP32AB1234"}),
    ("gaadi no. up-32-ab-1234 hai", "vehicle", {"UP32AB1234"}),
    ("RJ14 CA 0001 wali car ne takkar maari", "vehicle", {"RJ14CA0001"}),
    ("98XXXXXX12 se call aaya", "phone", {"98xxxxxx12"}),
    ("call from +91 98765 43210 asking OTP", "phone", {"9876543210"}),
    ("FIR no. 123/2026 likhi gayi", "fir", {"123/26"}),
    ("मुकदमा संख्या १२३/२६ दर्ज है", "fir", {"123/26"}),
    ("₹25,000 kat gaye", "number", {"25000"}),
    ("25 hazar rupaye gaye", "number", {"25000"}),
    ("1.5 lakh ka saman chori", "number", {"150000"}),
    ("२५ हजार रुपये कट गए", "number", {"25000"}),
    ("on 12/10 near the gpo", "date", {"12/10"}),
    ("12 अक्टूबर की रात", "date", {"12/10"}),
    ("raat 10 baje", "time", {str(22 * 60)}),
    ("raat 2 baje", "time", {str(2 * 60)}),
    ("रात 10 बजे", "time", {str(22 * 60)}),
    ("at 10:30 pm", "time", {str(22 * 60 + 30)}),
    ("10 baje", "time", {str(10 * 60), str(22 * 60)}),
    ("Meri beti Priya kal se gayab", "name", {"priya"}),
    ("victim name is Ramesh", "name", {"ramesh"}),
])
def test_extract(text: str, kind: str, values: set[str]) -> None:
    assert extract(text).get(kind) == values


# Each kind written as tightly as it may be: the quick search that lets a post skip a pattern
# must still let these through.
@pytest.mark.parametrize(("text", "kind", "values"), [
    ("loot at 9:05 near gate", "time", {str(9 * 60 + 5), str(21 * 60 + 5)}),
    ("ghatna 7pm ki hai", "time", {str(19 * 60)}),
    ("paise 5k liye", "number", {"5000"}),
    ("rs500 liye", "number", {"500"}),
    ("on 12oct near the gpo", "date", {"12/10"}),
    ("मु.अ.स. 12/26 दर्ज", "fir", {"12/26"}),
    ("case no 45 pending", "fir", {"45"}),
    ("call 98765x4321 now", "phone", {"98765x4321"}),
    ("up32ab1234 ne maara", "vehicle", {"UP32AB1234"}),
    ("meri beti Priya ghar nahi aayi", "name", {"priya"}),
])
def test_extract_tight_forms(text: str, kind: str, values: set[str]) -> None:
    assert extract(text).get(kind) == values


def test_helplines_years_and_small_numbers_are_not_specifics() -> None:
    assert not extract("100 number pe call kiya, 112 bhi, 2 ghante se jam, sector 4, 2026 mein bhi yahi haal")


def test_conflicts_need_both_sides_and_no_common_value() -> None:
    a = extract("raat 10 baje UP32 AB 1234 chori")
    assert a.conflict(extract("raat 10:30 baje chori")) is None          # within the hour, no vehicle
    assert a.conflict(extract("subah 6 baje chori")) == "time"
    assert a.conflict(extract("UP32 CD 9999 chori raat 10 baje")) == "vehicle"
    assert a.conflict(extract("UP32 CD 9999 chori"), kinds=("time",)) is None
    assert extract("98XXXXXX12").conflict(extract("9812345612")) is None   # masked digits match
    assert extract("FIR 12/26").shares(extract("fir no 12/2026 ki copy"))


@pytest.mark.parametrize(("text", "values"), [
    ("OTP fraud 7450, abhi tak paise wapas nahi", {"7450"}),     # a comma after the number is punctuation
    ("KBC lottery fraud 65000. kuch action ho", {"65000"}),
    ("48,500 kat gaye", {"48500"}),
    ("1.5 lakh gaye", {"150000"}),
])
def test_bare_numbers_before_punctuation(text: str, values: set[str]) -> None:
    assert extract(text).get("number") == values


def test_shares_any_needs_a_common_value_of_one_kind() -> None:
    assert extract("48,500 gaye").shares_any(extract("48500 wala fraud"))
    assert not extract("48,500 gaye").shares_any(extract("raat 10 baje"))
    assert not extract("48,500 gaye").shares(extract("48500 wala fraud"))   # identifying kinds only
