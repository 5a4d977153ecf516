from __future__ import annotations

import pytest

from shikayat_twitter.text import LIMIT, clusters, fit, weighted_length


@pytest.mark.parametrize(("text", "weight"), [
    ("hello", 5),
    ("मेरा फोन", 8),                                    # Devanagari weighs 1 per code point
    ("日本", 4),                                        # CJK weighs 2
    ("👍", 2),
    ("👍🏽", 2),                                        # skin tone: one emoji
    ("👨‍👩‍👧", 2),                                  # ZWJ family: one emoji
    ("🇮🇳", 2),                                        # flag
    ("see https://example.org/a/very/long/path?x=1", 4 + 23),
    ("visit uppolice.gov.in now", 6 + 23 + 4),
    ("“quoted”", 8),                                   # curly quotes are in a light range
])
def test_weighted_length(text: str, weight: int) -> None:
    assert weighted_length(text) == weight


def test_text_that_fits_is_unchanged() -> None:
    text = "आपकी शिकायत दर्ज कर ली गई है, संदर्भ संख्या SK-7K3M-Q2ZD।"
    assert fit(text) == text


def test_fit_never_exceeds_the_limit_or_splits_a_cluster() -> None:
    text = "क्षमा करें " * 40 + "👨‍👩‍👧" * 50
    out = fit(text)
    assert weighted_length(out) <= LIMIT and out.endswith("…")
    assert "".join(clusters(out[:-1])) == out[:-1]
    for cl in clusters(out[:-1]):
        assert not cl.startswith("\u094d") and not cl.startswith("\u093f")   # no orphan virama or matra


def test_fit_keeps_or_drops_urls_whole() -> None:
    text = "x" * 250 + " https://example.org/" + "p" * 60 + " tail"
    out = fit(text)
    assert weighted_length(out) <= LIMIT
    assert "https://" not in out or "https://example.org/" + "p" * 60 in out


def test_emoji_at_the_boundary_is_not_cut_in_half() -> None:
    out = fit("a" * 277 + "👍🏽👍🏽")
    assert out == "a" * 277 + "…" and weighted_length(out) == 279      # "…" weighs 2; 👍🏽 would not fit
