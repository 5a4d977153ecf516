from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shikayat.complaint import Author, Complaint, docket_for, new_id


def _complaint(**kw: object) -> Complaint:
    base: dict[str, object] = {
        "platform": "twitter",
        "external_id": "1900000000000000002",
        "author": Author(id="42", handle="someone"),
        "text": "chain chheen li hazratganj me",
        "created_at": datetime(2026, 5, 1, 9, 30, tzinfo=UTC),
    }
    base.update(kw)
    return Complaint(**base)  # type: ignore[arg-type]


UTC = timezone.utc


def test_times_are_converted_to_utc() -> None:
    ist = timezone(timedelta(hours=5, minutes=30))
    c = _complaint(created_at=datetime(2026, 5, 1, 15, 0, tzinfo=ist))
    assert c.created_at == datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    assert c.created_at.utcoffset() == timedelta(0)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        _complaint(created_at=datetime(2026, 5, 1, 9, 30))


def test_complaint_is_frozen_and_derivations_copy() -> None:
    c = _complaint()
    with pytest.raises(ValidationError):
        c.category = "theft"  # type: ignore[misc]
    d = c.model_copy(update={"category": "theft"})
    assert (c.category, d.category) == ("uncategorised", "theft")


def test_phone_is_kept_out_of_repr() -> None:
    a = Author(id="wa", phone="919800000000")
    assert "9198" not in repr(a)


def test_json_round_trip_keeps_ids_as_strings() -> None:
    c = _complaint(external_id="1790000000000000001")
    again = Complaint.model_validate_json(c.model_dump_json())
    assert again == c
    assert again.external_id == "1790000000000000001"


def test_dockets_are_unique_and_printable() -> None:
    seen = {docket_for(i) for i in range(200_000)}
    assert len(seen) == 200_000
    sample = docket_for(12345)
    assert sample.startswith("SK-") and len(sample) == 12 and sample.isascii()
    assert not set(sample[3:]) & set("ILOU")
    # consecutive rows do not give consecutive-looking references
    assert docket_for(1)[3:7] != docket_for(2)[3:7] or docket_for(1)[8:] != docket_for(2)[8:]
    with pytest.raises(ValueError):
        docket_for(-1)


def test_new_ids_sort_by_time_and_are_unique() -> None:
    ids = [new_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(len(i) == 26 for i in ids)


def _crockford_digits(value: int, chars: int) -> str:
    """The encoding spelled out: ``chars`` base-32 digits, most significant first."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(alphabet[(value >> (5 * (chars - 1 - i))) & 31] for i in range(chars))


def test_ids_and_dockets_are_crockford_base32_of_their_value() -> None:
    """Stored references must never change: every docket is the Crockford base-32 spelling of
    the bijection of its sequence, and every id of its 128-bit value (48-bit time first)."""
    import random

    from shikayat.complaint import _DOCKET_ADD, _DOCKET_MASK, _DOCKET_MUL, _ulid

    rng = random.Random(7)
    for seq in [0, 1, 2, 31, 32, 12345, _DOCKET_MASK - 1, _DOCKET_MASK] + [rng.randrange(_DOCKET_MASK) for _ in range(2000)]:
        code = _crockford_digits((seq * _DOCKET_MUL + _DOCKET_ADD) & _DOCKET_MASK, 8)
        assert docket_for(seq, "UP") == f"UP-{code[:4]}-{code[4:]}"
    with pytest.raises(ValueError):
        docket_for(_DOCKET_MASK + 1)
    for value in [0, 1, 2**80 - 1, 2**128 - 1] + [rng.getrandbits(128) for _ in range(2000)]:
        assert _ulid(value) == _crockford_digits(value, 26)
    before = int(time.time() * 1000)
    made = new_id()
    after = int(time.time() * 1000)
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    decoded = int("".join(f"{alphabet.index(ch):05b}" for ch in made), 2)
    assert before <= decoded >> 80 <= after


def test_script_counts_are_those_of_the_character_classes() -> None:
    """detect_language counts Devanagari (U+0900-U+097F) and ASCII letters; whatever way it
    counts, the counts are those of the two character classes, on any text."""
    import random
    import re

    from shikayat.complaint import _script_counts

    rng = random.Random(11)
    pools = ["abcXYZ019 @#_-.\n", "\u0900\u0901\u093f\u0940\u097f\u0980\u08ff\u0a00", "éßøñ\u00a0\u2019",
             "\U0001f600\U0001f64f", "\ud800\udfff", "\u0e00\u0ea4\u0fff\u0800"]
    texts = ["", "मेरा फोन चोरी हो गया", "UPI fraud hua hai", "मेरी चेन छीन ली Hazratganj mein"]
    texts += ["".join(rng.choice(rng.choice(pools)) for _ in range(rng.randrange(60))) for _ in range(3000)]
    for text in texts:
        expected = (len(re.findall(r"[\u0900-\u097F]", text)), len(re.findall(r"[A-Za-z]", text)))
        assert _script_counts(text) == expected, text


@pytest.mark.parametrize(("text", "lang"), [
    ("मेरा फोन चोरी हो गया", "hi"),
    ("my phone was stolen", "en"),
    ("मेरी चेन छीन ली Hazratganj mein abhi", "mixed"),
    ("मेरा फोन चोरी हो गया आलमबाग में @uppolice", "hi"),      # a tagged handle does not make it mixed
    ("1234 !!!", "und"),
])
def test_detect_language(text: str, lang: str) -> None:
    from shikayat.complaint import detect_language

    assert detect_language(text).value == lang
