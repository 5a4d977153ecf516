"""Default dedupe: which case a post belongs to, in this order.

1. **Reposts** of a known complaint (or of an original that an earlier repost or quote
   already stands in for) join its case: a repost carries nothing of its own.
2. **Quotes and replies** in the thread of a known complaint (quoted post, replied-to post,
   or the conversation's first post) join its case as support ("same problem here sir", "still
   no action") — unless the post reads as a complaint of its own: at least ``thread_words``
   words, less similar to the original than ``thread_similarity`` and sharing no vehicle, phone
   or FIR number with it; or stating specifics that conflict with the original's.
3. **The same author repeating** (any of the author's identities, so across platforms when a
   phone number or a trusted handle links them): the exact text again within the window, or an
   edited version — similar at ``same_author_similarity``, or the shorter post nearly contained
   in the longer (a repeat with more detail) — with no conflicting specifics.
4. **The same author following up in other words** ("still no action", "he came again last
   night", "abhi tak paise wapas nahi") within ``follow_up_window`` of their earlier post, with no
   conflicting specifics and a sign of the link: a specific in common, ``follow_up_words``
   content words in common (the place, the object), or the words of a follow-up
   (:mod:`shikayat.pipeline.followup`); a post that reads as a follow-up may state a new amount,
   date or time ("asking 20k now"), so for it only vehicle, phone, FIR numbers and names must agree.
5. **Near-duplicates by different authors** (copy-paste waves) within ``others_window`` of the
   case's newest post, at the stricter ``others_similarity``, with no conflicting specifics,
   and only for posts of some length ("please help sir" twice is not one incident).

Conflicting specifics (:mod:`shikayat.pipeline.specifics`: vehicle, phone and FIR numbers,
amounts, dates, times, names) keep look-alike posts apart: the same scam script hitting two
people with different amounts and numbers is two cases. An exact repeat by the same author is
exempt (a re-post of yesterday's text is not a new incident because "kal" moved on).
Redeliveries of the same post never get this far: the inbox's unique key absorbs them.

After classify and route, :func:`join_incident` folds a new case into an open case of the same
category placed in the same unit within the category's ``incident_window`` (a crash, a fire, a
riot seen by many, reported in other words or another language) unless their identifying
specifics conflict. Categories where every report may be another victim (a snatching, a fraud)
have no window: only their text can fold them.
"""

from __future__ import annotations

from datetime import datetime

from shikayat.complaint import Complaint
from shikayat.decisions import DecisionContext, Duplicate
from shikayat.hookspecs import hookimpl
from shikayat.pipeline.cases import PLACED
from shikayat.pipeline.dedupe import DedupeIndex, Features, Known
from shikayat.pipeline.followup import reads_as_follow_up, shared_words
from shikayat.pipeline.neardup import containment
from shikayat.types import DuplicateReason

_MIN_CONTAINED = 20
"""Containment counts only when the shorter post has this many shingles (about 24 characters):
a two-word post is "contained" in almost anything. Posts by different authors fold as
near-duplicates only at this length too ("please help sir" twice is not one incident)."""


_IDENTIFYING = frozenset(("vehicle", "phone", "fir", "name"))
"""Specifics that name the incident itself; amounts, dates and times move on in a follow-up."""


def _link(known: Known, reason: DuplicateReason, score: float, feats: Features, index: DedupeIndex) -> Duplicate:
    return Duplicate(of=known.canonical, of_docket=known.canonical_docket, reason=reason, score=round(score, 3),
                     new_author=not index.has_supported(known.canonical, feats.identities))


def _apart(a: datetime, b: datetime) -> float:
    return abs((a - b).total_seconds())


def _follow_up(complaint: Complaint, feats: Features, posts: list[Known], index: DedupeIndex) -> Known | None:
    """The author's newest post within ``follow_up_window`` that ``complaint`` follows up: no
    conflicting specifics, and a sign of the link — a specific in common, ``follow_up_words``
    content words in common, or the words of a follow-up ("still", "again", "abhi tak")."""
    rules = index.settings
    horizon = min(rules.follow_up_window, rules.window).total_seconds()
    if not horizon or not posts:
        return None
    recent = [k for k in posts if _apart(complaint.created_at, k.created_at) <= horizon]   # newest first
    for known in recent:
        if not feats.specifics.conflict(known.specifics, rules.guards) and (
                feats.specifics.shares_any(known.specifics)
                or shared_words(feats.words, known.words) >= rules.follow_up_words):
            return known
    if not recent or not reads_as_follow_up(complaint.text or ""):
        return None
    # a follow-up brings news ("asking 20k now", "27 days now"): only who and what must agree;
    # it chases the newest case it shares a word with, else (naming no vehicle or FIR of its
    # own) the author's newest post
    identifying = [g for g in rules.guards if g in _IDENTIFYING]
    agreeing = [k for k in recent if not feats.specifics.conflict(k.specifics, identifying)]
    for known in agreeing:
        if shared_words(feats.words, known.words):
            return known
    if agreeing and agreeing[0] is recent[0] and not (feats.specifics.get("vehicle") or feats.specifics.get("fir")):
        return agreeing[0]
    return None


