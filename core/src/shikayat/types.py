"""Small shared aliases and enumerations."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeAlias

JSONValue: TypeAlias = "str | int | float | bool | None | list[JSONValue] | dict[str, JSONValue]"
Cursor: TypeAlias = dict[str, str]
"""A fetcher's opaque resume point; core stores it after the page it came with is committed."""


class Language(StrEnum):
    HINDI = "hi"
    ENGLISH = "en"
    MIXED = "mixed"
    UNKNOWN = "und"


class Priority(StrEnum):
    """Most urgent first. ``critical`` means danger to life now."""

    CRITICAL = "critical"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    FORWARDED = "forwarded"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    CLOSED = "closed"


class DuplicateReason(StrEnum):
    REDELIVERY = "redelivery"
    SAME_AUTHOR = "same_author"
    THREAD = "thread"
    NEAR_DUPLICATE = "near_duplicate"
    SAME_INCIDENT = "same_incident"
    """Another report of an incident at the same place within the category's incident window."""


class RouteBasis(StrEnum):
    """What a route was decided on (the default router's order)."""

    RULE = "rule"
    TAG = "tag"
    PLACE = "place"
    """A place named in the text (alone, or refining a tagged unit)."""
    COORDINATES = "coordinates"
    CASE = "case"
    """The case the post was folded into."""
    CHANNEL = "channel"
    DESK = "desk"


class MediaType(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    STICKER = "sticker"
    GIF = "gif"
    OTHER = "other"
