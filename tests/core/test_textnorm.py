from __future__ import annotations

import random

import pytest

from shikayat.phrases import words
from shikayat.textnorm import dedupe_key, normalize_text


@pytest.mark.parametrize(("raw", "normalized"), [
    ("RT @abc: Chain SNATCHED at Hazratganj!!!", "chain snatched at hazratganj!"),
    ("@uppolice meri chain chheen li https://t.co/xyz #TwitterSewa", "meri chain chheen li twittersewa"),
    ("हज़रतगंज में चेन छीनी", "हजरतगंज में चेन छीनी"),          # precomposed/combining nukta removed
    ("हज\u093cरतगंज", "हजरतगंज"),
    ("गाँव", "गांव"),                                           # chandrabindu → anusvara
    ("कॉल करें ११२ पर", "कोल करें 112 पर"),                      # Devanagari digits; candra o
    ("pleaseeeee helppp", "pleasee helpp"),                      # elongation squeezed
    ("zero\u200bwidth\u200d here", "zerowidth here"),
    ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),                             # NFKC
])
def test_normalize_text(raw: str, normalized: str) -> None:
    assert normalize_text(raw) == normalized


@pytest.mark.parametrize(("variants", "normalized"), [
    # a half nasal consonant before a consonant of its class is the anusvara
    (["हिन्दी", "हिंदी"], "हिंदी"),
    (["सम्बन्ध", "संबंध", "सम्बंध"], "संबंध"),
    (["पण्डित", "पंडित"], "पंडित"),
    (["गङ्गा", "गंगा"], "गंगा"),
    (["चञ्चल", "चंचल"], "चंचल"),
    (["ठण्डा", "ठंडा", "ठँडा"], "ठंडा"),
    (["कम्पनी", "कंपनी"], "कंपनी"),
    # …but not before a nasal, a semivowel or h (जन्म, सम्मान, अन्य, उन्हें keep their half letter)
    (["जन्म"], "जन्म"),
    (["सम्मान"], "सम्मान"),
    (["अन्य"], "अन्य"),
    (["उन्हें"], "उन्हें"),
    # visarga, typed as the sign or as a colon, is dropped
    (["दुःख", "दु:ख", "दुख"], "दुख"),
    # candra vowels of English loanwords
    (["ऑनलाइन ठगी", "ओनलाइन ठगी"], "ओनलाइन ठगी"),
    (["पॉक्सो", "पोक्सो"], "पोक्सो"),
    # word-final ये / यी after a letter
    (["चोरी हो गयी", "चोरी हो गई"], "चोरी हो गई"),
    (["ले गये", "ले गए"], "ले गए"),
    (["के लिये", "के लिए"], "के लिए"),
    (["चली गयीं", "चली गईं"], "चली गईं"),
    (["ये लोग"], "ये लोग"),                                      # the word ये itself stays
    (["नयापन"], "नयापन"),
    # danda, double danda and the | typed for it are a full stop
    (["चोरी हो गई।", "चोरी हो गई ।", "चोरी हो गई |", "चोरी हो गई॥", "चोरी हो गई."], "चोरी हो गई."),
])
def test_spelling_variants_normalize_to_one_form(variants: list[str], normalized: str) -> None:
    assert {normalize_text(v) for v in variants} == {normalized}


@pytest.mark.parametrize(("raw", "normalized"), [
    ("chain\u00a0snatching\u202fnear\u3000gpo", "chain snatching near gpo"),            # no-break spaces
    ("\u202ebachao\u202c \u200ehelp\u200f", "bachao help"),                            # direction marks
    ("so\u00adftware \u2060joiner\ufeff", "software joiner"),                         # soft hyphen, WJ, BOM
    ("fire ❤️ 👍🏽 🙏🏻", "fire ❤ 👍 🙏"),                                                # VS16, skin tones
    ("\U0001d407\U0001d41e\U0001d425\U0001d429 Ⓢⓞⓢ", "help sos"),                      # styled letters
    ("ʜᴇʟᴘ ᴍᴇ", "help me"),                                                          # small capitals
    ("bachāo, Dahēj", "bachao, dahej"),                                             # Latin diacritics
    ("“FIR” nahi likhi – thana ‘Aliganj’", '"fir" nahi likhi - thana \'aliganj\''),  # quotes, dashes
    ("৩ ੩ ૩ ٣ ۳", "3 3 3 3 3"),                                                       # other scripts' digits
    ("₹100000 kat gaye, call 9999999999", "₹100000 kat gaye, call 9999999999"),        # digits never squeezed
    ("बचाााओ!!! ##help @@x rt", "बचााओ! help rt"),
])
def test_pasted_and_styled_text(raw: str, normalized: str) -> None:
    assert normalize_text(raw) == normalized


def test_devanagari_words_are_whole_words() -> None:
    # Python's \w excludes vowel signs: a word splitter on \w alone would cut "चोरी" into "च", "र"
    assert words(normalize_text("मेरा मोबाइल चोरी हो गया।")) == ["मेरा", "मोबाइल", "चोरी", "हो", "गया"]


def test_dedupe_key_ignores_punctuation_spacing_and_noise() -> None:
    a = dedupe_key(normalize_text("@uppolice Chain snatched at Hazratganj!!"))
    b = dedupe_key(normalize_text("chain  snatched at hazratganj @dgpup https://t.co/1"))
    c = dedupe_key(normalize_text("chain snatched at Aliganj"))
    assert a == b != c


def test_dedupe_key_keeps_devanagari_vowel_signs_and_numbers() -> None:
    assert dedupe_key(normalize_text("मेरा फोन चोरी हो गया।")) == "मेराफोनचोरीहोगया"
    assert dedupe_key(normalize_text("मेरा फोन")) != dedupe_key(normalize_text("मारा फोन"))
    assert dedupe_key(normalize_text("10000 kat gaye")) != dedupe_key(normalize_text("100 kat gaye"))


def test_normalization_is_idempotent() -> None:
    text = "RT @x: मेरा फ़ोन चोरी हो गया!!! Alambagh mein @lkopolice"
    once = normalize_text(text)
    assert normalize_text(once) == once


# Pieces real posts are made of, and the characters that tripped earlier versions up.
_PIECES = [
    *"aAbBeEhlpsRT @#:!.?|-_ 0123456789\t\n",
    *"कखगचजटडतदनमपबयरलवशसहङञणािीुूेैोौं्ँ़ःॉॅऑऍ।॥क़ड़ज़०१९",
    "\u200b", "\u200d", "\u00a0", "\ufe0f", "\U0001f3fd", "❤", "ā", "ǰ", "İ", "ß", "ﬁ", "Ｆ", "ʜ", "“",
    "—", "https://t.co/x", "www.a", "RT @x: ", "@u ", "#", "न्", "म्", "दुः", "ये", "यी", "यीं",
]


@pytest.mark.parametrize("seed", range(4))
def test_normalization_is_idempotent_on_random_text(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(5000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 30)))
        once = normalize_text(text)
        assert normalize_text(once) == once, text
        assert dedupe_key(dedupe_key(once)) == dedupe_key(once)
