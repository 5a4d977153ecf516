"""The default classifier: category, priority, actionable and sensitive flags from keywords.

One :class:`~shikayat.phrases.PhraseMatcher` holds every phrase of a taxonomy (category
keywords, emergency and calm phrases), built once per taxonomy (:func:`classifier_for`).
For a post's normalized text:

1. **Matches.** Every phrase found, whole words only. A category match lying inside a
   longer category match is dropped ("stolen" inside "bike stolen"): the longest, most
   specific phrase wins. A category's cues ("scooty") count only when a category it
   overrides matched by keyword ("chori ho gayi": vehicle_theft, not theft).
2. **Category.** Each category scores the sum of its distinct matched phrases' weights
   (letters, plus a bonus per extra word). A category that ``overrides`` another matched one
   takes that one's score and the other drops out (vehicle_theft over theft). Actionable
   categories beat non-actionable ones whenever one matched ("…please help… jai hind" is a
   complaint); the best score wins, then the more urgent default priority, then file order.
   When no category matched, the single words of each category's keywords decide
   (:mod:`shikayat.vocabulary`: "scooty … gayab" → vehicle_theft).
   The fallback ``uncategorised`` (actionable) is chosen when nothing else matched; its own
   keywords ("please help", "kripya dhyan dein") never beat another category, but keep a post
   that also matches a non-actionable class a complaint. A non-actionable class is chosen
   when it alone matched, however long the post ("…meri bike 3 din me mil gayi, shukriya").
3. **Priority.** The category's default, or the most urgent default of the categories it
   overrode and matched; ``critical`` when an emergency phrase matched that no calm phrase
   covers and no calm word stands right before ("was being followed") or just after
   ("jaan ka khatra tha"). Otherwise the time words decide: a category marked ``urgent_now``
   with a word of "now" ("abhi", "right now") and none of the past is ``critical`` (a
   snatching just now); a ``critical`` category told in the past only ("yesterday") is
   ``high``. An emergency in a post of no actionable category makes it an actionable
   ``uncategorised`` one.
4. **Sensitive** when the category or any other matched actionable category is sensitive
   (a public reply must not leak a victim's case), or a sensitive emergency phrase matched.
5. **Language.** Latin-script text read as English becomes ``mixed`` when it is romanized
   Hindi (several common Hindi words).

The reason says what matched, in words: ``matched "chain kheench" → chain_snatching;
emergency "bachao" → critical``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from shikayat.decisions import Classification
from shikayat.phrases import Match, PhraseMatcher, words
from shikayat.taxonomy import FALLBACK, Category, Taxonomy
from shikayat.types import Language, Priority
from shikayat.vocabulary import Vocabulary

_BEFORE = 0
"""How many words may stand between a calm word and the emergency phrase after it: none
("was being followed"; but "there were 4 men, they will kill me" is an emergency)."""
_AFTER = 2
"""…and between an emergency phrase and a calm word after it ("jaan ka khatra bana hua tha")."""

# Common romanized-Hindi words that are not English words (no "me", "to", "hi", "the").
_HINGLISH = frozenset("""
hai hain ho hua hui hue tha thi ka ki ke ko se mein ne nahi nahin nhi mera meri mere mujhe
hum hamara humara kya kar karo karke kiya kiye raha rahi rahe gaya gayi gaye aur bhi kuch
koi yeh ye woh wo abhi jaldi kripya kripaya sahab bahut liya diya wala wale wali aaj ghar
paise pe bhai ji kyu kyun kab kaha kahan sab sabhi unhone usne maine aap aapka apna apni
liye waha wahan yaha yahan raat subah shaam hamare hamari hamko humko unko usko
""".split())


class _Kind(IntEnum):
    CATEGORY = 0
    EMERGENCY = 1
    EMERGENCY_SENSITIVE = 2
    CALM = 3
    CALM_BEFORE = 4
    CALM_AFTER = 5
    NOW = 6
    PAST = 7
    CUE = 8


_Value = tuple[_Kind, str]


def _weight(phrase: str) -> int:
    return len(phrase.replace(" ", "")) + 4 * phrase.count(" ")


def _overrides_closure(taxonomy: Taxonomy) -> dict[str, frozenset[str]]:
    closure: dict[str, frozenset[str]] = {}
    for cat in taxonomy:
        seen: set[str] = set()
        todo = list(cat.overrides)
        while todo:
            code = todo.pop()
            if code not in seen and code != cat.code:
                seen.add(code)
                todo.extend(taxonomy[code].overrides)
        closure[cat.code] = frozenset(seen)
    return closure


def refine_language(language: Language, text_words: Iterable[str]) -> Language:
    """``mixed`` for Latin-script text read as English that is romanized Hindi: at least two
    common Hindi words, making up a fifth of the words or more."""
    if language is not Language.ENGLISH:
        return language
    total = hits = 0
    for word in text_words:
        total += 1
        hits += word in _HINGLISH
    return Language.MIXED if hits >= 2 and hits * 5 >= total else language


@dataclass(frozen=True)
class _Evidence:
    phrases: dict[str, list[str]]          # category → its matched phrases
    score: dict[str, int]                  # every matched category
    folded: dict[str, list[str]]           # category → the matched categories it overrides
    total: dict[str, int]                  # the categories not overridden, with what they took over


@dataclass(frozen=True)
class Reading:
    """What the phrases say about a post: the keyword classification, the categories whose
    phrases matched (with their scores, the overridden ones folded in), the emergency phrases
    that count, and the words of time."""

    result: Classification
    words: list[str]
    scores: dict[str, int]
    phrases: dict[str, list[str]]
    emergency: list[str]
    emergency_sensitive: list[str]
    now: list[str]
    past: list[str]


def _outermost(matches: list[Match[_Value]]) -> list[Match[_Value]]:
    """Drop each match lying inside a longer one."""
    return [m for m in matches
            if not any(o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start
                       for o in matches)]


class Classifier:
    """Classifies normalized text against one taxonomy (see the module docstring)."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._order = {code: i for i, code in enumerate(taxonomy.categories)}
        self._closure = _overrides_closure(taxonomy)
        phrases: list[tuple[str, _Value]] = []
        keywords: set[str] = set()
        for cat in taxonomy:
            for keyword in cat.keywords:
                phrases.append((keyword, (_Kind.CATEGORY, cat.code)))
                keywords.add(keyword)
        # "#ChainSnatching" reads as one word: a multi-word keyword also matches written as one
        for cat in taxonomy:
            for keyword in cat.keywords:
                joined = "".join(words(keyword))
                if joined != keyword and joined not in keywords:
                    phrases.append((joined, (_Kind.CATEGORY, cat.code)))
                    keywords.add(joined)
        for cat in taxonomy:
            phrases.extend((cue, (_Kind.CUE, cat.code)) for cue in cat.cues)
        for kind, group in ((_Kind.EMERGENCY, taxonomy.emergency),
                            (_Kind.EMERGENCY_SENSITIVE, taxonomy.emergency_sensitive),
                            (_Kind.CALM, taxonomy.calm_phrases), (_Kind.CALM_BEFORE, taxonomy.calm_before),
                            (_Kind.CALM_AFTER, taxonomy.calm_after), (_Kind.NOW, taxonomy.now_phrases),
                            (_Kind.PAST, taxonomy.past_phrases)):
            phrases.extend((phrase, (kind, "")) for phrase in group)
        self._matcher: PhraseMatcher[_Value] = PhraseMatcher(phrases)
        self._vocabulary = Vocabulary((cat.code, (*cat.keywords, *cat.cues))
                                      for cat in taxonomy if cat.actionable and cat.code != FALLBACK)

    @property
    def size(self) -> int:
        """How many phrases the matcher holds."""
        return self._matcher.size

    def classify(self, normalized: str, language: Language = Language.UNKNOWN) -> Classification:
        return self.read(normalized, language).result

    def read(self, normalized: str, language: Language = Language.UNKNOWN) -> Reading:
        """The classification and the evidence behind it (for a classifier that weighs the
        phrases with other evidence, :mod:`shikayat.learn`)."""
        text_words = words(normalized)
        matches = self._matcher.find(text_words)
        evidence = self._evidence(matches)
        raised, sensitive_raise, notes = self._emergency(matches)
        best, reason = self._choose(evidence, text_words, emergency=bool(raised))
        cats = self.taxonomy.categories

        priority = best.priority
        for other in evidence.folded.get(best.code, ()):
            if cats[other].priority.rank < priority.rank:
                priority = cats[other].priority
                reason.append(f"priority {priority.value} from {other}")
        now = list(dict.fromkeys(m.phrase for m in matches if m.value[0] is _Kind.NOW))
        past = list(dict.fromkeys(m.phrase for m in matches if m.value[0] is _Kind.PAST))
        urgent_now = best.urgent_now or any(cats[o].urgent_now for o in evidence.folded.get(best.code, ()))
        if raised:
            priority = Priority.CRITICAL
            reason.append(f"emergency {_quoted(raised)} → critical")
        elif priority is Priority.CRITICAL and past and not now:
            priority = Priority.HIGH
            reason.append(f"past {_quoted(past)} → high")
        elif urgent_now and now and not past and best.actionable:
            priority = Priority.CRITICAL
            reason.append(f"now {_quoted(now)} in {best.code} → critical")
        reason += notes

        sensitive = best.sensitive
        if not sensitive:
            source = next((c for c in evidence.score if cats[c].actionable and cats[c].sensitive), None)
            if best.actionable and source is not None:
                sensitive = True
                reason.append(f"sensitive from {source}")
            elif sensitive_raise:
                sensitive = True
                reason.append(f"sensitive from emergency {_quoted(sensitive_raise)}")
        result = Classification(category=best.code, priority=priority, actionable=best.actionable,
                                sensitive=sensitive, reason="; ".join(reason),
                                language=refine_language(language, text_words))
        return Reading(result, text_words, dict(evidence.total), dict(evidence.phrases), raised,
                       sensitive_raise, now, past)

    def _evidence(self, matches: list[Match[_Value]]) -> _Evidence:
        """Category matches (the outermost ones), scored, with overridden categories folded
        into the categories that override them."""
        categories = _outermost([m for m in matches if m.value[0] is _Kind.CATEGORY])
        by_span: dict[tuple[str, int, int], str] = {}       # "looted" over its stem "loot"
        for m in categories:
            key = (m.value[1], m.start, m.end)
            if len(m.phrase) > len(by_span.get(key, "")):
                by_span[key] = m.phrase
        phrases: dict[str, dict[str, None]] = {}
        for (code, _, _), phrase in by_span.items():
            phrases.setdefault(code, {})[phrase] = None
        score = {code: sum(_weight(p) for p in found) for code, found in phrases.items()}
        cues: dict[str, dict[str, None]] = {}
        for m in matches:
            if m.value[0] is _Kind.CUE and m.value[1] not in score:
                cues.setdefault(m.value[1], {})[m.phrase] = None
        for code, found in cues.items():       # a cue names the kind of a category that matched
            if any(other in score for other in self._closure[code]):
                phrases[code] = found
                score[code] = sum(_weight(p) for p in found)
        folded = {code: [other for other in score if other in self._closure[code]] for code in score}
        beaten = {other for others in folded.values() for other in others}
        total = {code: score[code] + sum(score[o] for o in folded[code]) for code in score if code not in beaten}
        return _Evidence({c: list(p) for c, p in phrases.items()}, score, folded, total)

    def _choose(self, evidence: _Evidence, text_words: list[str], *,
                emergency: bool) -> tuple[Category, list[str]]:
        """The category, and the reason so far."""
        cats = self.taxonomy.categories
        total = evidence.total
        if not total.keys() - {FALLBACK}:
            guess = self._vocabulary.guess(text_words)
            if guess is not None:
                return cats[guess.code], [f"words {_quoted(guess.words)} → {guess.code}"]
        actionable = [code for code in total if cats[code].actionable and code != FALLBACK]
        candidates = actionable or ([] if FALLBACK in total else list(total))
        if candidates:
            best = cats[max(candidates, key=lambda c: (total[c], -cats[c].priority.rank, -self._order[c]))]
        elif FALLBACK in total:
            best = cats[FALLBACK]
        else:
            return cats[FALLBACK], [f"no keyword matched → {FALLBACK}"]
        shown = [*evidence.phrases[best.code], *(p for o in evidence.folded[best.code] for p in evidence.phrases[o])]
        reason = [f"matched {_quoted(shown)} → {best.code}" + ("" if best.actionable else " (not actionable)")]
        others = [c for c in total if c not in (best.code, FALLBACK)]
        if others:
            reason.append("also " + ", ".join(f"{c} ({_quoted(evidence.phrases[c])})" for c in others[:3]))
        if not best.actionable and emergency:
            reason.append(f"an emergency is actionable → {FALLBACK}")
            best = cats[FALLBACK]
        return best, reason

    def _emergency(self, matches: list[Match[_Value]]) -> tuple[list[str], list[str], list[str]]:
        """The emergency phrases that count, the sensitive ones among them, and notes on the
        ones a calm phrase or word cancelled."""
        emergencies = [m for m in matches if m.value[0] in (_Kind.EMERGENCY, _Kind.EMERGENCY_SENSITIVE)]
        if not emergencies:
            return [], [], []
        raised: dict[str, None] = {}
        sensitive: dict[str, None] = {}
        notes: dict[str, None] = {}
        calm = [m for m in matches if m.value[0] is _Kind.CALM]
        before = [m for m in matches if m.value[0] is _Kind.CALM_BEFORE]
        after = [m for m in matches if m.value[0] is _Kind.CALM_AFTER]
        for m in emergencies:
            cancel = next((f'in "{c.phrase}"' for c in calm if c.start < m.end and m.start < c.end), None)
            cancel = cancel or next((f'after "{c.phrase}"' for c in before if 0 <= m.start - c.end <= _BEFORE), None)
            cancel = cancel or next((f'before "{c.phrase}"' for c in after if 0 <= c.start - m.end <= _AFTER), None)
            if cancel is not None:
                notes[f'emergency "{m.phrase}" not counted ({cancel})'] = None
                continue
            raised[m.phrase] = None
            if m.value[0] is _Kind.EMERGENCY_SENSITIVE:
                sensitive[m.phrase] = None
        if raised:
            notes = {}
        return list(raised), list(sensitive), list(notes)


def _quoted(phrases: Iterable[str]) -> str:
    return ", ".join(f'"{p}"' for p in phrases)


@functools.lru_cache(maxsize=8)
def classifier_for(taxonomy: Taxonomy) -> Classifier:
    """The classifier of ``taxonomy``, built once (taxonomies hash by identity)."""
    return Classifier(taxonomy)


__all__ = ["Classifier", "Reading", "classifier_for", "refine_language"]
