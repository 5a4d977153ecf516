"""An in-memory platform, ``fake``, for testing core without any real platform.

Its payload is a small JSON object::

    {"id": "p1", "author": "u1", "handle": "asha", "text": "…", "created_at": "2026-05-01T09:30:00Z",
     "mentions": ["uppolice"], "repost_of": null}

Optional keys: ``reply_to``, ``quote_of``, ``repost_of``, ``conversation_id`` (thread relations,
as ids) and ``phone`` (the author's phone number, as a WhatsApp-like platform reports it).

It can fetch (from :class:`FakeFeed`, cursor ``{"after": <index>}``), reply (recorded in the
feed) and receive webhooks signed with ``X-Fake-Signature: sha256=<hex HMAC>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import orjson

from shikayat.complaint import Author, Complaint, RawPost, Thread, detect_language
from shikayat.errors import UnparseablePayload, WebhookRejected
from shikayat.hookspecs import hookimpl
from shikayat.platforms import (
    Capability,
    Channel,
    ChannelSettings,
    Fetcher,
    Page,
    Platform,
    Replier,
    ReplyIntent,
    SentReply,
    WebhookReceiver,
    WebhookResponse,
)
from shikayat.types import Cursor
from shikayat.webhooks import verify_hmac_sha256


class FakeSettings(ChannelSettings):
    account_id: str = "police"
    webhook_secret: str = "fake-secret"
    page_size: int = 2


@dataclass
class FakeFeed:
    """What the fake platform holds: posts to fetch, replies sent, scripted failures."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    replies: list[dict[str, str]] = field(default_factory=list)
    fail_fetch: list[Exception] = field(default_factory=list)
    fail_fetch_for: dict[str, list[Exception]] = field(default_factory=dict)
    """Scripted fetch failures of one channel (raised in order; an AuthError keeps raising)."""
    fail_reply: list[Exception] = field(default_factory=list)

    def post(self, text: str, *, id: str | None = None, author: str = "u1", **extra: Any) -> dict[str, Any]:
        item = {"id": id or f"p{len(self.posts) + 1}", "author": author, "handle": f"user_{author}",
                "text": text, "created_at": "2026-05-01T09:30:00Z", **extra}
        self.posts.append(item)
        return item


def payload_bytes(post: Mapping[str, Any]) -> bytes:
    return orjson.dumps(post)


