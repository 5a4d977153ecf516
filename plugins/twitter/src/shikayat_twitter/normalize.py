"""X API v2 post (with its ``includes``) → :class:`shikayat.Complaint`.

The raw shape is the single-post lookup response ``{"data": post, "includes": {...}}``; a bare
post object is accepted too. Pure and deterministic.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson

from shikayat import (
    Author,
    Complaint,
    Language,
    Location,
    Media,
    MediaType,
    RawPost,
    Thread,
    UnparseablePayload,
)
from shikayat.complaint import detect_language

PLATFORM = "twitter"
_MEDIA = {"photo": MediaType.IMAGE, "video": MediaType.VIDEO, "animated_gif": MediaType.GIF}
_LANG = {"hi": Language.HINDI, "en": Language.ENGLISH}


def load(payload: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """(post, includes) of a raw payload; raises UnparseablePayload."""
    try:
        obj = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise UnparseablePayload(f"payload is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise UnparseablePayload("payload is not a JSON object")
    if isinstance(obj.get("data"), dict):
        includes = obj.get("includes") or {}
        if not isinstance(includes, dict):
            raise UnparseablePayload("'includes' is not an object")
        return obj["data"], includes
    return obj, {}


def external_id(post: dict[str, Any], payload: bytes) -> str:
    pid = post.get("id")
    return pid if isinstance(pid, str) and pid else "sha256:" + hashlib.sha256(payload).hexdigest()


def _require(post: dict[str, Any], key: str) -> str:
    value = post.get(key)
    if not isinstance(value, str) or not value:
        raise UnparseablePayload(f"post {post.get('id', '?')}: '{key}' is missing or not a string")
    return value


def _created(post: dict[str, Any]) -> datetime:
    value = _require(post, "created_at")
    try:
        created = datetime.fromisoformat(value)
    except ValueError:
        raise UnparseablePayload(f"post {post.get('id', '?')}: created_at {value!r} is not an ISO 8601 time") from None
    if created.tzinfo is None:
        raise UnparseablePayload(f"post {post.get('id', '?')}: created_at {value!r} has no timezone")
    return created


def _by_id(items: Any, key: str = "id") -> dict[str, dict[str, Any]]:
    return {i[key]: i for i in items if isinstance(i, dict) and key in i} if isinstance(items, list) else {}


def normalize_post(raw: RawPost) -> Complaint:
    post, includes = load(raw.payload)
    pid = _require(post, "id")
    author_id = _require(post, "author_id")
    text = post.get("text")
    if not isinstance(text, str):
        raise UnparseablePayload(f"post {pid}: 'text' is missing or not a string")
    created = _created(post)
    users = _by_id(includes.get("users"))
    tweets = _by_id(includes.get("tweets"))
    user = users.get(author_id, {})
    username = user.get("username")

    thread: dict[str, str | None] = {"conversation_id": post.get("conversation_id")}
    refs = post.get("referenced_tweets") or []
    if not isinstance(refs, list):
        raise UnparseablePayload(f"post {pid}: 'referenced_tweets' is not a list")
    for ref in refs:
        if not isinstance(ref, dict):
            continue
        field = {"replied_to": "reply_to", "quoted": "quote_of", "retweeted": "repost_of"}.get(ref.get("type", ""))
        if field and isinstance(ref.get("id"), str):
            thread[field] = ref["id"]
            if field == "repost_of" and isinstance(tweets.get(ref["id"], {}).get("text"), str):
                text = tweets[ref["id"]]["text"]          # a repost's own text is truncated

    entities = post.get("entities") or {}
    mentions = tuple(m["username"].lower() for m in entities.get("mentions", []) if isinstance(m, dict) and m.get("username"))
    hashtags = tuple(h["tag"].lower() for h in entities.get("hashtags", []) if isinstance(h, dict) and h.get("tag"))
    links = tuple(u.get("expanded_url") or u["url"] for u in entities.get("urls", []) if isinstance(u, dict) and u.get("url"))

    media_by_key = _by_id(includes.get("media"), "media_key")
    media = []
    for key in (post.get("attachments") or {}).get("media_keys", []):
        m = media_by_key.get(key, {})
        media.append(Media(type=_MEDIA.get(m.get("type", ""), MediaType.OTHER), id=key,
                           url=m.get("url") or m.get("preview_image_url")))

    location = None
    geo = post.get("geo") or {}
    if geo:
        places = _by_id(includes.get("places"))
        place = places.get(geo.get("place_id", ""), {})
        lat = lon = None
        coords = (geo.get("coordinates") or {}).get("coordinates")
        if isinstance(coords, list) and len(coords) == 2:
            lon, lat = coords                                # GeoJSON order: [longitude, latitude]
        location = Location(latitude=lat, longitude=lon, place_id=geo.get("place_id"),
                            place_name=place.get("full_name"))

    lang = _LANG.get(post.get("lang", ""))
    detected = detect_language(text)
    language = detected if lang is None or detected is Language.MIXED else lang
    permalink = f"https://x.com/{username}/status/{pid}" if username else f"https://x.com/i/web/status/{pid}"
    try:
        return Complaint(
            platform=PLATFORM, external_id=pid, channel=raw.channel, permalink=permalink,
            author=Author(id=author_id, handle=username, name=user.get("name")),
            text=text, language=language, created_at=created, received_at=raw.received_at,
            mentions=mentions, hashtags=hashtags, links=links, media=tuple(media), location=location,
            thread=Thread(**thread),
        )
    except ValueError as exc:
        raise UnparseablePayload(f"post {pid}: {exc}") from None
