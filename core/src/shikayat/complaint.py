"""The domain model: every post from every platform becomes one :class:`Complaint`.

Models are frozen pydantic v2 models. Ids are opaque strings (X ids exceed 2**53; never parse
them as numbers). Every time is timezone-aware UTC. The pipeline derives the second half of a
complaint's fields (duplicate link, category, priority, unit, SLA, status) with
``model_copy(update=...)``; the normalizer fills only what the platform said.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from shikayat.types import DuplicateReason, Language, MediaType, Priority, RouteBasis, Status

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = tuple(a + b for a in _CROCKFORD for b in _CROCKFORD)  # 10 bits -> two digits
_BITS40 = (1 << 40) - 1


def _base32_40(value: int) -> str:
    """A 40-bit value as 8 Crockford base-32 digits, most significant first (two digits per
    table lookup: the id and the docket of every post are spelled here)."""
    pairs = _PAIRS
    return pairs[value >> 30] + pairs[(value >> 20) & 1023] + pairs[(value >> 10) & 1023] + pairs[value & 1023]


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UTCDateTime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware datetime, converted to UTC. Naive datetimes are refused."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ulid(value: int) -> str:
    """A 128-bit value as 26 Crockford base-32 digits (the top digit holds 3 bits)."""
    high = value >> 80
    return (_PAIRS[high >> 40] + _base32_40(high & _BITS40) + _base32_40((value >> 40) & _BITS40)
            + _base32_40(value & _BITS40))


def new_id() -> str:
    """A new sortable opaque id (ULID layout: 48-bit milliseconds + 80 random bits)."""
    return _ulid((int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big"))


# Dockets are short public references derived from the inbox row number through a bijection
# of 40-bit integers, so consecutive complaints get unrelated-looking references, every
# reference is unique, and reprocessing a payload gives it the same reference again.
_DOCKET_BITS = 40
_DOCKET_MASK = (1 << _DOCKET_BITS) - 1
_DOCKET_MUL = 0x9E3779B97F & _DOCKET_MASK | 1  # odd, hence invertible modulo 2**40
_DOCKET_ADD = 0x5A17C0FFEE & _DOCKET_MASK


def docket_for(sequence: int, prefix: str = "SK") -> str:
    """The human reference for inbox row ``sequence``: e.g. ``SK-7K3M-Q2ZD``.

    Unique for every sequence below 2**40; printable in any reply (ASCII, no ambiguous
    letters: Crockford base32 without I, L, O, U).
    """
    if not 0 <= sequence <= _DOCKET_MASK:
        raise ValueError(f"docket sequence out of range: {sequence}")
    code = _base32_40((sequence * _DOCKET_MUL + _DOCKET_ADD) & _DOCKET_MASK)
    return f"{prefix}-{code[:4]}-{code[4:]}"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Author(_Model):
    """Who posted. ``phone`` is personal data (WhatsApp): kept out of ``repr`` and logs."""

    id: str
    handle: str | None = None
    name: str | None = None
    phone: str | None = Field(default=None, repr=False)

    @property
    def key(self) -> str:
        """A stable identity for "the same author": the platform user id."""
        return self.id


class Media(_Model):
    type: MediaType
    id: str | None = None
    url: str | None = None


class Location(_Model):
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    place_name: str | None = None
    place_id: str | None = None


class Thread(_Model):
    """Relations to other posts on the same platform, as external ids."""

    reply_to: str | None = None
    quote_of: str | None = None
    repost_of: str | None = None
    conversation_id: str | None = None


class RawPost(_Model):
    """One post as the platform sent it, before normalization: what the inbox stores.

    ``payload`` is the post's JSON bytes, verbatim for a webhook or a replayed line, the
    post's own object (with the ``includes`` it needs) for a fetched page.
    """

    platform: str
    external_id: str
    channel: str | None = None
    payload: bytes = Field(repr=False)
    received_at: UTCDateTime = Field(default_factory=utcnow)


class Complaint(_Model):
    """One post, normalized, plus what the pipeline decided about it."""

    # identity
    id: str = Field(default_factory=new_id)
    docket: str | None = None
    platform: str
    external_id: str
    channel: str | None = None
    permalink: str | None = None
    # what was posted
    author: Author
    text: str
    language: Language = Language.UNKNOWN
    created_at: UTCDateTime
    received_at: UTCDateTime = Field(default_factory=utcnow)
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    media: tuple[Media, ...] = ()
    location: Location | None = None
    thread: Thread = Thread()
    # derived by the pipeline
    text_normalized: str | None = None
    duplicate_of: str | None = None
    duplicate_of_docket: str | None = None
    duplicate_reason: DuplicateReason | None = None
    duplicate_score: float | None = None
    support_posts: int = 1
    support_authors: int = 1
    category: str = "uncategorised"
    priority: Priority = Priority.NORMAL
    actionable: bool = True
    sensitive: bool = False
    unit: str | None = None
    unit_reason: str | None = None
    unit_basis: RouteBasis | None = None
    sla_due: UTCDateTime | None = None
    status: Status = Status.NEW
    action_report: str | None = None
    removed_at: UTCDateTime | None = None
    """When the post was deleted on the platform; its ``text`` is then :data:`TOMBSTONE` (the
    case, its decisions and its support stay)."""

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None


TOMBSTONE = "[removed by its author]"
"""The stored text of a complaint whose post was deleted on the platform."""

_NOT_LATIN = bytes(b for b in range(256) if not (65 <= b <= 90 or 97 <= b <= 122))
_NOISE = re.compile(r"https?://\S+|[@#]\w+")


def _script_counts(text: str) -> tuple[int, int]:
    """How many characters of ``text`` are Devanagari (U+0900-U+097F) and how many ASCII letters.

    Counted on the UTF-8 bytes, in C: a Devanagari character is the only thing that starts with
    E0 A4 or E0 A5 (E0 is always a lead byte), and an ASCII letter is a byte of its own (no byte
    of a longer sequence is below 0x80)."""
    raw = text.encode("utf-8", "surrogatepass")
    return raw.count(b"\xe0\xa4") + raw.count(b"\xe0\xa5"), len(raw.translate(None, _NOT_LATIN))


def detect_language(text: str) -> Language:
    """Cheap script-based guess: Devanagari only → hi, Latin only → en, both in fair
    measure (the smaller at least a fifth of the larger) → mixed.

    Romanized Hindi is Latin script and reads as ``en`` here; the decision stage may refine it.
    """
    text = _NOISE.sub("", text)          # handles, hashtags and links say nothing of the language
    deva, latin = _script_counts(text)
    if deva and latin:
        if min(deva, latin) * 5 >= max(deva, latin):
            return Language.MIXED
        return Language.HINDI if deva > latin else Language.ENGLISH
    if deva:
        return Language.HINDI
    if latin:
        return Language.ENGLISH
    return Language.UNKNOWN


__all__ = [
    "Author",
    "Complaint",
    "DuplicateReason",
    "Language",
    "Location",
    "Media",
    "MediaType",
    "Priority",
    "RawPost",
    "Status",
    "TOMBSTONE",
    "Thread",
    "UTCDateTime",
    "detect_language",
    "docket_for",
    "new_id",
    "utcnow",
]
