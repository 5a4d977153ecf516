"""The dedupe index: what the dedupe hook looks things up in, without scanning the store.

Kept in memory, bounded by the dedupe window, rebuilt from the store on start
(:meth:`DedupeIndex.rebuild`). Every lookup is a dictionary hit or a near-duplicate query
(:mod:`shikayat.pipeline.neardup`), so the cost per post does not grow with the store.

It answers, for a new post:

* the complaint a platform id belongs to (reposts, quotes and replies name their original by
  id), and the first post that reposted or quoted an original we never saw;
* the same author's earlier posts: exact text repeats and the last posts to compare with;
* near-duplicate canonical complaints by anyone;
* whether an author already supports a case (so support counts distinct people).

**Who is "the same author".** An author is known by every identity the platform gives:
``<platform>:<user id>`` always; ``phone:<last 10 digits>`` when the platform reports a phone
number (WhatsApp), which links one person's posts across platforms; ``handle:<handle>`` only
on the platforms listed in ``handle_platforms``, whose handles the deployment trusts to name one
person (a handle is chosen freely on each platform; ``@rahul_v`` on two networks may be two
people, so this is off by default). A person on two unlinked accounts is two authors to the
index; their posts still fold as near-duplicates by different authors.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shikayat.complaint import Complaint
from shikayat.config import DedupeConfig
from shikayat.pipeline.followup import content_words
from shikayat.pipeline.neardup import NearDuplicateIndex, Signature
from shikayat.pipeline.specifics import Specifics, extract
from shikayat.store import IndexRow
from shikayat.textnorm import dedupe_key
from shikayat.types import DuplicateReason

_VERBATIM = 0.9
_AUTHOR_POSTS = 50
"""How many of one author's recent posts are kept to compare a new post of theirs with."""
_REBUILD_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Known:
    """A complaint the index knows: enough to link a duplicate to its canonical case."""

    id: str
    platform: str
    external_id: str
    docket: str | None
    canonical: str
    """The canonical complaint's id (itself when not a duplicate)."""
    canonical_docket: str | None
    author: str
    """The author's first identity (``<platform>:<user id>``)."""
    identities: tuple[str, ...]
    created_at: datetime
    specifics: Specifics
    slot: int | None
    """Where its signature is in the near-duplicate index (None for an empty text)."""
    size: int = 0
    """Its number of distinct shingles."""
    text_key: str = ""
    targets: tuple[str, ...] = ()
    """Originals it reposted or quoted that the index did not know (it stands in for them)."""
    words: bytes = b""
    """Its content words (:func:`shikayat.pipeline.followup.content_words`)."""


@dataclass(frozen=True, slots=True)
class Features:
    """What the index derives from one post's text and author, computed once per post."""

    key: str
    signature: Signature | None
    specifics: Specifics
    identities: tuple[str, ...]
    words: bytes = b""


def _searchable(reason: DuplicateReason | str | None, score: float | None) -> bool:
    """Whether near-duplicate queries may answer with this post: a new case, and an edited
    repeat or rewritten copy (it brings wording of its own that later copies may follow), but
    not a near-verbatim copy (its case's text already answers) nor thread support ("same here
    sir" says nothing of the incident)."""
    if reason is None or reason == DuplicateReason.SAME_AUTHOR:
        return True
    return reason != DuplicateReason.THREAD and (score or 0.0) < _VERBATIM


def _identities(platform: str, author_id: str, handle: str | None, phone: str | None,
                handle_platforms: frozenset[str]) -> tuple[str, ...]:
    keys = [f"{platform}:{author_id}"]
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) >= 10:
        keys.append(f"phone:{digits[-10:]}")
    if handle and platform in handle_platforms:
        keys.append(f"handle:{handle.casefold().lstrip('@')}")
    return tuple(keys)


