"""Text normalization for Hindi (Devanagari), romanized Hindi and English.

Deterministic and cheap: the normalized form is stored with each complaint and is what
dedupe keys and classification keywords are matched against.
"""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Devanagari digits → ASCII; nukta forms → base letters; chandrabindu → anusvara.
_DEVANAGARI = {0x0966 + i: ord("0") + i for i in range(10)}
_DEVANAGARI.update({
    0x093C: None,        # nukta sign
    0x0901: 0x0902,      # chandrabindu → anusvara
})
_PRECOMPOSED_NUKTA = {
    "\u0958": "\u0915", "\u0959": "\u0916", "\u095a": "\u0917", "\u095b": "\u091c",
    "\u095c": "\u0921", "\u095d": "\u0922", "\u095e": "\u092b", "\u095f": "\u092f",
    "\u0929": "\u0928", "\u0931": "\u0930", "\u0934": "\u0933",
}
_TABLE = str.maketrans({**{ord(k): v for k, v in _PRECOMPOSED_NUKTA.items()}, **_DEVANAGARI, **_ZERO_WIDTH})

_RT = re.compile(r"^\s*rt\s+@\w+:?\s*", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_HASH = re.compile(r"#(?=\w)")
_PUNCT_RUN = re.compile(r"([^\w\s])\1+")
_ELONGATED = re.compile(r"(\w)\1{2,}")
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s]")


def normalize_text(text: str) -> str:
    """NFKC, case-folded, platform noise removed (``RT @x:``, @mentions, links, ``#``),
    Devanagari digits and nukta/chandrabindu variants unified, zero-width characters dropped,
    repeated punctuation and elongated letters (``pleaseee``) squeezed, whitespace collapsed.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _RT.sub("", text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = text.translate(_TABLE).casefold()
    text = _HASH.sub("", text)
    text = _PUNCT_RUN.sub(r"\1", text)
    text = _ELONGATED.sub(r"\1\1", text)
    return _SPACE.sub(" ", text).strip()


def dedupe_key(normalized: str) -> str:
    """The exact-repeat key: the normalized text without punctuation and spacing."""
    return _SPACE.sub("", _NON_WORD.sub("", normalized))
