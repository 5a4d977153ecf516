"""An Example Board message → :class:`shikayat.Complaint`. Pure and deterministic."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson

from shikayat import Author, Complaint, RawPost, UnparseablePayload
from shikayat.complaint import detect_language

PLATFORM = "example"


def load(payload: bytes) -> dict[str, Any]:
    try:
        message = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise UnparseablePayload(f"payload is not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise UnparseablePayload("payload is not a JSON object")
    return message


def raw_post(message: Any, channel: str | None) -> RawPost:
    """One message object → the RawPost the inbox keeps (keyed by the message id)."""
    if not isinstance(message, dict):
        raise UnparseablePayload("a message is not a JSON object")
    payload = orjson.dumps(message)
    key = message.get("id")
    if not isinstance(key, str) or not key:
        key = "sha256:" + hashlib.sha256(payload).hexdigest()
    return RawPost(platform=PLATFORM, external_id=key, channel=channel, payload=payload)


def split_delivery(data: dict[str, Any], channel: str | None) -> list[RawPost]:
    """A webhook delivery ``{"events": [...]}`` → one RawPost per message event."""
    events = data.get("events")
    if not isinstance(events, list):
        raise UnparseablePayload("'events' is missing or not a list")
    return [raw_post(e.get("message"), channel) for e in events if isinstance(e, dict) and e.get("type") == "message"]


def normalize_message(raw: RawPost) -> Complaint:
    message = load(raw.payload)
    user = message.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        raise UnparseablePayload("'user.id' is missing or not a string")
    for key in ("id", "body", "sent_at"):
        if not isinstance(message.get(key), str):
            raise UnparseablePayload(f"{key!r} is missing or not a string")
    try:
        sent = datetime.fromisoformat(message["sent_at"])
    except ValueError:
        raise UnparseablePayload(f"sent_at {message['sent_at']!r} is not an ISO 8601 time") from None
    if sent.tzinfo is None:
        raise UnparseablePayload("sent_at has no timezone")
    return Complaint(
        platform=PLATFORM, external_id=message["id"], channel=raw.channel,
        permalink=f"https://board.example.invalid/m/{message['id']}",
        author=Author(id=user["id"], handle=user.get("handle"), name=user.get("name")),
        text=message["body"], language=detect_language(message["body"]),
        created_at=sent, received_at=raw.received_at,
    )
