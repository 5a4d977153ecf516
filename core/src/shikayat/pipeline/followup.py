"""Follow-ups: how a later post by the same author shows it is about their earlier complaint.

A citizen who complained yesterday writes again in other words: "still no action", "he came
again last night", "abhi tak paise wapas nahi", "अलवर दहेज मामले में अभी तक कोई कार्रवाई नहीं".
The text is too different for a near-duplicate, but two things give the link away:

* **the words of a follow-up** (:func:`reads_as_follow_up`): "still", "again", "update", "no
  action yet", "abhi tak", "phir se", "koi action", "wale maamle", "अभी तक", "फिर", "कोई
  कार्रवाई", … — the phrasing families people use to chase a complaint, in English, romanized
  Hindi and Devanagari;
* **the matter's own words** (:func:`content_words`): the place, the object, the offence
  ("gazipur", "polytechnic", "chauraha"; "दशहरी", "काकोरी") shared with the earlier post, once
  function words and the words of every complaint ("police", "please", "thana") are set aside.

Content words are kept as a compact fingerprint (sorted 64-bit hashes in ``bytes``), so an index
of a million posts pays tens of bytes a post for them.
"""

from __future__ import annotations

import re
from array import array

from shikayat.textnorm import WORD_CHARS

_WORD = re.compile(rf"[{WORD_CHARS}]+")
_MIN_LETTERS = 4
"""Shorter words ("me", "ka", "gaya") are mostly function words in all three scripts."""

_COMMON = frozenset("""
    about after again also aise aisa already bahut bataya before been being bhai bhee bhej bheje bhejo
    call calls came case cases come could din diya diye dekh dekho dijiye does done dont ekdam even every
    from gaya gaye gayi ghante give going haan hamara hamare hamari hain have help here hota hote hoti hua
    hue hui humara humare humari into isko iske jaldi just kabhi kahin kaise karo kare karein karen karke
    karna karne karta karte karti karwai karyawahi kijiye kiya kiye kripya krupaya kuch lekin liya
    liye logo logon madad madam main mein mera mere meri more much nahi nahin near nobody only other
    please plz plzz police pulice raha rahe rahi rahta rahte rehta report sabhi sahab saheb sakte same
    samay shikayat since sir some still take than thana thane thanks that their them then there
    these they thing this time today tomorrow uska uske uski unka unke unki update urgent very wala wale
    wali want were what when where which while with would yahan yaha yesterday your
    अभी अपना अपने आपको इसके इसकी उसके उसकी उनके उनकी कृपया करें करके करने कराएं कार्यवाही कार्रवाई किया
    किसी कुछ कोई गया गयी गये जल्दी जाता जाती जाते तरफ थाना थाने दिया नहीं पुलिस बहुत मदद मेरा मेरी मेरे
    यहाँ यहां रहा रहे रही लेकिन वाला वाले वाली शिकायत सभी साहब हमारा हमारी हमारे
""".split())
"""Function words and words of every complaint: sharing them says nothing of the matter."""

_FOLLOW_UP = re.compile(
    r"(?<![\w\u0900-\u097f])(?:"
    # English
    r"still|again|yet|update[ds]?|follow[\s-]?up|no action|any action|no response|nobody came|no one came"
    r"|pending|same (?:case|matter|issue|complaint)|my (?:earlier|previous) complaint"
    # romanized Hindi
    r"|abhi tak|ab tak|abhi bhi|ab bhi|aaj bhi|aaj (?:fir|phir)|(?:fir|phir) se|phir|dobara|dubara"
    r"|koi (?:action|karyawahi|karwai|karvai|update|sunwai|sunvai|jawab)|kuch action|kya hua"
    r"|wal[aei] (?:case|maamla|mamla|maamle|mamle|fraud|complaint)|wale maamle|wale mamle"
    # Devanagari
    r"|अभी तक|अब तक|अभी भी|आज भी|फिर|दोबारा|कोई (?:कार्रवाई|कार्यवाही|सुनवाई|जवाब)|वाले मामले|मामले में"
    r")(?![\w\u0900-\u097f])",
    re.IGNORECASE,
)


def content_words(normalized: str) -> bytes:
    """The fingerprint of a normalized text's content words (empty when it has none)."""
    found = {hash(w) for w in _WORD.findall(normalized) if len(w) >= _MIN_LETTERS and w not in _COMMON
             and not w.isdigit()}
    return array("q", sorted(found)).tobytes() if found else b""


def shared_words(a: bytes, b: bytes) -> int:
    """How many content words two fingerprints have in common."""
    if not a or not b:
        return 0
    return len(set(memoryview(a).cast("q")).intersection(memoryview(b).cast("q")))


def reads_as_follow_up(text: str) -> bool:
    """True when ``text`` (as posted) uses the words people chase an earlier complaint with."""
    return _FOLLOW_UP.search(text) is not None
