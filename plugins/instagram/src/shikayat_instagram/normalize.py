"""Instagram raw payloads → :class:`shikayat.Complaint`. Pure and deterministic.

Times: reads give ISO 8601 with ``+0000``; a ``comments`` webhook gives no creation time of its
own, so the entry's ``time`` (unix seconds) stands in; messaging gives unix milliseconds.
Authors: a person's IGSID (``from.id`` / ``sender.id``) with their username as handle; a read
that only names the ``username`` (mentioned comments and captions) gives ``@<username>`` as
id. Threads: a comment replies to its ``parent_id`` (a reply) or else its media, and its
conversation is the media; a direct message's conversation is ``dm:<IGSID>`` and it replies
to the ``reply_to`` message or story. A ``mentions`` stub raises
:class:`~shikayat.errors.NotAPost`: its comment or caption is stored separately. An unsent
message (``is_deleted``) raises :class:`~shikayat.errors.PostRemoved` naming it (core tombstones
its text and keeps the case).
"""

from __future__ import annotations

import re
from typing import Any

from shikayat import (
    Author,
    Complaint,
    Media,
    MediaType,
    NotAPost,
    PostRemoved,
    RawPost,
    Thread,
    UnparseablePayload,
)
from shikayat.complaint import detect_language
from shikayat_facebook.metahook import MESSAGING, DeliveryItem, delivery_items, meta_time
from shikayat_instagram.split import COMMENT_FIELDS, MENTIONS, OBJECT, PLATFORM, REMOVED, load, mention_of

_HASHTAG = re.compile(r"#(\w+)")
_LINK = re.compile(r"https?://\S+")
_MENTION = re.compile(r"(?<![\w.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)")
_ATTACHMENTS = {"image": MediaType.IMAGE, "video": MediaType.VIDEO, "audio": MediaType.AUDIO,
                "file": MediaType.DOCUMENT, "animated_image": MediaType.GIF, "sticker": MediaType.STICKER}
_MEDIA_TYPES = {"IMAGE": MediaType.IMAGE, "VIDEO": MediaType.VIDEO, "REELS": MediaType.VIDEO}


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) and value else None


def _text_parts(text: str) -> dict[str, tuple[str, ...]]:
    return {"mentions": tuple(dict.fromkeys(m.lower() for m in _MENTION.findall(text))),
            "hashtags": tuple(dict.fromkeys(h.lower() for h in _HASHTAG.findall(text))),
            "links": tuple(dict.fromkeys(_LINK.findall(text)))}


def _author(who: Any, username: Any, key: str) -> Author:
    who = _obj(who)
    handle = _str(who.get("username")) or _str(username)
    person = _str(who.get("id"))
    if person is None:
        if handle is None:
            raise UnparseablePayload(f"{key}: neither from.id nor username names the author")
        person = "@" + handle.lower()
    return Author(id=person, handle=handle)


