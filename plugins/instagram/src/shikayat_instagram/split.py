"""Which Instagram items are stored, and under which inbox key.

Raw payload forms that reach the inbox:

* **a webhook delivery** (``{"object": "instagram", "entry": [...]}``): split into one
  single-item delivery per stored change or messaging event (see
  :func:`shikayat_facebook.metahook.single_delivery`);
* **a read comment** ``{"comment": {...}, "media": {...}}``: reconciliation polling of our
  media, or a comment fetched because a ``mentions`` change named it;
* **a read media** ``{"media": {...}}`` with its ``caption``: a post whose caption
  @mentioned our account.

Keys (the inbox's unique ``external_id``) are equal for a webhook item and a read of the same
object, so push, reconciliation and mention hydration overlap harmlessly:

=========================================  ==========================================
item                                       key
=========================================  ==========================================
``comments`` / ``live_comments`` change    ``<comment id>``
a read comment                             ``<comment id>``
a read (mentioned) media                   ``<media id>``
a messaging ``message``                    ``<message.mid>``
a messaging ``message`` with ``is_deleted``  ``<message.mid>:removed`` — the author unsent it
``mentions`` change (ids only)             ``mention:<comment_id>`` or
                                           ``mention:media:<media_id>`` — a stub
=========================================  ==========================================

A ``mentions`` change carries no text. Its stub is stored verbatim (the delivery is
acknowledged only once something is committed) and never becomes a complaint itself; the
channel's fetcher looks the comment or caption up and stores it under the plain key above
(see :mod:`shikayat_instagram.hydrate`). An unsent message's notice is the one removal Instagram
delivers (``comments`` carry no deletions): it tombstones the message's complaint and keeps the
case. Not stored: messaging echoes (``is_echo``, our own messages: the ones carrying a reply token
confirm that reply, see :func:`shikayat_facebook.metahook.echo_reports`), reactions, postbacks, seen
receipts and other fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from shikayat import RawPost, UnparseablePayload
from shikayat_facebook.metahook import MESSAGING, DeliveryItem, delivery_items, single_delivery

PLATFORM = "instagram"
OBJECT = "instagram"
COMMENT_FIELDS = frozenset({"comments", "live_comments"})
MENTIONS = "mentions"
STUB_PREFIX = "mention:"
REMOVED = ":removed"


def _id(value: Any) -> str | None:
    """An id as the opaque string it is (Graph ids sometimes arrive as JSON numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Mention:
    """What a ``mentions`` change names: the media, and the comment when the @mention is in one."""

    media_id: str
    comment_id: str | None = None

    @property
    def key(self) -> str:
        """The stub's inbox key."""
        return f"{STUB_PREFIX}{self.comment_id}" if self.comment_id else f"{STUB_PREFIX}media:{self.media_id}"

    @property
    def target_key(self) -> str:
        """The inbox key of the comment or media once it is looked up."""
        return self.comment_id or self.media_id


def is_stub(external_id: str) -> bool:
    return external_id.startswith(STUB_PREFIX)


def mention_of(value: dict[str, Any]) -> Mention:
    media_id = _id(value.get("media_id"))
    if media_id is None:
        raise UnparseablePayload("a mentions change has no media_id")
    return Mention(media_id, _id(value.get("comment_id")))


def messaging_key(event: dict[str, Any]) -> str | None:
    """The inbox key of a messaging event, or None when it is not a person's message (or its
    removal)."""
    message = event.get("message")
    if not isinstance(message, dict) or message.get("is_echo") is True:
        return None
    mid = _id(message.get("mid"))
    if mid is None:
        raise UnparseablePayload("a messaging message has no mid")
    return mid + REMOVED if message.get("is_deleted") is True else mid


def item_key(item: DeliveryItem) -> str | None:
    """The inbox key of one delivery item, or None when it is not stored."""
    if item.field == MESSAGING:
        return messaging_key(item.value)
    if item.field in COMMENT_FIELDS:
        key = _id(item.value.get("id"))
        if key is None:
            raise UnparseablePayload(f"a {item.field} change has no comment id")
        return key
    if item.field == MENTIONS:
        return mention_of(item.value).key
    return None


@dataclass(frozen=True)
class Split:
    """A delivery's stored posts, and the mentions among them that need looking up."""

    posts: list[RawPost]
    mentions: list[Mention]


def split_delivery(body: bytes, channel: str | None) -> Split:
    """One delivery → one RawPost per stored item, each payload a single-item delivery."""
    posts: list[RawPost] = []
    mentions: list[Mention] = []
    for item in delivery_items(body, expected_object=OBJECT):
        key = item_key(item)
        if key is None:
            continue
        posts.append(RawPost(platform=PLATFORM, external_id=key, channel=channel,
                             payload=single_delivery(item)))
        if item.field == MENTIONS:
            mentions.append(mention_of(item.value))
    return Split(posts, mentions)


def comment_payload(comment: dict[str, Any], media: dict[str, Any], channel: str | None) -> RawPost:
    """A read comment (with what is known of its media) as the RawPost the fetcher stores."""
    key = _id(comment.get("id"))
    if key is None:
        raise UnparseablePayload("a read comment has no id")
    return RawPost(platform=PLATFORM, external_id=key, channel=channel,
                   payload=orjson.dumps({"comment": comment, "media": media}))


def media_payload(media: dict[str, Any], channel: str | None) -> RawPost:
    """A read (mentioned) media as the RawPost the fetcher stores."""
    key = _id(media.get("id"))
    if key is None:
        raise UnparseablePayload("a read media has no id")
    return RawPost(platform=PLATFORM, external_id=key, channel=channel, payload=orjson.dumps({"media": media}))


def load(payload: bytes) -> dict[str, Any]:
    try:
        obj = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise UnparseablePayload(f"payload is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise UnparseablePayload("payload is not a JSON object")
    return obj


def split_payload(payload: bytes, channel: str | None) -> list[RawPost]:
    """A replayed payload (a delivery body or a read) → RawPosts; see the module docstring."""
    obj = load(payload)
    if "object" in obj or "entry" in obj:
        return split_delivery(payload, channel).posts
    comment, media = obj.get("comment"), obj.get("media")
    if isinstance(comment, dict):
        key = _id(comment.get("id"))
        if key is None:
            raise UnparseablePayload("a read comment has no id")
    elif isinstance(media, dict):
        key = _id(media.get("id"))
        if key is None:
            raise UnparseablePayload("a read media has no id")
    else:
        raise UnparseablePayload("payload is neither a webhook delivery, a {'comment': ...} nor a "
                                 "{'media': ...} read")
    return [RawPost(platform=PLATFORM, external_id=key, channel=channel, payload=payload)]
