"""Grapheme-like clusters, so that shortening a reply never splits what a reader sees as one
character (a Devanagari consonant and its vowel sign, an emoji sequence, a flag)."""

from __future__ import annotations

import unicodedata

_ZWJ, _VS16 = "\u200d", "\ufe0f"
_VIRAMA = "\u094d"


def _extends(ch: str) -> bool:
    cp = ord(ch)
    return (unicodedata.category(ch) in ("Mn", "Mc", "Me") or ch in (_ZWJ, "\u200c", _VS16, "\ufe0e")
            or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F or cp == 0x20E3)


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def clusters(text: str) -> list[str]:
    """Grapheme-like clusters: a base plus its marks, joiners, variation selectors and
    modifiers; ZWJ sequences and regional-indicator pairs stay whole; a Devanagari virama
    joins the next consonant."""
    out: list[str] = []
    for ch in text:
        if out:
            prev = out[-1]
            if _extends(ch) or prev.endswith(_ZWJ) or prev.endswith(_VIRAMA):
                out[-1] += ch
                continue
            if _regional(ch) and len(prev) == 1 and _regional(prev):
                out[-1] += ch
                continue
        out.append(ch)
    return out