@hookimpl
def dedupe_complaint(complaint: Complaint, context: DecisionContext) -> Duplicate | None:
    index = context.index
    rules = index.settings
    feats = index.features(complaint)
    platform, thread = complaint.platform, complaint.thread

    # 1. reposts
    original = index.by_external(platform, thread.repost_of)
    if original is not None:
        return _link(original, DuplicateReason.THREAD, 1.0, feats, index)

    # 2. quotes and replies in a known complaint's thread
    conversation = thread.conversation_id if thread.conversation_id != complaint.external_id else None
    for target in (thread.quote_of, thread.reply_to, conversation):
        original = index.by_external(platform, target)
        if original is None or original.external_id == complaint.external_id:
            continue
        if feats.specifics.conflict(original.specifics, rules.guards):
            break                                          # another incident: decide by text below
        words = len((complaint.text_normalized or "").split())
        if words < rules.thread_words:
            return _link(original, DuplicateReason.THREAD, 1.0, feats, index)
        (similarity,) = index.scores(feats.signature, [original])
        if similarity >= rules.thread_similarity or feats.specifics.shares(original.specifics):
            return _link(original, DuplicateReason.THREAD, similarity, feats, index)
        break                                              # a complaint of its own

    window = rules.window.total_seconds()
    # 3. the same author: exact repeat
    earlier = index.same_author_text(feats.identities, feats.key)
    if earlier is not None and earlier.external_id != complaint.external_id \
            and _apart(complaint.created_at, earlier.created_at) <= window:
        return _link(earlier, DuplicateReason.SAME_AUTHOR, 1.0, feats, index)

    # 3. the same author: edited repeat
    posts = [k for k in index.author_posts(feats.identities)
             if k.external_id != complaint.external_id and _apart(complaint.created_at, k.created_at) <= window]
    size = feats.signature.size if feats.signature else 0
    best: tuple[float, Known] | None = None
    for known, jaccard in zip(posts, index.scores(feats.signature, posts), strict=True):
        score = jaccard
        if min(size, known.size) >= _MIN_CONTAINED:
            score = max(score, containment(jaccard, size, known.size))
        if score >= rules.same_author_similarity and (best is None or score > best[0]) \
                and not feats.specifics.conflict(known.specifics, rules.guards):
            best = (score, known)
    if best is not None:
        return _link(best[1], DuplicateReason.SAME_AUTHOR, best[0], feats, index)

    # 4. the same author following up in other words
    follow = _follow_up(complaint, feats, posts, index)
    if follow is not None:
        (similarity,) = index.scores(feats.signature, [follow])
        return _link(follow, DuplicateReason.SAME_AUTHOR, similarity, feats, index)

    # 5. near-duplicates by different authors
    others_window = rules.others_window.total_seconds()
    for known, score in index.similar(feats.signature):
        if score < rules.others_similarity:
            break                                          # most similar first
        if known.external_id == complaint.external_id or set(known.identities) & set(feats.identities):
            continue                                       # the author's own posts were weighed above
        if min(size, known.size) < _MIN_CONTAINED:
            continue                                       # "please help sir" twice is not one incident
        if _apart(complaint.created_at, index.last_activity(known.canonical) or known.created_at) > others_window:
            continue                                       # the case's newest post is too far away
        if feats.specifics.conflict(known.specifics, rules.guards):
            continue
        return _link(known, DuplicateReason.NEAR_DUPLICATE, score, feats, index)
    return None


@hookimpl
def join_incident(complaint: Complaint, context: DecisionContext) -> Duplicate | None:
    category = context.taxonomy.categories.get(complaint.category)
    window = category.incident_window if category is not None else None
    cases = context.cases
    if (window is None or cases is None or not complaint.actionable or complaint.unit is None
            or complaint.unit_basis not in PLACED):
        return None
    index = context.index
    feats = index.features(complaint)
    identifying = [g for g in index.settings.guards if g in _IDENTIFYING]
    for cid in cases.placed(complaint.category, complaint.unit, complaint.created_at - window):
        known = index.get(cid)
        if known is None or known.external_id == complaint.external_id or known.created_at > complaint.created_at:
            continue
        if feats.specifics.conflict(known.specifics, identifying):
            continue                                       # another vehicle, another victim's name
        (similarity,) = index.scores(feats.signature, [known])
        return _link(known, DuplicateReason.SAME_INCIDENT, similarity, feats, index)
    return None
