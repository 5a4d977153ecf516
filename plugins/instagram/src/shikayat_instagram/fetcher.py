"""Reconciliation polling of one Instagram account, and the lookups of queued mentions.

Webhooks bring comments live; this catches whatever a lost delivery missed. One pass
("round") over the account's newest media:

1. ``GET /{ig-user-id}/media?fields=…`` page by page (``paging.cursors.after``) until
   ``recent_media`` media are listed; those with comments are queued;
2. for each queued media, ``GET /{media-id}/comments?fields=…,replies{…}`` page by page,
   storing every comment and the replies nested under it.

The cursor is a flat dict: ``phase`` (``media`` | ``comments``), ``after`` (the paging cursor
of the request in progress), ``media`` (a JSON list of ``[id, permalink, product type]`` still
to read, the first being read now), ``listed`` (media listed so far this round) and ``done``
(unix time the last round finished). One ``fetch`` reads one page; ``more`` stays true until
the round ends. Every fetch first looks up the mentions the webhook queued
(:mod:`shikayat_instagram.hydrate`); ``resume`` refills that queue, when the channel starts,
with the stubs a previous process committed but never looked up. Comments are keyed exactly as
their webhook twins, so the overlap is absorbed by the inbox.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from shikayat import Channel, Cursor, FatalError, Fetcher, Page, RawPost
from shikayat_facebook.graph import GraphClient, data_list, next_after
from shikayat.store import InboxView
from shikayat_instagram.hydrate import MentionQueue, hydrate, recover
from shikayat_instagram.settings import InstagramSettings
from shikayat_instagram.split import comment_payload

logger = logging.getLogger(__name__)

MEDIA_FIELDS = "id,permalink,media_product_type,timestamp,comments_count"
_COMMENT = "id,text,timestamp,username,from,parent_id"
COMMENT_FIELDS = f"{_COMMENT},replies{{{_COMMENT}}}"
MENTIONS_PER_FETCH = 25
MENTIONS_RECOVERED = 5000
"""At most this many of the newest stubs are checked when the channel starts."""


class InstagramFetcher(Fetcher):
    def __init__(self, channel: Channel, client: GraphClient, mentions: MentionQueue, *,
                 clock: Callable[[], float] = time.time) -> None:
        settings = channel.settings
        assert isinstance(settings, InstagramSettings)
        self.channel = channel
        self.settings = settings
        self.client = client
        self.mentions = mentions
        self._clock = clock

    async def resume(self, inbox: InboxView) -> None:
        """Queue the mentions committed (as stubs) before a restart and never looked up."""
        now = datetime.fromtimestamp(self._clock(), UTC)
        since = now - timedelta(days=self.settings.mention_recovery_days)
        await recover(inbox, self.mentions, since=since, limit=MENTIONS_RECOVERED)

    async def fetch(self, cursor: Cursor | None) -> Page:
        posts = await hydrate(self.client, self.settings.ig_user_id, self.mentions, self.channel.name,
                              MENTIONS_PER_FETCH)
        state = dict(cursor or {})
        if state.get("phase") not in ("media", "comments"):
            state = {"phase": "media", **({"done": state["done"]} if state.get("done") else {})}
        if state["phase"] == "media":
            await self._media_page(state)
        else:
            posts += await self._comments_page(state)
        more = state.get("phase") in ("media", "comments") or len(self.mentions) > 0
        return Page(posts, state, more=more, rate_limit_remaining=self.client.remaining)

    def _advance(self, state: dict[str, str], after: str | None) -> None:
        if after is not None and after == state.get("after"):
            raise FatalError(f"{self.client.api}: the paging cursor did not advance ({after!r})")
        if after is None:
            state.pop("after", None)
        else:
            state["after"] = after

    async def _media_page(self, state: dict[str, str]) -> None:
        listed = int(state.get("listed", "0"))
        want = self.settings.recent_media - listed
        params: dict[str, Any] = {"fields": MEDIA_FIELDS, "limit": min(self.settings.page_size, want)}
        if state.get("after"):
            params["after"] = state["after"]
        body = await self.client.get(f"{self.settings.ig_user_id}/media", params)
        queue: list[list[str]] = orjson.loads(state.get("media", "[]"))
        items = data_list(body)[:want]
        for media in items:
            if isinstance(media.get("id"), str) and media.get("comments_count", 1) != 0:
                queue.append([media["id"], str(media.get("permalink") or ""),
                              str(media.get("media_product_type") or "")])
        listed += len(items)
        after = next_after(body)
        if after is not None and listed < self.settings.recent_media and items:
            self._advance(state, after)
            state.update(listed=str(listed), media=orjson.dumps(queue).decode())
            return
        state.pop("after", None)
        state.pop("listed", None)
        if queue:
            state.update(phase="comments", media=orjson.dumps(queue).decode())
        else:
            self._finish(state)

    async def _comments_page(self, state: dict[str, str]) -> list[RawPost]:
        queue: list[list[str]] = orjson.loads(state.get("media", "[]"))
        if not queue:
            self._finish(state)
            return []
        media_id, permalink, product = queue[0]
        params: dict[str, Any] = {"fields": COMMENT_FIELDS, "limit": self.settings.page_size}
        if state.get("after"):
            params["after"] = state["after"]
        body = await self.client.get(f"{media_id}/comments", params)
        media: dict[str, Any] = {"id": media_id}
        if permalink:
            media["permalink"] = permalink
        if product:
            media["media_product_type"] = product
        posts: list[RawPost] = []
        for comment in data_list(body):
            if not isinstance(comment.get("id"), str):
                continue
            replies = comment.get("replies")
            top = {k: v for k, v in comment.items() if k != "replies"}
            posts.append(comment_payload(top, media, self.channel.name))
            for reply in data_list(replies) if isinstance(replies, dict) else []:
                if isinstance(reply.get("id"), str):
                    reply.setdefault("parent_id", comment["id"])
                    posts.append(comment_payload(reply, media, self.channel.name))
        after = next_after(body)
        if after is not None:
            self._advance(state, after)
            return posts
        state.pop("after", None)
        queue.pop(0)
        if queue:
            state["media"] = orjson.dumps(queue).decode()
        else:
            self._finish(state)
        return posts

    def _finish(self, state: dict[str, str]) -> None:
        state.clear()
        state["done"] = str(int(self._clock()))
