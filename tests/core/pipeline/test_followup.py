"""Follow-up words and content-word fingerprints."""

from __future__ import annotations

import pytest

from shikayat.pipeline.followup import content_words, reads_as_follow_up, shared_words
from shikayat.textnorm import normalize_text


@pytest.mark.parametrize("text", [
    "Still pending, 27 days now", "he threatened me again", "Update: they locked her in a room",
    "no action yet on the smack selling", "abhi tak paise wapas nahi", "ladke ne aaj fir dhamki di",
    "sir koi action hua?", "firozabad wale maamle me", "अभी तक नहीं मिला", "गुंडे फिर घर के बाहर",
    "कोई कार्रवाई नहीं",
])
def test_follow_up_words(text: str) -> None:
    assert reads_as_follow_up(text)


@pytest.mark.parametrize("text", [
    "meri chain chheen li hazratganj mein", "FIR no. 123 likhi gayi", "my phone was stolen at the station",
    "फिरोजाबाद में चोरी", "stillness of the night",
])
def test_not_follow_up_words(text: str) -> None:
    assert not reads_as_follow_up(text)


def test_content_words_leave_out_function_and_complaint_words() -> None:
    a = content_words(normalize_text("Polytechnic chauraha Gazipur, please help police sir, abhi tak kuch nahi"))
    b = content_words(normalize_text("gazipur thana ke polytechnic chauraha ke peeche chori, please help"))
    assert shared_words(a, b) == 3
    assert shared_words(content_words(normalize_text("please help sir police nahi")), b) == 0
    assert content_words("") == b"" and shared_words(b"", b) == 0
