"""Grapheme-like clusters: what a reader sees as one character is never split."""

from __future__ import annotations

from shikayat.graphemes import clusters


def test_marks_conjuncts_emoji_sequences_and_flags_stay_whole() -> None:
    assert clusters("किताब") == ["कि", "ता", "ब"]                       # vowel signs stay on their letter
    assert clusters("क्षमा") == ["क्ष", "मा"]                             # a virama joins the next consonant
    assert clusters("👨‍👩‍👧 👍🏽") == ["👨‍👩‍👧", " ", "👍🏽"]                  # ZWJ sequence, skin tone
    assert clusters("🇮🇳🇮🇳") == ["🇮🇳", "🇮🇳"]                           # regional indicators pair up
    assert "".join(clusters("any text, हिंदी भी")) == "any text, हिंदी भी"
