"""Which Facebook items are stored, and under which inbox key.

Two raw payload forms reach the inbox:

* **a webhook delivery** (``{"object": "page", "entry": [...]}``): split into one single-item
  delivery per stored change or Messenger event (see :func:`shikayat_facebook.metahook.single_delivery`);
* **a read** from reconciliation polling: ``{"data": <post>}`` for a Page feed post or a post
  that tags the Page, ``{"data": <comment>, "post_id": "<post id>"}`` for a comment and
  ``{"data": <message>, "conversation_id": "<t_…>"}`` for a Messenger message.

Keys (the inbox's unique ``external_id``) are equal for a webhook item and a read of the same
object, so the overlap between push and reconciliation is absorbed by the inbox:

=========================================  ================================================
item                                       key
=========================================  ================================================
feed/mention ``add`` of a comment          ``<comment_id>``
feed/mention ``add`` of a post             ``<post_id>``
the same, ``edited`` (``edit``)            ``<id>:edited:<created_time>:<text hash>``
the same, ``remove``                       ``<id>:removed``
a Messenger message                        ``<message.mid>``
a read post / comment / message            its ``id`` (a message's Graph id is its ``mid``)
=========================================  ================================================

An edit gets its own key so it never collides with the original and two edits never collide
with each other (the first 8 hex digits of the SHA-256 of the new text tell them apart; a
redelivery of the same edit has the same key); a removal is recorded once (its row is the notice
that tombstones the removed object's complaint, see :mod:`shikayat_facebook.normalize`). Not stored:
reactions and likes, ``hide``/``unhide`` moderation, Messenger echoes (``is_echo``, our own messages:
the ones carrying a reply token confirm that reply, see :func:`shikayat_facebook.metahook.echo_reports`),
delivery/read receipts, postbacks and other fields.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from shikayat import RawPost, UnparseablePayload
from shikayat_facebook.metahook import MESSAGING, DeliveryItem, delivery_items, single_delivery

PLATFORM = "facebook"
OBJECT = "page"
FEED_ITEMS = frozenset({"post", "status", "photo", "video", "share", "comment", "note", "event"})
"""Feed ``item`` kinds that carry something a person wrote."""
_VERBS = {"add": "", "edited": "edited", "edit": "edited", "remove": "removed"}
EDITED = ":edited:"
REMOVED = ":removed"


def base_id(external_id: str) -> str:
    """The Facebook object id behind an inbox key (drops ``:edited:…`` / ``:removed``)."""
    return external_id.split(":", 1)[0]


def is_removal(external_id: str) -> bool:
    return external_id.endswith(REMOVED)


def is_edit(external_id: str) -> bool:
    return EDITED in external_id


def object_id(value: dict[str, Any]) -> str | None:
    """The comment id of a comment change, else the post id."""
    item = value.get("item")
    key = value.get("comment_id") if item == "comment" or "comment_id" in value else value.get("post_id")
    return str(key) if isinstance(key, str | int) and not isinstance(key, bool) and key != "" else None


def change_key(value: dict[str, Any], entry_time: int | None) -> str | None:
    """The inbox key of a ``feed`` or ``mention`` change, or None when it is not stored."""
    item = value.get("item")
    if item is not None and item not in FEED_ITEMS:
        return None
    verb = _VERBS.get(str(value.get("verb", "add")))
    if verb is None:
        return None
    oid = object_id(value)
    if oid is None:
        raise UnparseablePayload(f"a {item or 'feed'} change has no comment_id or post_id")
    if verb == "edited":
        when = value.get("created_time", entry_time)
        message = value.get("message")
        text = message if isinstance(message, str) else ""
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        return f"{oid}{EDITED}{when if when is not None else 0}:{digest}"
    if verb == "removed":
        return oid + REMOVED
    return oid


def messaging_key(event: dict[str, Any]) -> str | None:
    """The inbox key of a Messenger event, or None when it is not a person's message."""
    message = event.get("message")
    if not isinstance(message, dict) or message.get("is_echo") is True:
        return None
    mid = message.get("mid")
    if not isinstance(mid, str) or not mid:
        raise UnparseablePayload("a Messenger message has no mid")
    return mid


def item_key(item: DeliveryItem) -> str | None:
    if item.field == MESSAGING:
        return messaging_key(item.value)
    if item.field in ("feed", "mention", "mentions"):
        return change_key(item.value, item.entry_time)
    return None


def split_delivery(body: bytes, channel: str | None) -> list[RawPost]:
    """One delivery → one RawPost per stored item, each payload a single-item delivery."""
    posts = []
    for item in delivery_items(body, expected_object=OBJECT):
        key = item_key(item)
        if key is not None:
            posts.append(RawPost(platform=PLATFORM, external_id=key, channel=channel,
                                 payload=single_delivery(item)))
    return posts


def read_payload(obj: dict[str, Any], post_id: str | None = None) -> RawPost:
    """A read post (``post_id`` None) or comment as the RawPost the fetcher stores."""
    payload = {"data": obj} if post_id is None else {"data": obj, "post_id": post_id}
    return RawPost(platform=PLATFORM, external_id=str(obj["id"]), payload=orjson.dumps(payload))


def message_payload(message: dict[str, Any], conversation_id: str) -> RawPost:
    """A Messenger message read from a conversation as the RawPost the fetcher stores."""
    return RawPost(platform=PLATFORM, external_id=str(message["id"]),
                   payload=orjson.dumps({"data": message, "conversation_id": conversation_id}))


def split_payload(payload: bytes, channel: str | None) -> list[RawPost]:
    """A replayed payload (a delivery body or a read) → RawPosts; see the module docstring."""
    try:
        obj = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise UnparseablePayload(f"payload is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise UnparseablePayload("payload is not a JSON object")
    if "object" in obj or "entry" in obj:
        return split_delivery(payload, channel)
    data = obj.get("data")
    if isinstance(data, dict):
        pid = data.get("id")
        if not isinstance(pid, str) or not pid:
            raise UnparseablePayload("a read object has no 'id'")
        return [RawPost(platform=PLATFORM, external_id=pid, channel=channel, payload=payload)]
    raise UnparseablePayload("payload is neither a webhook delivery nor a read {'data': ...} object")


def anonymous_id(key: str) -> str:
    """A stable stand-in author id when Meta leaves ``from`` out (people who never used the app)."""
    return "anon:" + hashlib.sha256(key.encode()).hexdigest()[:16]
