"""Reconciliation polling of one Page: its feed, then the comments of each recent post.

Webhooks bring posts live; this catches whatever a lost delivery missed. One pass ("round"):

1. ``GET /{page-id}/feed?fields=…&since=<now - lookback>`` page by page (``paging.cursors.after``),
   storing each post and queueing its id;
2. for each queued post, ``GET /{post-id}/comments?filter=stream&order=reverse_chronological
   &since=<last round's start - overlap>`` page by page (every level of replies).

The cursor is a flat dict: ``phase`` (``feed`` | ``comments``), ``after`` (the paging cursor of
the request in progress), ``posts`` (space-separated post ids still to read, the first being
read now), ``feed_since``/``since`` (unix seconds of this round), ``started`` (this round's
start) and ``done`` (the last finished round's start). One ``fetch`` reads one page; ``more``
stays true until the round ends. Items are keyed exactly as their webhook twins, so the overlap
is absorbed by the inbox.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from shikayat import Channel, Cursor, FatalError, Fetcher, Page, RawPost
from shikayat_facebook.graph import GraphClient, data_list, next_after
from shikayat_facebook.settings import FacebookSettings
from shikayat_facebook.split import read_payload

logger = logging.getLogger(__name__)

POST_FIELDS = ("id,message,from,created_time,permalink_url,message_tags,"
               "attachments{media_type,url,media,target}")
COMMENT_FIELDS = "id,message,from,created_time,permalink_url,parent{id},message_tags,attachment"


class FacebookFetcher(Fetcher):
    def __init__(self, channel: Channel, client: GraphClient, *, clock: Any = time.time) -> None:
        settings = channel.settings
        assert isinstance(settings, FacebookSettings)
        self.channel = channel
        self.settings = settings
        self.client = client
        self._clock = clock

    def _new_round(self, state: dict[str, str]) -> dict[str, str]:
        now = int(self._clock())
        feed_since = now - int(self.settings.lookback_hours * 3600)
        done = state.get("done")
        since = int(done) - int(self.settings.overlap_seconds) if done and done.isdigit() else feed_since
        return {"phase": "feed", "started": str(now), "feed_since": str(feed_since),
                "since": str(max(since, feed_since)), **({"done": done} if done else {})}

    async def fetch(self, cursor: Cursor | None) -> Page:
        state = dict(cursor or {})
        if state.get("phase") not in ("feed", "comments"):
            state = self._new_round(state)
        after = state.get("after")
        posts: list[RawPost] = []
        params: dict[str, Any] = {"limit": self.settings.page_size}
        if after:
            params["after"] = after
        if state["phase"] == "feed":
            params.update(fields=POST_FIELDS, since=state["feed_since"])
            body = await self.client.get(f"{self.settings.page_id}/feed", params)
            queue = state.get("posts", "").split()
            for post in data_list(body):
                if isinstance(post.get("id"), str):
                    posts.append(self._raw(read_payload(post)))
                    queue.append(post["id"])
            if queue:
                state["posts"] = " ".join(dict.fromkeys(queue))
        else:
            queue = state.get("posts", "").split()
            post_id = queue[0]
            params.update(fields=COMMENT_FIELDS, since=state["since"], filter="stream",
                          order="reverse_chronological")
            body = await self.client.get(f"{post_id}/comments", params)
            for comment in data_list(body):
                if isinstance(comment.get("id"), str):
                    posts.append(self._raw(read_payload(comment, post_id)))
        next_cursor = next_after(body)
        if next_cursor is not None and next_cursor == after:
            raise FatalError(f"Graph API {state['phase']}: the paging cursor did not advance ({after!r})")
        more = self._advance(state, next_cursor)
        if not more:
            logger.info("channel %s: reconciliation round done", self.channel.name)
        return Page(posts, state, more=more, rate_limit_remaining=self.client.remaining)

    def _advance(self, state: dict[str, str], next_cursor: str | None) -> bool:
        """Move the cursor past the page just read; False when the round is over."""
        if next_cursor is not None:
            state["after"] = next_cursor
            return True
        state.pop("after", None)
        queue = state.get("posts", "").split()
        if state["phase"] == "comments":
            queue = queue[1:]
        state["phase"] = "comments"
        if queue:
            state["posts"] = " ".join(queue)
            return True
        state.pop("posts", None)
        finished = {"done": state["started"]}
        state.clear()
        state.update(finished)
        return False

    def _raw(self, raw: RawPost) -> RawPost:
        return raw.model_copy(update={"channel": self.channel.name})
