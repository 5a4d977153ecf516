"""One stored WhatsApp message (a one-message delivery, see :mod:`shikayat_whatsapp.split`) →
:class:`shikayat.Complaint`. Pure and deterministic.

**Who.** The author's id is the business-scoped user id (BSUID, ``from_user_id`` /
``contacts[].user_id``, e.g. ``IN.7000000000000000003``) when the message has one — present since
April 2026, and the only id of a user who hides their number behind a username. Without it the id
is a pseudonym of the phone number (``wa:`` + 16 hex digits of its SHA-256), so the same person
is recognised from message to message while the number itself stays out of ids, logs and
screens. The number (``wa_id`` / ``from``) is kept only in ``Author.phone`` (personal data, out
of ``repr``); the profile name is the display name and a WhatsApp username the handle. A message
from our own number gets our business (``metadata.phone_number_id``) as its author, which the
pipeline ignores.

**What.** ``text.body``; a media message's ``caption`` with the media (type and media id, which
``GET /{media-id}`` turns into a download URL); a location's name and address, with its
coordinates as the complaint's location; shared contacts' names; the title of a button or list
reply. Types without words (a voice note, a sticker, an unsupported message) have empty text.
A quoted message (``context.id``) is the thread's ``reply_to``. ``timestamp`` (unix seconds, a
string) is ``created_at`` in UTC.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from shikayat import (
    Author,
    Complaint,
    Location,
    Media,
    MediaType,
    RawPost,
    Thread,
    UnparseablePayload,
)
from shikayat.complaint import detect_language
from shikayat_facebook.metahook import delivery_items
from shikayat_whatsapp.split import FIELD, OBJECT, PLATFORM, contact_for

BSUID = re.compile(r"^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$")
_MEDIA = {"image": MediaType.IMAGE, "video": MediaType.VIDEO, "audio": MediaType.AUDIO,
          "document": MediaType.DOCUMENT, "sticker": MediaType.STICKER}
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")


def phone_pseudonym(number: str) -> str:
    """The author id of a user known only by phone number (digits as WhatsApp sends them)."""
    digits = re.sub(r"\D", "", number)
    return "wa:" + hashlib.sha256(f"whatsapp:{digits}".encode()).hexdigest()[:16]


def _message(raw: RawPost) -> tuple[dict[str, Any], dict[str, Any]]:
    """(change value, message) of the stored one-message delivery."""
    found: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for item in delivery_items(raw.payload, expected_object=OBJECT):
        if item.field != FIELD or not isinstance(item.value.get("messages"), list):
            continue
        found += [(item.value, m) for m in item.value["messages"] if isinstance(m, dict)]
    if not found:
        raise UnparseablePayload("the delivery holds no message")
    for value, message in found:
        if message.get("id") == raw.external_id:
            return value, message
    return found[0]


def _created(message: dict[str, Any], wamid: str) -> datetime:
    ts = message.get("timestamp")
    if isinstance(ts, bool) or not isinstance(ts, str | int) or not str(ts).isdigit():
        raise UnparseablePayload(f"message {wamid}: timestamp {ts!r} is not unix seconds")
    try:
        return datetime.fromtimestamp(int(ts), tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise UnparseablePayload(f"message {wamid}: timestamp {ts!r} is out of range") from None


def _author(value: dict[str, Any], message: dict[str, Any], wamid: str) -> Author:
    contacts = value.get("contacts") if isinstance(value.get("contacts"), list) else []
    contact = contact_for(contacts, message)
    profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
    phone = message.get("from") or contact.get("wa_id")
    phone = str(phone) if isinstance(phone, str | int) and not isinstance(phone, bool) and phone else None
    user = message.get("from_user_id") or contact.get("user_id")
    metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
    name, username = profile.get("name"), profile.get("username")
    name = name if isinstance(name, str) and name else None
    ours = metadata.get("display_phone_number")
    if phone and ours and re.sub(r"\D", "", str(ours)) == re.sub(r"\D", "", phone):
        return Author(id=str(metadata.get("phone_number_id") or phone_pseudonym(phone)), name=name)
    if isinstance(user, str) and BSUID.match(user):
        author_id = user
    elif phone:
        author_id = phone_pseudonym(phone)
    else:
        raise UnparseablePayload(f"message {wamid}: no sender (neither 'from' nor a user id)")
    return Author(id=author_id, handle=username if isinstance(username, str) and username else None,
                  name=name, phone=phone)


def _obj(message: dict[str, Any], key: str) -> dict[str, Any]:
    value = message.get(key)
    return value if isinstance(value, dict) else {}


def _words(*parts: Any) -> str:
    return " — ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())


def _content(message: dict[str, Any]) -> tuple[str, tuple[Media, ...], Location | None]:
    """(text, media, location) of a message by its type."""
    kind = message.get("type")
    if kind == "text":
        body = _obj(message, "text").get("body")
        return (body if isinstance(body, str) else ""), (), None
    if kind in _MEDIA:
        obj = _obj(message, str(kind))
        media_id = obj.get("id")
        caption = obj.get("caption")
        media = Media(type=_MEDIA[str(kind)], id=str(media_id) if media_id else None)
        return (caption if isinstance(caption, str) else ""), (media,), None
    if kind == "location":
        loc = _obj(message, "location")
        lat, lon = loc.get("latitude"), loc.get("longitude")
        place = _words(loc.get("name"), loc.get("address"))
        try:
            location = Location(latitude=lat, longitude=lon, place_name=place or None)
        except ValueError:
            raise UnparseablePayload(f"location {lat!r}, {lon!r} is not a coordinate") from None
        return place, (), location
    if kind == "contacts":
        names = []
        for c in message.get("contacts") if isinstance(message.get("contacts"), list) else []:
            name = c.get("name") if isinstance(c, dict) else None
            if isinstance(name, dict) and isinstance(name.get("formatted_name"), str):
                names.append(name["formatted_name"])
        return ", ".join(names), (), None
    if kind == "interactive":
        inter = _obj(message, "interactive")
        reply = _obj(inter, str(inter.get("type", "")))
        return _words(reply.get("title"), reply.get("description"), reply.get("body")), (), None
    if kind == "button":
        text = _obj(message, "button").get("text")
        return (text if isinstance(text, str) else ""), (), None
    return "", (), None                   # unsupported or a type this version does not know


def normalize_message(raw: RawPost) -> Complaint:
    value, message = _message(raw)
    wamid = message.get("id")
    if not isinstance(wamid, str) or not wamid:
        raise UnparseablePayload("the message has no id (wamid)")
    created = _created(message, wamid)
    author = _author(value, message, wamid)
    text, media, location = _content(message)
    context = _obj(message, "context")
    reply_to = context.get("id") if isinstance(context.get("id"), str) else None
    try:
        return Complaint(
            platform=PLATFORM, external_id=wamid, channel=raw.channel, author=author, text=text,
            language=detect_language(text), created_at=created, received_at=raw.received_at,
            hashtags=tuple(dict.fromkeys(t.lower() for t in _HASHTAG.findall(text))),
            media=media, location=location, thread=Thread(reply_to=reply_to),
        )
    except ValueError as exc:
        raise UnparseablePayload(f"message {wamid}: {exc}") from None
