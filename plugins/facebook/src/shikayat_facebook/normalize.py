"""Facebook raw payloads → :class:`shikayat.Complaint`. Pure and deterministic.

Reads (``{"data": obj}``; a Messenger message read from a conversation also carries its
``conversation_id``) give ISO 8601 times with ``+0000``; ``feed``/``mention`` webhooks give
unix seconds; Messenger gives unix milliseconds. Thread relations: a comment replies to its
``parent_id`` (the post, or the parent comment) and its conversation is the post; an edit is
linked to the original object as ``repost_of`` (so dedupe folds it into the original's case
without a second acknowledgement); a removal record raises
:class:`~shikayat.errors.PostRemoved` naming the removed object and the key prefix of its edits
(core tombstones their text and keeps the case; when and by whom are the change's
``created_time`` — else the delivery's time — and ``from``). A Messenger message's
conversation is the sender's PSID; ``reply_to`` is the quoted ``mid``.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from shikayat import (
    Author,
    Complaint,
    Location,
    Media,
    MediaType,
    PostRemoved,
    RawPost,
    Thread,
    UnparseablePayload,
)
from shikayat.complaint import detect_language
from shikayat_facebook.metahook import MESSAGING, delivery_items, meta_time
from shikayat_facebook.split import EDITED, OBJECT, PLATFORM, anonymous_id, base_id, is_edit, is_removal

_HASHTAG = re.compile(r"#(\w+)")
_LINK = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@(\w[\w.]*)")
_MEDIA = {"image": MediaType.IMAGE, "photo": MediaType.IMAGE, "video": MediaType.VIDEO,
          "video_inline": MediaType.VIDEO, "animated_image_share": MediaType.GIF, "audio": MediaType.AUDIO,
          "file": MediaType.DOCUMENT, "sticker": MediaType.STICKER}
FACEBOOK = "https://www.facebook.com"


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text_parts(text: str, tags: Any) -> dict[str, tuple[str, ...]]:
    mentions = [m.lower() for m in _MENTION.findall(text)]
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, dict) and isinstance(tag.get("name"), str) and tag.get("type") in (None, "page", "user"):
            mentions.append(tag["name"].replace(" ", "").lower())
    return {"mentions": tuple(dict.fromkeys(mentions)),
            "hashtags": tuple(dict.fromkeys(h.lower() for h in _HASHTAG.findall(text))),
            "links": tuple(dict.fromkeys(_LINK.findall(text)))}


def _author(who: Any, key: str) -> Author:
    if isinstance(who, dict) and isinstance(who.get("id"), str | int) and who.get("id") != "":
        name = who.get("name")
        return Author(id=str(who["id"]), name=name if isinstance(name, str) else None)
    return Author(id=anonymous_id(key))


def _read_media(obj: dict[str, Any]) -> list[Media]:
    found: list[Any] = []
    attachments = obj.get("attachments")
    if isinstance(attachments, dict):
        found += attachments.get("data") or []
    if isinstance(obj.get("attachment"), dict):
        found.append(obj["attachment"])
    media = []
    for a in found:
        if not isinstance(a, dict):
            continue
        image = _obj(_obj(a.get("media")).get("image"))
        target = _obj(a.get("target"))
        media.append(Media(type=_MEDIA.get(str(a.get("media_type") or a.get("type")), MediaType.OTHER),
                           id=str(target["id"]) if target.get("id") else None,
                           url=image.get("src") or a.get("url")))
    return media


def _change_media(value: dict[str, Any]) -> list[Media]:
    media = []
    if isinstance(value.get("photo"), str):
        media.append(Media(type=MediaType.IMAGE, id=value.get("photo_id"), url=value["photo"]))
    for url in value.get("photos") or [] if isinstance(value.get("photos"), list) else []:
        if isinstance(url, str):
            media.append(Media(type=MediaType.IMAGE, url=url))
    if isinstance(value.get("video"), str) or value.get("item") == "video":
        media.append(Media(type=MediaType.VIDEO, id=value.get("video_id"), url=value.get("video")
                           if isinstance(value.get("video"), str) else value.get("link")))
    return media


def _complaint(raw: RawPost, **fields: Any) -> Complaint:
    text = fields["text"]
    try:
        return Complaint(platform=PLATFORM, external_id=raw.external_id, channel=raw.channel,
                         received_at=raw.received_at, language=detect_language(text), **fields)
    except ValueError as exc:
        raise UnparseablePayload(f"{raw.external_id}: {exc}") from None


def _permalink(post_id: str | None, comment_id: str | None) -> str | None:
    if post_id and comment_id:
        return f"{FACEBOOK}/{post_id}?comment_id={comment_id}"
    return f"{FACEBOOK}/{post_id}" if post_id else None


def _removal(oid: str, value: dict[str, Any], entry_time: int | None) -> PostRemoved:
    when = value.get("created_time", entry_time)
    who = value.get("from")
    by = who.get("id") if isinstance(who, dict) else None
    return PostRemoved(oid, removed_at=meta_time(when, what=f"{oid}: created_time") if when is not None else None,
                       removed_by=str(by) if isinstance(by, str | int) and by != "" else None,
                       edits_prefix=oid + EDITED)


def _from_change(raw: RawPost, field: str, value: dict[str, Any], entry_time: int | None) -> Complaint:
    key = raw.external_id
    oid = base_id(key)
    if is_removal(key):
        raise _removal(oid, value, entry_time)
    post_id = str(value["post_id"]) if value.get("post_id") else None
    is_comment = value.get("item") == "comment" or "comment_id" in value
    text = value.get("message", "")
    if not isinstance(text, str):
        raise UnparseablePayload(f"{key}: 'message' is not a string")
    who = value.get("from")
    if field in ("mention", "mentions") and not isinstance(who, dict) and value.get("sender_id"):
        who = {"id": value["sender_id"], "name": value.get("sender_name")}
    parent = value.get("parent_id")
    thread = Thread(reply_to=str(parent) if is_comment and parent else (post_id if is_comment else None),
                    conversation_id=post_id,
                    repost_of=oid if is_edit(key) else None)
    created_raw = value.get("created_time")
    created = meta_time(created_raw, what=f"{key}: created_time")
    link = value.get("permalink_url") if isinstance(value.get("permalink_url"), str) else None
    return _complaint(raw, author=_author(who, oid), text=text, created_at=created,
                      permalink=link or _permalink(post_id, oid if is_comment else None),
                      media=tuple(_change_media(value)), thread=thread,
                      **_text_parts(text, value.get("message_tags")))


def _from_messaging(raw: RawPost, event: dict[str, Any]) -> Complaint:
    message = event.get("message")
    if not isinstance(message, dict):
        raise UnparseablePayload(f"{raw.external_id}: the Messenger event has no message")
    sender = event.get("sender")
    if not isinstance(sender, dict) or not sender.get("id"):
        raise UnparseablePayload(f"{raw.external_id}: the Messenger event has no sender.id")
    text = message.get("text", "")
    if not isinstance(text, str):
        raise UnparseablePayload(f"{raw.external_id}: message.text is not a string")
    media = []
    location = None
    for a in message.get("attachments") or []:
        if not isinstance(a, dict):
            continue
        payload = _obj(a.get("payload"))
        coords = payload.get("coordinates")
        if a.get("type") == "location" and isinstance(coords, dict):
            location = Location(latitude=coords.get("lat"), longitude=coords.get("long"),
                                place_name=a.get("title"))
            continue
        media.append(Media(type=_MEDIA.get(str(a.get("type")), MediaType.OTHER), url=payload.get("url"),
                           id=str(payload["attachment_id"]) if payload.get("attachment_id") else None))
    reply = message.get("reply_to")
    psid = str(sender["id"])
    return _complaint(raw, author=Author(id=psid), text=text,
                      created_at=meta_time(event.get("timestamp"), what=f"{raw.external_id}: timestamp", millis=True),
                      media=tuple(media), location=location,
                      thread=Thread(reply_to=reply.get("mid") if isinstance(reply, dict) else None,
                                    conversation_id=psid),
                      **_text_parts(text, None))


def _from_read(raw: RawPost, obj: dict[str, Any], post_id: str | None) -> Complaint:
    oid = raw.external_id
    text = obj.get("message", "")
    if not isinstance(text, str):
        raise UnparseablePayload(f"{oid}: 'message' is not a string")
    parent = obj.get("parent")
    parent_id = parent.get("id") if isinstance(parent, dict) else None
    if post_id is not None:        # a comment
        thread = Thread(reply_to=parent_id or post_id, conversation_id=post_id)
        fallback = _permalink(post_id, oid)
    else:
        thread = Thread(conversation_id=oid)
        fallback = _permalink(oid, None)
    link = obj.get("permalink_url") if isinstance(obj.get("permalink_url"), str) else None
    return _complaint(raw, author=_author(obj.get("from"), oid), text=text,
                      created_at=meta_time(obj.get("created_time"), what=f"{oid}: created_time"),
                      permalink=link or fallback, media=tuple(_read_media(obj)), thread=thread,
                      **_text_parts(text, obj.get("message_tags")))


def _read_message_media(message: dict[str, Any]) -> list[Media]:
    media = []
    for a in _obj(message.get("attachments")).get("data") or []:
        if not isinstance(a, dict):
            continue
        image, video = _obj(a.get("image_data")), _obj(a.get("video_data"))
        kind = MediaType.IMAGE if image else MediaType.VIDEO if video else MediaType.DOCUMENT
        media.append(Media(type=kind, id=str(a["id"]) if a.get("id") else None,
                           url=image.get("url") or video.get("url") or a.get("file_url")))
    return media


def _from_read_message(raw: RawPost, message: dict[str, Any]) -> Complaint:
    """A Messenger message read from a conversation: the same complaint its webhook gives."""
    sender = message.get("from")
    if not isinstance(sender, dict) or not sender.get("id"):
        raise UnparseablePayload(f"{raw.external_id}: the message has no from.id")
    text = message.get("message", "")
    if not isinstance(text, str):
        raise UnparseablePayload(f"{raw.external_id}: 'message' is not a string")
    psid = str(sender["id"])
    name = sender.get("name")
    return _complaint(raw, author=Author(id=psid, name=name if isinstance(name, str) else None), text=text,
                      created_at=meta_time(message.get("created_time"), what=f"{raw.external_id}: created_time"),
                      media=tuple(_read_message_media(message)), thread=Thread(conversation_id=psid),
                      **_text_parts(text, None))


def normalize_post(raw: RawPost) -> Complaint:
    """One stored Facebook payload (a single-item delivery or a read) → a Complaint."""
    try:
        obj = orjson.loads(raw.payload)
    except orjson.JSONDecodeError as exc:
        raise UnparseablePayload(f"payload is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise UnparseablePayload("payload is not a JSON object")
    if isinstance(obj.get("data"), dict) and "conversation_id" in obj:
        return _from_read_message(raw, obj["data"])
    if isinstance(obj.get("data"), dict):
        post_id = obj.get("post_id")
        return _from_read(raw, obj["data"], str(post_id) if post_id else None)
    items = delivery_items(raw.payload, expected_object=OBJECT)
    if len(items) != 1:
        raise UnparseablePayload(f"a stored delivery must hold exactly one item, not {len(items)}")
    (item,) = items
    if item.field == MESSAGING:
        return _from_messaging(raw, item.value)
    if item.field in ("feed", "mention", "mentions"):
        return _from_change(raw, item.field, item.value, item.entry_time)
    raise UnparseablePayload(f"a {item.field!r} change is not a post")
