from __future__ import annotations

import pytest

from shikayat.textnorm import dedupe_key, normalize_text


@pytest.mark.parametrize(("raw", "normalized"), [
    ("RT @abc: Chain SNATCHED at Hazratganj!!!", "chain snatched at hazratganj!"),
    ("@uppolice meri chain chheen li https://t.co/xyz #TwitterSewa", "meri chain chheen li twittersewa"),
    ("हज़रतगंज में चेन छीनी", "हजरतगंज में चेन छीनी"),          # precomposed/combining nukta removed
    ("हज\u093cरतगंज", "हजरतगंज"),
    ("गाँव", "गांव"),                                           # chandrabindu → anusvara
    ("कॉल करें ११२ पर", "कॉल करें 112 पर"),                      # Devanagari digits
    ("pleaseeeee helppp", "pleasee helpp"),                      # elongation squeezed
    ("zero\u200bwidth\u200d here", "zerowidth here"),
    ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),                             # NFKC
])
def test_normalize_text(raw: str, normalized: str) -> None:
    assert normalize_text(raw) == normalized


def test_dedupe_key_ignores_punctuation_spacing_and_noise() -> None:
    a = dedupe_key(normalize_text("@uppolice Chain snatched at Hazratganj!!"))
    b = dedupe_key(normalize_text("chain  snatched at hazratganj @dgpup https://t.co/1"))
    c = dedupe_key(normalize_text("chain snatched at Aliganj"))
    assert a == b != c


def test_normalization_is_idempotent() -> None:
    text = "RT @x: मेरा फ़ोन चोरी हो गया!!! Alambagh mein @lkopolice"
    once = normalize_text(text)
    assert normalize_text(once) == once