def _text(value: Any, key: str, *, what: str = "text", required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise UnparseablePayload(f"{key}: '{what}' is missing or not a string")
    return value


def _complaint(raw: RawPost, **fields: Any) -> Complaint:
    text = fields["text"]
    try:
        return Complaint(platform=PLATFORM, external_id=raw.external_id, channel=raw.channel,
                         received_at=raw.received_at, language=detect_language(text),
                         **_text_parts(text), **fields)
    except ValueError as exc:
        raise UnparseablePayload(f"{raw.external_id}: {exc}") from None


def _comment_thread(comment_id: str, parent: Any, media_id: str | None) -> Thread:
    parent_id = _str(parent)
    reply_to = parent_id if parent_id and parent_id != comment_id else media_id
    return Thread(reply_to=reply_to, conversation_id=media_id)


def _webhook_comment(raw: RawPost, item: DeliveryItem) -> Complaint:
    value = item.value
    key = raw.external_id
    media = _obj(value.get("media"))
    when = value.get("timestamp", item.entry_time)
    return _complaint(
        raw, author=_author(value.get("from"), None, key), text=_text(value.get("text"), key),
        created_at=meta_time(when, what=f"{key}: entry time"),
        thread=_comment_thread(key, value.get("parent_id"), _str(media.get("id"))))


def _message(raw: RawPost, item: DeliveryItem) -> Complaint:
    event = item.value
    key = raw.external_id
    message = _obj(event.get("message"))
    if message.get("is_deleted") is True:
        when = event.get("timestamp")
        raise PostRemoved(key.removesuffix(REMOVED), removed_by=_str(_obj(event.get("sender")).get("id")),
                          removed_at=meta_time(when, what=f"{key}: timestamp", millis=True) if when else None)
    media = []
    for attachment in message.get("attachments") or [] if isinstance(message.get("attachments"), list) else []:
        if isinstance(attachment, dict):
            payload = _obj(attachment.get("payload"))
            media.append(Media(type=_ATTACHMENTS.get(str(attachment.get("type")), MediaType.OTHER),
                               id=_str(payload.get("id")) or _str(payload.get("reel_video_id")),
                               url=_str(payload.get("url"))))
    text = _text(message.get("text"), key, required=not media)
    sender = _str(_obj(event.get("sender")).get("id"))
    if sender is None:
        raise UnparseablePayload(f"{key}: the message has no sender.id")
    reply = _obj(message.get("reply_to"))
    reply_to = _str(reply.get("mid")) or _str(_obj(reply.get("story")).get("id"))
    return _complaint(
        raw, author=Author(id=sender), text=text,
        created_at=meta_time(event.get("timestamp"), what=f"{key}: timestamp", millis=True),
        media=tuple(media), thread=Thread(reply_to=reply_to, conversation_id=f"dm:{sender}"))


def _read_comment(raw: RawPost, comment: dict[str, Any], media: dict[str, Any]) -> Complaint:
    key = raw.external_id
    media_id = _str(media.get("id")) or _str(_obj(comment.get("media")).get("id"))
    return _complaint(
        raw, author=_author(comment.get("from"), comment.get("username"), key),
        text=_text(comment.get("text"), key),
        created_at=meta_time(comment.get("timestamp"), what=f"{key}: timestamp"),
        permalink=_str(media.get("permalink")),
        thread=_comment_thread(key, comment.get("parent_id"), media_id))


def _read_media(raw: RawPost, media: dict[str, Any]) -> Complaint:
    key = raw.external_id
    kind = str(media.get("media_type") or "")
    shown = [Media(type=_MEDIA_TYPES.get(kind, MediaType.OTHER), id=key, url=_str(media.get("media_url")))]
    return _complaint(
        raw, author=_author(media.get("owner"), media.get("username"), key),
        text=_text(media.get("caption"), key, what="caption"),
        created_at=meta_time(media.get("timestamp"), what=f"{key}: timestamp"),
        permalink=_str(media.get("permalink")), media=tuple(shown), thread=Thread(conversation_id=key))


def _delivery(raw: RawPost) -> Complaint:
    items = delivery_items(raw.payload, expected_object=OBJECT)
    if len(items) != 1:
        raise UnparseablePayload(f"{raw.external_id}: a stored delivery must hold one item, not {len(items)}")
    item = items[0]
    if item.field == MESSAGING:
        return _message(raw, item)
    if item.field in COMMENT_FIELDS:
        return _webhook_comment(raw, item)
    if item.field == MENTIONS:
        mention = mention_of(item.value)
        where = f"comment {mention.comment_id} on media {mention.media_id}" if mention.comment_id \
            else f"the caption of media {mention.media_id}"
        raise NotAPost(f"mention notification: {where} is looked up and stored as "
                       f"{mention.target_key}")
    raise UnparseablePayload(f"{raw.external_id}: field {item.field!r} is not a post")


def normalize_post(raw: RawPost) -> Complaint:
    obj = load(raw.payload)
    if "object" in obj or "entry" in obj:
        return _delivery(raw)
    comment, media = obj.get("comment"), obj.get("media")
    if isinstance(comment, dict):
        return _read_comment(raw, comment, _obj(media))
    if isinstance(media, dict):
        return _read_media(raw, media)
    raise UnparseablePayload(f"{raw.external_id}: neither a delivery, a comment nor a media read")
