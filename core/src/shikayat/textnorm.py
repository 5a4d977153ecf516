"""Text normalization for Hindi (Devanagari), romanized Hindi and English.

Deterministic and cheap: the normalized form is stored with each complaint and is what
dedupe keys and classification keywords are matched against. It is idempotent:
``normalize_text(normalize_text(x)) == normalize_text(x)``.

What it unifies, in order:

- Unicode compatibility forms (NFKC: full-width letters, ligatures, "bold" and circled letters,
  no-break and ideographic spaces), then case (``casefold``).
- Platform noise: a leading ``RT @x:``, links, @mentions and the ``#`` of hashtags.
- Invisible characters people paste: zero-width spaces and joiners, soft hyphens, direction
  marks and embeddings, variation selectors and emoji skin-tone modifiers, tag characters.
- Devanagari spelling variants: nukta forms (ज़ → ज), chandrabindu (ँ → ं), candra vowels of
  English loanwords (ऑ → ओ, ॉ → ो), a half nasal consonant before a consonant of its class
  (हिन्दी → हिंदी, सम्बन्ध → संबंध, पण्डित → पंडित), visarga (दुःख, दु:ख → दुख), word-final
  ये/यी after a letter (गये → गए, लिये → लिए, गयी → गई); the danda
  (।, ॥, and the ``|`` typed for it) becomes a full stop, with no space before it.
- Digits of Indian scripts and Arabic-Indic digits → ASCII digits.
- Latin letters with diacritics (``bachāo``) and small capitals (``ʜᴇʟᴘ``) → plain letters;
  curly quotes and dashes → ASCII.
- Repeated punctuation squeezed to one, letters repeated three or more times (``pleaseee``)
  squeezed to two (digits are never squeezed: amounts and phone numbers stay intact),
  whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible or formatting characters that change nothing a reader sees.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f"
    "\u3164\ufeff\uffa0"
)
_DROP: dict[int, None] = dict.fromkeys(map(ord, _INVISIBLE), None)
_DROP.update(dict.fromkeys(range(0xFE00, 0xFE10)))           # variation selectors (emoji VS16)
_DROP.update(dict.fromkeys(range(0xE0000, 0xE0080)))         # tag characters
_DROP.update(dict.fromkeys(range(0x1F3FB, 0x1F400)))         # emoji skin-tone modifiers
_DROP.update(dict.fromkeys(range(0x0300, 0x0370)))           # combining diacritics (Latin, Greek…)
_DROP.update({
    0x093C: None,        # nukta sign
    0x0903: None,        # visarga
})

# Decimal digits of scripts people in India type in → ASCII.
_DIGIT_ZEROS = (0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66,
                0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0xA8D0, 0xA9D0, 0xABF0)
_DIGITS = {zero + i: ord("0") + i for zero in _DIGIT_ZEROS for i in range(10)}

_DEVANAGARI = {
    0x0901: 0x0902,      # chandrabindu → anusvara
    0x0911: 0x0913,      # ऑ → ओ (English loanwords: ऑनलाइन / ओनलाइन)
    0x0949: 0x094B,      # ॉ → ो  (कॉल / कोल, पॉक्सो / पोक्सो)
    0x090D: 0x090F,      # ऍ → ए
    0x0945: 0x0947,      # ॅ → े
    0x0964: ord("."),    # danda
    0x0965: ord("."),    # double danda
    ord("|"): ord("."),  # typed for a danda
}
_PRECOMPOSED_NUKTA = {
    "\u0958": "\u0915", "\u0959": "\u0916", "\u095a": "\u0917", "\u095b": "\u091c",
    "\u095c": "\u0921", "\u095d": "\u0922", "\u095e": "\u092b", "\u095f": "\u092f",
    "\u0929": "\u0928", "\u0931": "\u0930", "\u0934": "\u0933",
}
_PUNCTUATION = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
}
_SMALL_CAPITALS = dict(zip(
    "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnopqrstuvwyz", strict=True))   # no small x


def _latin_base_letters() -> dict[str, str]:
    """Precomposed Latin letters with diacritics → their ASCII base letter (``ā`` → ``a``)."""
    table: dict[str, str] = {}
    for cp in (*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base != chr(cp) and base.isascii() and base.isalpha():
            table[chr(cp)] = base.lower()
    return table


_MAP: dict[str, str | None] = {
    **_latin_base_letters(),
    **_PRECOMPOSED_NUKTA, **_PUNCTUATION, **_SMALL_CAPITALS,
    **{chr(k): (chr(v) if v is not None else None) for k, v in {**_DIGITS, **_DEVANAGARI}.items()},
    **{chr(k): None for k in _DROP},
}
_TABLE = str.maketrans(_MAP)            # "|" is its only ASCII key: ASCII text skips the table

_RT = re.compile(r"^\s*rt\s+@\w+:?\s*")              # matched on casefolded text
_URL = re.compile(r"(?:https?://|www\.)\S+")
_MENTION = re.compile(r"(?<!\w)@[\w@]+")
_HASH = re.compile(r"#+(?=\w)")
# A half nasal consonant (ङ् ञ् ण् न् म्) before a stop consonant is written as anusvara.
_HALF_NASAL = re.compile("[\u0919\u091e\u0923\u0928\u092e]\u094d(?=[\u0915-\u0918\u091a-\u091d\u091f-\u0922"
                         "\u0924-\u0927\u092a-\u092d])")
_SPACE_BEFORE_STOP = re.compile(r"\s+(?=[.,!?;:])")                     # "गया ।" → "गया."
# Word-final "ये"/"यी" after a letter is the same sound as "ए"/"ई" (गये/गए, लिये/लिए, गयी/गई).
_YE = re.compile("(?<=[\u0900-\u0963])\u092f([\u0940\u0947])(?=\u0902?(?![\u0900-\u0963]))")
_YE_VOWEL = {"\u0940": "\u0908", "\u0947": "\u090f"}
_VISARGA_COLON = re.compile(r"(?<=[\u0900-\u0963]):(?=[\u0900-\u0963])")   # दु:ख
# Letters (not digits) repeated three or more times; Devanagari vowel signs count as letters.
_ELONGATED = re.compile(r"([^\W\d_]|[\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963])\1{2,}")
_SPACE = re.compile(r"\s+")
# Word characters: \w plus the Devanagari signs (vowel signs, virama, anusvara), which Python's
# \w does not include; without them a Hindi word would be cut at every vowel sign.
WORD_CHARS = r"\w\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963"
_NON_WORD = re.compile(rf"[^{WORD_CHARS}\s]")
_PUNCT_RUN = re.compile(rf"([^{WORD_CHARS}\s])\1+")


def normalize_text(text: str) -> str:
    """The normalized form of a post (see the module docstring for what is unified)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    ascii_only = text.isascii()
    text = text.replace("|", ".") if ascii_only else text.translate(_TABLE)
    if "#" in text:
        text = _HASH.sub("", text)
    if "@" in text:
        text = _RT.sub("", text)
    if "http" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    text = _SPACE_BEFORE_STOP.sub("", text)
    text = _PUNCT_RUN.sub(r"\1", text)
    if not ascii_only:
        text = _VISARGA_COLON.sub("", text)
        text = _HALF_NASAL.sub("\u0902", text)
        text = _YE.sub(lambda m: _YE_VOWEL[m.group(1)], text)
    text = _ELONGATED.sub(r"\1\1", text)
    return _SPACE.sub(" ", text).strip()


def dedupe_key(normalized: str) -> str:
    """The exact-repeat key: the normalized text without punctuation and spacing."""
    return _SPACE.sub("", _NON_WORD.sub("", normalized))
