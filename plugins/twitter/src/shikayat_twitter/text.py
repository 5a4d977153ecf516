"""X's weighted character count (twitter-text v3 rules) and shortening to 280.

NFC first; code points in the light ranges weigh 1 (this includes Devanagari), everything else
2; an emoji sequence weighs 2 in total; every URL weighs 23 (t.co wrapping).
"""

from __future__ import annotations

import re
import unicodedata

from shikayat.graphemes import clusters

LIMIT = 280
URL_WEIGHT = 23
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_URL = re.compile(r"(?:https?://[^\s]+|(?<![\w@.])(?:[a-z0-9-]+\.)+(?:com|org|net|in|gov|co|io|ly|me|info)(?:/[^\s]*)?)",
                  re.IGNORECASE)

def _is_emoji(cp: int) -> bool:
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x1F1E6 <= cp <= 0x1F1FF
            or 0x2B00 <= cp <= 0x2BFF or cp in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139))


def _cluster_weight(cluster: str) -> int:
    if any(_is_emoji(ord(c)) for c in cluster):
        return 2
    total = 0
    for c in cluster:
        cp = ord(c)
        total += 1 if any(lo <= cp <= hi for lo, hi in _LIGHT) else 2
    return total


def _segments(text: str) -> list[tuple[str, bool]]:
    """Text split into (piece, is_url)."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for m in _URL.finditer(text):
        if m.start() > pos:
            pieces.append((text[pos:m.start()], False))
        pieces.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


def weighted_length(text: str) -> int:
    text = unicodedata.normalize("NFC", text)
    total = 0
    for piece, is_url in _segments(text):
        total += URL_WEIGHT if is_url else sum(_cluster_weight(c) for c in clusters(piece))
    return total


def fit(text: str, limit: int = LIMIT) -> str:
    """``text`` unchanged if it fits, else cut on a cluster boundary with "…" (URLs whole or dropped)."""
    text = unicodedata.normalize("NFC", text)
    if weighted_length(text) <= limit:
        return text
    budget = limit - _cluster_weight("…")                # room for the ellipsis (it weighs 2)
    out: list[str] = []
    used = 0
    for piece, is_url in _segments(text):
        if is_url:
            if used + URL_WEIGHT > budget:
                break
            out.append(piece)
            used += URL_WEIGHT
            continue
        for c in clusters(piece):
            w = _cluster_weight(c)
            if used + w > budget:
                return "".join(out).rstrip() + "…"
            out.append(c)
            used += w
    return "".join(out).rstrip() + "…"