def normalize_fake(raw: RawPost) -> Complaint:
    try:
        data = orjson.loads(raw.payload)
    except orjson.JSONDecodeError as exc:
        raise UnparseablePayload(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UnparseablePayload("payload is not an object")
    for key in ("id", "author", "text", "created_at"):
        if not isinstance(data.get(key), str):
            raise UnparseablePayload(f"{key!r} is missing or not a string")
    try:
        created = datetime.fromisoformat(data["created_at"])
    except ValueError:
        raise UnparseablePayload(f"created_at {data['created_at']!r} is not an ISO time") from None
    if created.tzinfo is None:
        raise UnparseablePayload("created_at has no timezone")
    return Complaint(
        platform="fake", external_id=data["id"], channel=raw.channel,
        author=Author(id=data["author"], handle=data.get("handle"), phone=data.get("phone")),
        text=data["text"], language=detect_language(data["text"]), created_at=created,
        received_at=raw.received_at,
        mentions=tuple(m.lower() for m in data.get("mentions", [])),
        thread=Thread(repost_of=data.get("repost_of"), reply_to=data.get("reply_to"),
                      quote_of=data.get("quote_of"), conversation_id=data.get("conversation_id")),
    )


class FakeFetcher(Fetcher):
    def __init__(self, feed: FakeFeed, channel: Channel) -> None:
        self.feed, self.channel = feed, channel

    async def fetch(self, cursor: Cursor | None) -> Page:
        if self.feed.fail_fetch:
            raise self.feed.fail_fetch.pop(0)
        mine = self.feed.fail_fetch_for.get(self.channel.name)
        if mine:
            raise mine[0] if len(mine) == 1 else mine.pop(0)
        start = int((cursor or {}).get("after", "0"))
        size = self.channel.settings.page_size  # type: ignore[attr-defined]
        chunk = self.feed.posts[start:start + size]
        posts = [RawPost(platform="fake", external_id=p.get("id") or "sha256:" + hashlib.sha256(payload_bytes(p)).hexdigest(),
                         channel=self.channel.name, payload=payload_bytes(p)) for p in chunk]
        end = start + len(chunk)
        return Page(posts, {"after": str(end)}, more=end < len(self.feed.posts))


class FakeReplier(Replier):
    def __init__(self, feed: FakeFeed, channel: Channel) -> None:
        self.feed, self.channel = feed, channel

    async def send(self, intent: ReplyIntent) -> SentReply:
        if self.feed.fail_reply:
            raise self.feed.fail_reply.pop(0)
        reply_id = f"r{len(self.feed.replies) + 1}"
        self.feed.replies.append({"id": reply_id, "in_reply_to": intent.in_reply_to, "text": intent.text})
        return SentReply(reply_id)

    async def find_sent(self, intent: ReplyIntent) -> SentReply | None:
        for reply in self.feed.replies:
            if reply["in_reply_to"] == intent.in_reply_to and intent.docket in reply["text"]:
                return SentReply(reply["id"])
        return None


class FakeReceiver(WebhookReceiver):
    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def handshake(self, query: Mapping[str, str]) -> WebhookResponse:
        if query.get("token") != self.channel.settings.webhook_secret:  # type: ignore[attr-defined]
            raise WebhookRejected("bad verify token")
        return WebhookResponse(200, query.get("challenge", "").encode())

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        secret = self.channel.settings.webhook_secret.encode()  # type: ignore[attr-defined]
        verify_hmac_sha256(headers, body, secret=secret, header="X-Fake-Signature", encoding="hex")

    def split(self, body: bytes) -> list[RawPost]:
        return FakePlatform.split_posts(body, self.channel.name)


class FakePlatform(Platform):
    name = "fake"
    capabilities = frozenset({Capability.FETCH, Capability.REPLY, Capability.WEBHOOK})
    settings_model = FakeSettings

    def __init__(self, feed: FakeFeed | None = None) -> None:
        self.feed = feed or FakeFeed()

    def normalize(self, raw: RawPost) -> Complaint:
        return normalize_fake(raw)

    @staticmethod
    def split_posts(payload: bytes, channel: str | None) -> list[RawPost]:
        try:
            data = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise UnparseablePayload(f"not JSON: {exc}") from None
        items = data.get("posts") if isinstance(data, dict) and "posts" in data else [data]
        out = []
        for item in items:
            if not isinstance(item, dict):
                raise UnparseablePayload("a post is not an object")
            body = payload_bytes(item)
            key = item.get("id") if isinstance(item.get("id"), str) else "sha256:" + hashlib.sha256(body).hexdigest()
            out.append(RawPost(platform="fake", external_id=key, channel=channel, payload=body))
        return out

    def split(self, payload: bytes, channel: str | None = None) -> list[RawPost]:
        return self.split_posts(payload, channel)

    def own_account_ids(self, settings: ChannelSettings) -> frozenset[str]:
        return frozenset({settings.account_id})  # type: ignore[attr-defined]

    def fit_reply(self, text: str) -> str:
        return text[:280]

    def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
        return FakeFetcher(self.feed, channel)

    def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
        return FakeReplier(self.feed, channel)

    def webhook(self, channel: Channel) -> WebhookReceiver:
        return FakeReceiver(channel)


class FakePlugin:
    """Register with ``load_plugins(extra=[FakePlugin(feed)])``."""

    def __init__(self, feed: FakeFeed | None = None) -> None:
        self.platform = FakePlatform(feed)

    @hookimpl
    def register_platforms(self) -> list[Platform]:
        return [self.platform]


__all__ = ["FakeFeed", "FakePlatform", "FakePlugin", "FakeSettings"]
