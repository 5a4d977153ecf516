"""The specifics of an incident a post states: what tells two look-alike complaints apart.

Templated complaints look alike (the same scam script, "meri chain chheen li … please help")
while being different incidents. Before two posts are folded into one case, the specifics each
states are compared; a conflict keeps them apart however similar the words:

* ``vehicle``: registration numbers (``UP32 AB 1234``, ``up-32-ab-1234``);
* ``phone``: 10-digit mobile numbers, masked digits (``98XXXXXX12``) matching anything;
* ``fir``: FIR / case numbers (``FIR no. 123/2026`` = ``मुकदमा संख्या 123/26``);
* ``number``: amounts in rupees (``₹25,000``, ``25 hazar``, ``1.5 lakh``) and other numbers of
  three or more digits (house numbers, transaction amounts written bare);
* ``date``: calendar dates (``12/10``, ``12 Oct``, ``12 अक्टूबर``);
* ``time``: clock times (``10:30 pm``, ``raat 10 baje``, ``रात 10 बजे``), 60 minutes' tolerance,
  an hour without am/pm or part of the day standing for both;
* ``name``: a victim's or relative's name when the post introduces one (``naam Priya``,
  ``meri beti Priya``, ``पीड़ित का नाम …``).

Two posts conflict on a kind when both state it and no value of one matches a value of the
other; a post that leaves a kind out never conflicts on it (an edited repeat often adds detail).
Extraction reads the text as posted (light normalization of its own: numbers must survive).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass

_DIGITS = str.maketrans({0x0966 + i: ord("0") + i for i in range(10)} | {0x093C: None})
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")

_STATES = ("an|ap|ar|as|br|cg|ch|dd|dl|dn|ga|gj|hp|hr|jh|jk|ka|kl|la|ld|mh|ml|mn|mp|mz|nl|od|or|pb|py|"
           "rj|sk|tn|tr|ts|uk|ua|up|wb")
_VEHICLE = re.compile(rf"(?<![a-z0-9])({_STATES})[\s.\-]?(\d{{1,2}})[\s.\-]?([a-z]{{1,3}})?[\s.\-]?(\d{{4}})(?!\d)")
_PHONE = re.compile(r"(?<![\w*])(?:\+?91[\s\-]?|0)?([6-9][\dx*]{4})[\s\-]?([\dx*]{5})(?![\w*])")
_FIR = re.compile(r"(?:\bfir|एफ\s?आई\s?आर|\bcase|\bमुकदमा|\bमुकदमे|\bमु\.?\s?अ\.?\s?स\.?)\s*"
                  r"(?:no\.?|number|num|sankhya|संख्या|नंबर|नं\.?|#)?\s*[:\-]?\s*(\d{1,6})(?:\s*/\s*(\d{2,4}))?")
_UNIT = r"(?:k\b|hazar|hazaar|hajar|हजार|lakh|lac|laakh|लाख|crore|करोड़|करोड)"
_RUPEE = r"(?:rs\.?|inr|₹|rupees?|rupaye|rupaiye|rupay|रुपये|रुपए|रुपया|रु\.?)"
_AMOUNT = re.compile(rf"(?:{_RUPEE}\s*(\d[\d,]*(?:\.\d+)?)\s*({_UNIT})?)|(?:(\d[\d,]*(?:\.\d+)?)\s*({_UNIT}))")
_BARE = re.compile(r"(?<![\w.,/:])(\d{1,3}(?:,\d{2,3})+|\d{3,})(?![\w/:]|[.,]\d)")
_MONTHS = {
    **dict.fromkeys(("jan", "january", "जनवरी"), 1), **dict.fromkeys(("feb", "february", "फरवरी"), 2),
    **dict.fromkeys(("mar", "march", "मार्च"), 3), **dict.fromkeys(("apr", "april", "अप्रैल"), 4),
    **dict.fromkeys(("may", "मई"), 5), **dict.fromkeys(("jun", "june", "जून"), 6),
    **dict.fromkeys(("jul", "july", "जुलाई"), 7), **dict.fromkeys(("aug", "august", "अगस्त"), 8),
    **dict.fromkeys(("sep", "sept", "september", "सितंबर", "सितम्बर"), 9),
    **dict.fromkeys(("oct", "october", "अक्टूबर", "अक्तूबर"), 10),
    **dict.fromkeys(("nov", "november", "नवंबर", "नवम्बर"), 11),
    **dict.fromkeys(("dec", "december", "दिसंबर", "दिसम्बर"), 12),
}
_DATE_NUM = re.compile(r"(?<![\d:.])(\d{1,2})[/\-](\d{1,2})(?:[/\-](\d{2,4}))?(?![\d:])|(?<![\d:])(\d{1,2})\.(\d{1,2})\.(\d{2,4})(?!\d)")
_DATE_NAME = re.compile(r"(\d{1,2})\s*(?:st|nd|rd|th)?\s*(" + "|".join(sorted(_MONTHS, key=len, reverse=True))
                        + r")(?![a-z])")
_DATE_SEP = re.compile(r"\d[/\-.]\d")
_PART = re.compile(r"(?<!\w)(raat|rat|रात|night|subah|subeh|सुबह|morning|shaam|sham|शाम|evening|dopahar|dopehar|दोपहर|"
                   r"afternoon)\W+(?:\w+\W+)?$")
_TIME = re.compile(r"(?<![\d/.\-:])(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|baje|bje|बजे|o'?clock)(?![a-z])"
                   r"|(?<![\d/.\-:])(\d{1,2}):(\d{2})(?![\d:])")
_DIGIT = re.compile(r"\d")
# What a match of each costly pattern cannot do without, found by a pattern that starts with a
# digit or a literal (the regex engine skips to those at once): most posts state no time, date
# by name or case number, and skip those patterns after one quick search.
_TIME_GATE = re.compile(r"\d(?:[:.]\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.|baje|bje|बजे|o'?clock)|\d:\d\d")
_DATE_NAME_GATE = re.compile(r"\d\s*(?:st|nd|rd|th)?\s*(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")")
_FIR_GATE = re.compile(r"fir|case|मुकदम|एफ\s?आई\s?आर|मु\.?\s?अ")
_VEHICLE_GATE = re.compile(r"\d[\s.\-]?[a-z]{0,3}[\s.\-]?\d{4}")
_PHONE_GATE = re.compile(r"[6-9][\dx*]{4}")
_RUPEE_GATE = re.compile(rf"(?:{_RUPEE})\s*\d")
_UNIT_GATE = re.compile(rf"\d\s*{_UNIT}")
_RELATIVE_GATE = re.compile(r"\s[A-Z][a-z]{2}")
_NIGHT = {"raat", "rat", "रात", "night"}
_AFTERNOON = {"shaam", "sham", "शाम", "evening", "dopahar", "dopehar", "दोपहर", "afternoon"}
_MORNING = {"subah", "subeh", "सुबह", "morning"}
_NAME = re.compile(r"(?:naam|name|नाम)\s*(?:is|hai|है|:|\-)?\s*([a-z]{3,}|[\u0900-\u097f]{2,})")
_RELATIVE = re.compile(r"\b(?:beti|beta|bhai|bhaiya|behen|bahan|behan|maa|mummy|papa|pita|patni|pati|daughter|son|"
                       r"brother|sister|wife|husband|mother|father|chacha|mama|dadi|nani)\s+([A-Z][a-z]{2,})")
_NOT_NAMES = frozenset("""hai hain ko ki ka ke se me mein ne bhi nahi please sir madam the was is and kal aaj abhi
    raat subah shaam ghar gaya gayi gaye mera meri mere police thana help""".split())
_NAME_STOP = frozenset("""hai है nahi नहीं pata पता bataya likha likhwaya""".split())
# helplines people mention ("100 number pe call kiya") and bare years say nothing of the incident
_NOT_NUMBERS = frozenset({"100", "101", "102", "108", "112", "181", "1090", "1091", "1098", "1076", "1930", "1033",
                          "1073", *(str(y) for y in range(1990, 2040))})


@dataclass(frozen=True, slots=True)
class Specifics:
    """What a post states, by kind; empty kinds are absent."""

    values: tuple[tuple[str, frozenset[str]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.values)

    def get(self, kind: str) -> frozenset[str]:
        for k, v in self.values:
            if k == kind:
                return v
        return frozenset()

    def conflict(self, other: Specifics, kinds: Container[str] | None = None) -> str | None:
        """The first kind (of ``kinds``, default all) on which the two posts state different
        things, or None."""
        if not self.values or not other.values:
            return None
        theirs = dict(other.values)
        for kind, mine in self.values:
            if kinds is not None and kind not in kinds:
                continue
            them = theirs.get(kind)
            if them and not _overlap(kind, mine, them):
                return kind
        return None

    def shares(self, other: Specifics) -> bool:
        """True when the posts state a common identifying specific (vehicle, phone, FIR)."""
        theirs = dict(other.values)
        return any(kind in ("vehicle", "phone", "fir") and kind in theirs and _overlap(kind, mine, theirs[kind])
                   for kind, mine in self.values)

    def shares_any(self, other: Specifics) -> bool:
        """True when the posts state a common value of any kind (an amount, a name, a time…)."""
        theirs = dict(other.values)
        return any(kind in theirs and _overlap(kind, mine, theirs[kind]) for kind, mine in self.values)


NONE = Specifics()


def _overlap(kind: str, a: frozenset[str], b: frozenset[str]) -> bool:
    if kind == "phone":
        return any(_phone_match(x, y) for x in a for y in b)
    if kind == "time":
        return any(abs(int(x) - int(y)) % 1440 <= 60 or abs(int(x) - int(y)) % 1440 >= 1380 for x in a for y in b)
    return not a.isdisjoint(b)


def _phone_match(a: str, b: str) -> bool:
    return len(a) == len(b) and all(x == y or x in "x*" or y in "x*" for x, y in zip(a, b, strict=True))


def _number(digits: str, unit: str | None) -> str | None:
    try:
        value = float(digits.replace(",", ""))
    except ValueError:
        return None
    if unit:
        value *= (1000 if unit in ("k", "hazar", "hazaar", "hajar", "हजार") else
                  10_000_000 if unit in ("crore", "करोड़", "करोड") else 100_000)
    return str(round(value)) if value >= 1 else None


@functools.lru_cache(maxsize=1 << 13)
def extract(text: str) -> Specifics:
    """The specifics stated in ``text`` (a post as written; kept for the last few thousand
    texts, as a wave of copies repeats one text)."""
    raw = unicodedata.normalize("NFKC", text).translate(_DIGITS)
    if "@" in raw:
        raw = _MENTION.sub(" ", raw)
    if "http" in raw or "www." in raw:
        raw = _URL.sub(" ", raw)
    low = raw.casefold()
    found: dict[str, set[str]] = {}
    taken: list[tuple[int, int]] = []

    def put(kind: str, value: str | None, span: tuple[int, int]) -> None:
        if value:
            found.setdefault(kind, set()).add(value)
            taken.append(span)

    if _DIGIT.search(low):   # every kind but names needs a digit
        for m in _VEHICLE.finditer(low) if _VEHICLE_GATE.search(low) else ():
            put("vehicle", "".join(g for g in m.groups() if g).upper(), m.span())
        for m in _PHONE.finditer(low) if _PHONE_GATE.search(low) else ():
            put("phone", (m.group(1) + m.group(2)).replace("*", "x"), m.span())
        for m in _FIR.finditer(low) if _FIR_GATE.search(low) else ():
            year = m.group(2)
            put("fir", m.group(1).lstrip("0") + ("/" + year[-2:] if year else ""), m.span())
        for m in _DATE_NUM.finditer(low) if _DATE_SEP.search(low) else ():
            day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(5))
            if 1 <= int(day) <= 31 and 1 <= int(month) <= 12:
                put("date", f"{int(day)}/{int(month)}", m.span())
        for m in _DATE_NAME.finditer(low) if _DATE_NAME_GATE.search(low) else ():
            if 1 <= int(m.group(1)) <= 31 and not (m.start() and low[m.start() - 1].isdigit()):
                put("date", f"{int(m.group(1))}/{_MONTHS[m.group(2)]}", m.span())
        for m in _TIME.finditer(low) if _TIME_GATE.search(low) else ():
            if m.group(1):
                hour, minute, marker = int(m.group(1)), int(m.group(2) or 0), m.group(3)
            else:
                hour, minute, marker = int(m.group(4)), int(m.group(5)), None
            if hour > 24 or minute > 59:
                continue
            before = _PART.search(low, max(0, m.start() - 24), m.start())
            part = before.group(1) if before else None
            hours = _hours(hour, part, marker)
            for h in hours:
                put("time", str(h * 60 + minute), m.span())
        for m in _AMOUNT.finditer(low) if _RUPEE_GATE.search(low) or _UNIT_GATE.search(low) else ():
            digits, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            if not _inside(m.span(), taken):
                put("number", _number(digits, unit), m.span())
        for m in _BARE.finditer(low):
            value = _number(m.group(1), None)
            if not _inside(m.span(), taken) and value not in _NOT_NUMBERS:
                put("number", value, m.span())
    for m in _NAME.finditer(low):
        if m.group(1) not in _NAME_STOP and m.group(1) not in _NOT_NAMES:
            put("name", m.group(1), m.span())
    for m in _RELATIVE.finditer(raw) if _RELATIVE_GATE.search(raw) else ():
        if m.group(1).casefold() not in _NOT_NAMES:
            put("name", m.group(1).casefold(), m.span())
    if not found:
        return NONE
    return Specifics(tuple(sorted((k, frozenset(v)) for k, v in found.items())))


def _hours(hour: int, part: str | None, marker: str | None) -> tuple[int, ...]:
    """The 24-hour readings of an hour, given am/pm or the part of the day named before it."""
    h = hour % 12
    if marker and marker.startswith("p") or part in _AFTERNOON:
        return (h + 12,)
    if marker and marker.startswith("a") or part in _MORNING:
        return (h,)
    if part in _NIGHT:
        return (h + 12,) if h >= 6 else (h,)     # raat 10 baje = 22:00, raat 2 baje = 02:00
    if hour > 12:
        return (hour % 24,)
    return (h, h + 12)


def _inside(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in taken)
