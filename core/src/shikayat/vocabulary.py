"""The fallback scorer: a category from the single words of its keywords, when no phrase matched.

Citizens describe an incident in words no keyword list foresees ("meri scooty subah se
gayab hai"), but the words themselves usually belong to one category's vocabulary. Each
actionable category's vocabulary is the distinct words of its keywords and cues (folded, see
:func:`shikayat.phrases.fold`), minus short and common words (:data:`STOPWORDS`). A word
shared by several categories counts for each a share (``1 / how many``); a word shared by
more than :data:`MAX_SHARED` categories says nothing and is dropped, as do words of time
("subah", "raat") and romanized words read two ways ("ghus": entered, or a bribe).

A post scores, per category, the sum of its distinct words' shares (a word also matches
through a common inflection, :func:`shikayat.phrases.stems`); the best category must reach
:data:`MIN_SCORE` (one word of its own, or two it shares with one other category) and beat
the runner-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shikayat.phrases import fold, stems, words

MAX_SHARED = 3
"""A word in the vocabulary of more categories than this is too common to tell them apart."""

MIN_SCORE = 1.0
"""The least score a category needs: one word of its own, or two shared with one other."""

STOPWORDS: frozenset[str] = frozenset(fold(w) for w in """
the and for with from that this have has had was were are is been being into onto over under
near about after before when what which who whom whose their there they them then than some
very please help sir madam police station thana thane complaint report area road
hai hain tha thi the kar karo kiya kiye karke raha rahi rahe gaya gayi gaye diya liya mera meri
mere hamara hamari hamare humara unka unki unke uska uski uske wala wali wale abhi kuch koi
sabhi bahut nahi nahin kripya sahab ghar log logo logon
subah shaam raat din roj aaj kal baje morning evening night today daily tonight
samajh samjha bata batao dekh dekha dekho bola bolo bolke aaya aayi aaye jana jaana chal chala
kaam baat time phir bhee wapas sath saath liye dene lene karne hone wale
ghus
में से की का के है हैं था थी थे को ने पर और नहीं कर दिया लिया गया गई गए हुई हुआ रहा रहे रही
मेरे मेरी मेरा हमारे हमारी वाले वाला वाली कृपया पुलिस थाना थाने शिकायत बहुत कोई कुछ लोग घर
सुबह शाम रात दिन रोज आज कल बजे समझ बता देख बोल आया आई आए जाना चल काम बात फिर वापस साथ लिए
""".split())

_MIN_LATIN = 4
_MIN_OTHER = 3


def _usable(word: str) -> bool:
    if word in STOPWORDS or word.isdigit():
        return False
    return len(word) >= (_MIN_LATIN if word.isascii() else _MIN_OTHER)


@dataclass(frozen=True)
class Guess:
    """The category the words point to, its score, and the words that counted."""

    code: str
    score: float
    words: tuple[str, ...]


class Vocabulary:
    """Single-word evidence per category (see the module docstring)."""

    def __init__(self, categories: Iterable[tuple[str, Iterable[str]]]) -> None:
        owners: dict[str, list[str]] = {}
        for code, phrases in categories:
            for phrase in phrases:
                for word in words(phrase):
                    key = fold(word)
                    if _usable(key) and code not in owners.setdefault(key, []):
                        owners[key].append(code)
        self._share: dict[str, tuple[tuple[str, float], ...]] = {
            key: tuple((code, 1 / len(codes)) for code in codes)
            for key, codes in owners.items() if len(codes) <= MAX_SHARED
        }

    def __len__(self) -> int:
        return len(self._share)

    def guess(self, text_words: Sequence[str]) -> Guess | None:
        """The category of ``text_words`` (from :func:`shikayat.phrases.words`), or None."""
        score: dict[str, float] = {}
        found: dict[str, list[str]] = {}
        seen: set[str] = set()
        for word in text_words:
            key = fold(word)
            if key in seen:
                continue
            seen.add(key)
            shares = self._share.get(key)
            if shares is None:
                shares = next((self._share[s] for s in stems(key) if s in self._share), None)
            if shares is None:
                continue
            for code, share in shares:
                score[code] = score.get(code, 0.0) + share
                found.setdefault(code, []).append(word)
        if not score:
            return None
        ranked = sorted(score, key=lambda c: -score[c])           # stable: file order breaks ties
        best = ranked[0]
        if score[best] < MIN_SCORE or (len(ranked) > 1 and score[ranked[1]] >= score[best]):
            return None
        return Guess(best, score[best], tuple(found[best]))


__all__ = ["MAX_SHARED", "MIN_SCORE", "STOPWORDS", "Guess", "Vocabulary"]