@dataclass
class DedupeIndex:
    settings: DedupeConfig = field(default_factory=DedupeConfig)
    near: NearDuplicateIndex = field(default_factory=NearDuplicateIndex)
    _by_external: dict[tuple[str, str], Known] = field(default_factory=dict, repr=False)
    _proxies: dict[tuple[str, str], Known] = field(default_factory=dict, repr=False)
    _by_text: dict[tuple[str, str], Known] = field(default_factory=dict, repr=False)
    _by_author: dict[str, list[Known]] = field(default_factory=dict, repr=False)
    _supporters: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _ids: dict[str, Known] = field(default_factory=dict, repr=False)
    _activity: dict[str, datetime] = field(default_factory=dict, repr=False)
    _expiry: list[tuple[datetime, int, str, str]] = field(default_factory=list, repr=False)

    @property
    def window(self) -> timedelta:
        return self.settings.window

    def __post_init__(self) -> None:
        # near-duplicate queries answer down to the lower threshold; the hook applies each
        self.near.threshold = min(self.settings.same_author_similarity, self.settings.others_similarity)
        self._handle_platforms = frozenset(self.settings.handle_platforms)
        self._newest: datetime | None = None
        self._seq = itertools.count()
        self._prepared: dict[tuple[str, str | None], Features] = {}

    def __len__(self) -> int:
        return len(self._by_external)

    # -- a post's features -----------------------------------------------------------------
    def prepare(self, complaints: Sequence[Complaint]) -> None:
        """Derive the features of a batch of posts at once (their signatures in one numpy
        computation), for :meth:`features` to find as each post is decided. Replaces the last
        batch's; deciding in order stays the caller's work, so posts still see those before them."""
        feats = self._features_many([(c.platform, c.author.id, c.author.handle, c.author.phone, c.text,
                                      c.text_normalized) for c in complaints])
        self._prepared = {(c.id, c.text_normalized): f for c, f in zip(complaints, feats, strict=True)}

    def features(self, complaint: Complaint) -> Features:
        """Text key, signature, specifics and author identities of ``complaint`` (kept from
        :meth:`prepare`, or derived and kept until the post is added, so the hook's lookups and
        the pipeline's add share them)."""
        key = (complaint.id, complaint.text_normalized)
        feats = self._prepared.get(key)
        if feats is None:
            a = complaint.author
            (feats,) = self._features_many([(complaint.platform, a.id, a.handle, a.phone, complaint.text,
                                              complaint.text_normalized)])
            self._prepared[key] = feats
        return feats

    def _features_many(self, posts: Sequence[tuple[str, str, str | None, str | None, str | None, str | None]],
                       ) -> list[Features]:
        """Features of ``(platform, author id, handle, phone, text, normalized text)`` tuples."""
        signatures = self.near.signatures([normalized or "" for *_, normalized in posts])
        return [Features(
            key=dedupe_key(normalized or ""),
            signature=signature,
            specifics=extract(text) if text else Specifics(),
            identities=_identities(platform, author_id, handle, phone, self._handle_platforms),
            words=content_words(normalized) if normalized else b"",
        ) for (platform, author_id, handle, phone, text, normalized), signature in zip(posts, signatures, strict=True)]

    # -- lookups ---------------------------------------------------------------------------
    def by_external(self, platform: str, external_id: str | None) -> Known | None:
        """The known complaint with this platform id, else the first post that reposted or
        quoted it (an original we never saw)."""
        if not external_id:
            return None
        key = (platform, external_id)
        return self._by_external.get(key) or self._proxies.get(key)

    def same_author_text(self, identities: Iterable[str], text_key: str) -> Known | None:
        """The author's earliest post in the window with exactly this text key."""
        if not text_key:
            return None
        found = [k for ident in identities if (k := self._by_text.get((ident, text_key))) is not None]
        return min(found, key=lambda k: k.created_at) if found else None

    def author_posts(self, identities: Iterable[str]) -> list[Known]:
        """The author's recent posts in the window (any of their identities), newest first."""
        posts: dict[str, Known] = {}
        for ident in identities:
            for known in self._by_author.get(ident, ()):
                posts[known.id] = known
        return sorted(posts.values(), key=lambda k: k.created_at, reverse=True)

    def scores(self, signature: Signature | None, posts: list[Known]) -> list[float]:
        """Estimated Jaccard similarity of ``signature`` with each post's text (0 without text)."""
        live = [k.slot for k in posts if k.slot is not None and self.near.is_live(k.slot)]
        if signature is None or not live:
            return [0.0] * len(posts)
        by_slot = dict(zip(live, self.near.scores(signature, live), strict=True))
        return [by_slot.get(k.slot, 0.0) if k.slot is not None else 0.0 for k in posts]

    def similar(self, signature: Signature | None, limit: int = 8) -> list[tuple[Known, float]]:
        """Up to ``limit`` searchable complaints whose text is near ``signature``, most similar
        first (a bound on the work per post when many look-alike cases are open)."""
        found = []
        for cid, score in self.near.query(signature, limit):
            known = self._ids.get(cid)
            if known is not None:
                found.append((known, score))
        return found

    def get(self, complaint_id: str) -> Known | None:
        return self._ids.get(complaint_id)

    def last_activity(self, canonical_id: str) -> datetime | None:
        """When the newest post in this case was created (its verbatim copies are not
        searchable themselves, so a wave's age is read from here)."""
        return self._activity.get(canonical_id)

    def has_supported(self, canonical_id: str, identities: Iterable[str]) -> bool:
        """True when the author (any identity) already posted in this case."""
        seen = self._supporters.get(canonical_id, ())
        return any(ident in seen for ident in identities)

    # -- updates ---------------------------------------------------------------------------
    def add(self, complaint: Complaint) -> Known:
        """Index a decided complaint (its ``duplicate_of`` set when it was folded)."""
        feats = self.features(complaint)
        self._prepared.pop((complaint.id, complaint.text_normalized), None)
        canonical = self._ids.get(complaint.duplicate_of) if complaint.duplicate_of else None
        thread = complaint.thread
        return self._insert(
            complaint.id, complaint.platform, complaint.external_id, complaint.docket, complaint.duplicate_of,
            canonical.canonical_docket if canonical else complaint.duplicate_of_docket, complaint.created_at, feats,
            (thread.repost_of, thread.quote_of), _searchable(complaint.duplicate_reason, complaint.duplicate_score),
        )

    def add_row(self, row: IndexRow) -> Known:
        """Index a stored complaint (the rebuild on start)."""
        return self._add_rows([row])[0]

    def _add_rows(self, rows: Sequence[IndexRow]) -> list[Known]:
        feats = self._features_many([(r.platform, r.author_id, r.author_handle, r.author_phone, r.text,
                                      r.text_normalized) for r in rows])
        added = []
        for row, f in zip(rows, feats, strict=True):
            canonical = self._ids.get(row.duplicate_of) if row.duplicate_of else None
            added.append(self._insert(
                row.id, row.platform, row.external_id, row.docket, row.duplicate_of,
                canonical.canonical_docket if canonical else None, row.created_at, f, (row.repost_of, row.quote_of),
                _searchable(row.duplicate_reason, row.duplicate_score)))
        return added

    def _insert(self, cid: str, platform: str, external_id: str, docket: str | None, duplicate_of: str | None,
                canonical_docket: str | None, created_at: datetime, feats: Features,
                targets: tuple[str | None, ...], searchable: bool) -> Known:
        is_canonical = duplicate_of is None
        slot = self.near.add(cid, feats.signature, created_at.timestamp(), searchable=searchable)
        known = Known(
            id=cid, platform=platform, external_id=external_id, docket=docket,
            canonical=duplicate_of or cid, canonical_docket=docket if is_canonical else canonical_docket,
            author=feats.identities[0], identities=feats.identities, created_at=created_at,
            specifics=feats.specifics, slot=slot, size=feats.signature.size if feats.signature else 0,
            text_key=feats.key, words=feats.words,
            targets=tuple(t for t in targets if t and (platform, t) not in self._by_external),
        )
        self._by_external[(platform, external_id)] = known
        for target in known.targets:   # later reposts/quotes of an original we never saw join this case
            self._proxies.setdefault((platform, target), known)
        if created_at > self._activity.get(known.canonical, created_at - self.window):
            self._activity[known.canonical] = created_at
        supporters = self._supporters.setdefault(known.canonical, set())
        supporters.update(feats.identities)
        for ident in feats.identities:
            if feats.key:   # the first (oldest) post with this text stays the one repeats link to
                self._by_text.setdefault((ident, feats.key), known)
            posts = self._by_author.setdefault(ident, [])
            posts.append(known)
            if len(posts) > _AUTHOR_POSTS:
                del posts[0]
        heapq.heappush(self._expiry, (created_at, next(self._seq), platform, external_id))
        self._ids[cid] = known
        if self._newest is None or created_at > self._newest:
            self._newest = created_at
        return known

    def prune(self, now: datetime | None = None) -> int:
        """Forget complaints created more than the window before the newest one seen (or
        before ``now``, if later); returns how many were dropped. Measuring from the newest
        post rather than the clock lets a replay of old posts dedupe like live traffic."""
        newest = self._newest if now is None or (self._newest and self._newest > now) else now
        if newest is None:
            return 0
        cutoff = newest - self.window
        self.near.prune(cutoff.timestamp())
        dropped = 0
        while self._expiry and self._expiry[0][0] < cutoff:
            _, _, platform, external_id = heapq.heappop(self._expiry)
            known = self._by_external.pop((platform, external_id), None)
            if known is None:
                continue
            dropped += 1
            self._forget(known)
        return dropped

    def _forget(self, known: Known) -> None:
        self._ids.pop(known.id, None)
        if known.canonical == known.id:
            self._supporters.pop(known.id, None)
            self._activity.pop(known.id, None)
        for ident in known.identities:
            posts = self._by_author.get(ident)
            if posts and known in posts:
                posts.remove(known)
                if not posts:
                    del self._by_author[ident]
        for ident in known.identities:
            if known.text_key and self._by_text.get((ident, known.text_key)) is known:
                del self._by_text[(ident, known.text_key)]
        for target in known.targets:
            if self._proxies.get((known.platform, target)) is known:
                del self._proxies[(known.platform, target)]

    def rebuild(self, rows: Iterable[IndexRow]) -> int:
        """Load stored complaints (oldest first) into an empty index; returns the count. Rows
        are read in chunks whose features are derived together."""
        count = 0
        it = iter(rows)
        while chunk := list(itertools.islice(it, _REBUILD_CHUNK)):
            count += len(self._add_rows(chunk))
        return count
