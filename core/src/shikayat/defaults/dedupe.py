"""Default dedupe, in order: reposts of known complaints; exact repeats by the same author;
near-duplicates (MinHash over character shingles, at or above the index's threshold) — by the
same author (an edited repeat) or by others (a copy-paste wave).

(Redeliveries of the same post never get this far: the inbox's unique key absorbs them.)
"""

from __future__ import annotations

from shikayat.complaint import Complaint
from shikayat.decisions import DecisionContext, Duplicate
from shikayat.hookspecs import hookimpl
from shikayat.textnorm import dedupe_key
from shikayat.types import DuplicateReason


@hookimpl
def dedupe_complaint(complaint: Complaint, context: DecisionContext) -> Duplicate | None:
    index = context.index
    if complaint.thread.repost_of:
        original = index.by_external(complaint.platform, complaint.thread.repost_of)
        if original is not None:
            return Duplicate(
                of=original.canonical,
                of_docket=original.canonical_docket,
                reason=DuplicateReason.THREAD,
                score=1.0,
                new_author=not index.has_supported(original.canonical, complaint.author.id),
            )
    key = dedupe_key(complaint.text_normalized or "")
    earlier = index.same_author_text(complaint.platform, complaint.author.id, key)
    if earlier is not None and earlier.external_id != complaint.external_id:
        within = complaint.created_at - earlier.created_at <= index.window
        if within:
            return Duplicate(
                of=earlier.canonical,
                of_docket=earlier.canonical_docket,
                reason=DuplicateReason.SAME_AUTHOR,
                score=1.0,
                new_author=False,
            )
    for known, score in index.similar(complaint.text_normalized):
        if known.external_id == complaint.external_id or complaint.created_at - known.created_at > index.window:
            continue
        same = known.author_id == complaint.author.id
        return Duplicate(
            of=known.canonical,
            of_docket=known.canonical_docket,
            reason=DuplicateReason.SAME_AUTHOR if same else DuplicateReason.NEAR_DUPLICATE,
            score=round(score, 3),
            new_author=not same and not index.has_supported(known.canonical, complaint.author.id),
        )
    return None
