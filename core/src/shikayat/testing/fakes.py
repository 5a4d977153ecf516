"""An in-memory platform, ``fake``, for testing core without any real platform.

Its payload is a small JSON object::

    {"id": "p1", "author": "u1", "handle": "asha", "text": "…", "created_at": "2026-05-01T09:30:00Z",
     "mentions": ["uppolice"], "repost_of": null}

Optional keys: ``reply_to``, ``quote_of``, ``repost_of``, ``conversation_id`` (thread relations,
as ids) and ``phone`` (the author's phone number, as a WhatsApp-like platform reports it).

Its fetcher and replier speak a tiny JSON API over the injected ``httpx.AsyncClient``, like a
real plugin's; :class:`FakeFeed` is that API's server (``feed.transport()`` gives an
``httpx.MockTransport`` to build the client with):

* ``GET /posts?after=N&limit=K`` → ``{"posts": [...], "next": "M", "more": true|false}``
* ``POST /replies`` with ``{"in_reply_to", "text"}`` → 201 ``{"id": "r1"}``
* ``GET /replies?in_reply_to=ID`` → ``{"replies": [...]}``

Errors: 401/403 → AuthError, 429 → RateLimited (``Retry-After``), 5xx → RetryableError, other
4xx → FatalError. Webhooks are signed ``X-Fake-Signature: sha256=<hex HMAC>``; the handshake is
``GET ?token=<webhook_secret>&challenge=<text>``, answered with the challenge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import orjson

from shikayat.complaint import Author, Complaint, RawPost, Thread, detect_language
from shikayat.errors import (
    AuthError,
    FatalError,
    PlatformError,
    RateLimited,
    RetryableError,
    UnparseablePayload,
    WebhookRejected,
)
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
from shikayat.webhooks import hmac_sha256, verify_hmac_sha256

CHANNEL_HEADER = "X-Fake-Channel"


class FakeSettings(ChannelSettings):
    account_id: str = "police"
    webhook_secret: str = "fake-secret"
    page_size: int = 2
    base_url: str = "http://fake.test"


@dataclass
class FakeFeed:
    """The fake platform's server: posts to fetch, replies sent, scripted failures.

    Scripted failures are exceptions raised by the transport in order (an exception a real
    plugin would raise after reading the response); a channel's last one keeps raising.
    """

    posts: list[dict[str, Any]] = field(default_factory=list)
    replies: list[dict[str, str]] = field(default_factory=list)
    fail_fetch: list[Exception] = field(default_factory=list)
    fail_fetch_for: dict[str, list[Exception]] = field(default_factory=dict)
    """Scripted fetch failures of one channel (raised in order; the last keeps raising)."""
    fail_reply: list[Exception] = field(default_factory=list)

    def post(self, text: str, *, id: str | None = None, author: str = "u1", **extra: Any) -> dict[str, Any]:
        item = {"id": id or f"p{len(self.posts) + 1}", "author": author, "handle": f"user_{author}",
                "text": text, "created_at": "2026-05-01T09:30:00Z", **extra}
        self.posts.append(item)
        return item

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, request.url.params
        if request.method == "GET" and path == "/posts":
            if self.fail_fetch:
                raise self.fail_fetch.pop(0)
            mine = self.fail_fetch_for.get(request.headers.get(CHANNEL_HEADER, ""))
            if mine:
                raise mine[0] if len(mine) == 1 else mine.pop(0)
            start, size = int(params.get("after", "0")), int(params.get("limit", "2"))
            chunk = self.posts[start:start + size]
            end = start + len(chunk)
            return httpx.Response(200, json={"posts": chunk, "next": str(end), "more": end < len(self.posts)})
        if request.method == "POST" and path == "/replies":
            if self.fail_reply:
                raise self.fail_reply.pop(0)
            body = orjson.loads(request.content)
            reply = {"id": f"r{len(self.replies) + 1}", "in_reply_to": body["in_reply_to"], "text": body["text"]}
            self.replies.append(reply)
            return httpx.Response(201, json={"id": reply["id"]})
        if request.method == "GET" and path == "/replies":
            wanted = params.get("in_reply_to")
            return httpx.Response(200, json={"replies": [r for r in self.replies if r["in_reply_to"] == wanted]})
        return httpx.Response(404, json={"error": f"no route {request.method} {path}"})


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


def error_for(response: httpx.Response) -> PlatformError | None:
    """The error a fake API response means, or None for success."""
    status = response.status_code
    if status < 400:
        return None
    message = f"fake API {response.request.method} {response.request.url.path}: {status}"
    if status in (401, 403):
        return AuthError(message, status=status)
    if status == 429:
        after = response.headers.get("retry-after", "")
        return RateLimited(message, retry_after=float(after) if after.isdigit() else None)
    if status >= 500:
        return RetryableError(message, status=status)
    return FatalError(message, status=status)


class _Client:
    def __init__(self, client: httpx.AsyncClient, channel: Channel,
                 errors: Callable[[httpx.Response], PlatformError | None] = error_for) -> None:
        self.client, self.channel, self.errors = client, channel, errors
        settings = channel.settings
        assert isinstance(settings, FakeSettings)
        self.settings = settings

    async def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self.client.request(method, self.settings.base_url.rstrip("/") + path,
                                                 headers={CHANNEL_HEADER: self.channel.name}, **kwargs)
        except httpx.TransportError as exc:
            raise RetryableError(f"fake API {path}: {type(exc).__name__}: {exc}") from exc
        error = self.errors(response)
        if error is not None:
            raise error
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise RetryableError(f"fake API {path}: response is not JSON") from exc
        if not isinstance(body, dict):
            raise RetryableError(f"fake API {path}: response is not an object")
        return body


class FakeFetcher(Fetcher):
    def __init__(self, client: _Client) -> None:
        self.client = client

    async def fetch(self, cursor: Cursor | None) -> Page:
        after = (cursor or {}).get("after", "0")
        body = await self.client.call("GET", "/posts", params={"after": after,
                                                               "limit": self.client.settings.page_size})
        items = body.get("posts")
        if not isinstance(items, list):
            raise RetryableError("fake API /posts: 'posts' is not a list")
        channel = self.client.channel.name
        posts = []
        for item in items:
            payload = payload_bytes(item)
            key = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
            posts.append(RawPost(platform="fake", external_id=key or "sha256:" + hashlib.sha256(payload).hexdigest(),
                                 channel=channel, payload=payload))
        more = bool(body.get("more"))
        following = str(body.get("next", after))
        if more and following == after:
            raise FatalError(f"fake API /posts: the page token did not advance ({after!r})")
        return Page(posts, {"after": following}, more=more)


class FakeReplier(Replier):
    def __init__(self, client: _Client) -> None:
        self.client = client

    async def send(self, intent: ReplyIntent) -> SentReply:
        body = await self.client.call("POST", "/replies", json={"in_reply_to": intent.in_reply_to,
                                                                "text": intent.text})
        if not isinstance(body.get("id"), str):
            raise RetryableError("fake API /replies: the response has no id")
        return SentReply(body["id"])

    async def find_sent(self, intent: ReplyIntent) -> SentReply | None:
        body = await self.client.call("GET", "/replies", params={"in_reply_to": intent.in_reply_to})
        for reply in body.get("replies") or []:
            if intent.docket in reply.get("text", ""):
                return SentReply(reply["id"])
        return None


class FakeReceiver(WebhookReceiver):
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
    receiver_class = FakeReceiver

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
        return FakeFetcher(_Client(client, channel))

    def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
        return FakeReplier(_Client(client, channel))


def sign_fake(body: bytes, settings: ChannelSettings, at: float) -> dict[str, str]:
    """The headers the fake platform signs a delivery with (the suite's ``SuiteConfig.sign``)."""
    assert isinstance(settings, FakeSettings)
    return {"X-Fake-Signature": "sha256=" + hmac_sha256(settings.webhook_secret.encode(), body, "hex")}


def fake_handshake_query(settings: ChannelSettings, challenge: str) -> dict[str, str]:
    """The fake platform's verification GET query (the suite's ``SuiteConfig.handshake_query``)."""
    assert isinstance(settings, FakeSettings)
    return {"token": settings.webhook_secret, "challenge": challenge}


class FakePlugin:
    """Register with ``load_plugins(extra=[FakePlugin(feed)])``; serve the feed to the daemon
    with ``Daemon(..., transport=feed.transport())``."""

    def __init__(self, feed: FakeFeed | None = None) -> None:
        self.platform = FakePlatform(feed)

    @hookimpl
    def register_platforms(self) -> list[Platform]:
        return [self.platform]


__all__ = ["FakeFeed", "FakePlatform", "FakePlugin", "FakeSettings", "error_for", "fake_handshake_query",
           "sign_fake"]
