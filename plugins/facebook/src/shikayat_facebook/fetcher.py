"""Reconciliation polling of one Page: its feed and the comments of each recent post, the posts
of others that tag the Page, and its Messenger conversations.

Webhooks bring posts live; this catches whatever a lost delivery missed. One pass ("round"),
in phases:

1. ``feed``: ``GET /{page-id}/feed?fields=…&since=<now - lookback>`` page by page
   (``paging.cursors.after``), storing each post and queueing its id;
2. ``comments``: for each queued post, ``GET /{post-id}/comments?filter=stream
   &order=reverse_chronological&since=<last round's start - overlap>`` page by page (every
   level of replies);
3. ``tagged`` (``reconcile_tagged``): ``GET /{page-id}/tagged?fields=…&since=<now - lookback>``,
   public posts by others that tag the Page — what the ``mention`` webhook delivers;
4. ``conversations`` (``reconcile_messenger``): ``GET /{page-id}/conversations?platform=messenger
   &fields=id,updated_time,messages.limit(N){…}``, newest first (the edge has no time paging),
   until a conversation was last updated before the round's ``since``; each listed message not
   sent by the Page is stored.

The cursor is a flat dict: ``phase``, ``after`` (the paging cursor of the request in progress),
``posts`` (space-separated post ids whose comments are still to read, the first being read now),
``feed_since``/``since`` (unix seconds of this round), ``started`` (this round's start) and
``done`` (the last finished round's start). One ``fetch`` reads one page; ``more`` stays true
until the round ends. Items are keyed exactly as their webhook twins (a post or comment by its
id, a Messenger message by its ``mid``, which is the message's Graph id), so the overlap is
absorbed by the inbox.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from shikayat import Channel, Cursor, FatalError, Fetcher, Page, RawPost
from shikayat_facebook.graph import GraphClient, data_list, next_after
from shikayat_facebook.settings import FacebookSettings
from shikayat_facebook.split import message_payload, read_payload

logger = logging.getLogger(__name__)

POST_FIELDS = ("id,message,from,created_time,permalink_url,message_tags,"
               "attachments{media_type,url,media,target}")
COMMENT_FIELDS = "id,message,from,created_time,permalink_url,parent{id},message_tags,attachment"
MESSAGES_PER_CONVERSATION = 25
MESSAGE_FIELDS = "id,message,from,created_time,attachments{id,mime_type,name,image_data,video_data,file_url}"
CONVERSATION_FIELDS = f"id,updated_time,messages.limit({MESSAGES_PER_CONVERSATION}){{{MESSAGE_FIELDS}}}"
PHASES = ("feed", "comments", "tagged", "conversations")


class FacebookFetcher(Fetcher):
    def __init__(self, channel: Channel, client: GraphClient, *, clock: Any = time.time) -> None:
        settings = channel.settings
        assert isinstance(settings, FacebookSettings)
        self.channel = channel
        self.settings = settings
        self.client = client
        self._clock = clock

    def _phases(self) -> tuple[str, ...]:
        skip = {"tagged"} if not self.settings.reconcile_tagged else set()
        skip |= {"conversations"} if not self.settings.reconcile_messenger else set()
        return tuple(p for p in PHASES if p not in skip)

    def _new_round(self, state: dict[str, str]) -> dict[str, str]:
        now = int(self._clock())
        feed_since = now - int(self.settings.lookback_hours * 3600)
        done = state.get("done")
        since = int(done) - int(self.settings.overlap_seconds) if done and done.isdigit() else feed_since
        return {"phase": "feed", "started": str(now), "feed_since": str(feed_since),
                "since": str(max(since, feed_since)), **({"done": done} if done else {})}

    async def fetch(self, cursor: Cursor | None) -> Page:
        state = dict(cursor or {})
        if state.get("phase") not in self._phases():
            state = self._new_round(state)
        after = state.get("after")
        params: dict[str, Any] = {"limit": self.settings.page_size}
        if after:
            params["after"] = after
        read = {"feed": self._feed, "comments": self._comments, "tagged": self._tagged,
                "conversations": self._conversations}[state["phase"]]
        posts, body, stop = await read(state, params)
        next_cursor = None if stop else next_after(body)
        if next_cursor is not None and next_cursor == after:
            raise FatalError(f"Graph API {state['phase']}: the paging cursor did not advance ({after!r})")
        more = self._advance(state, next_cursor)
        if not more:
            logger.info("channel %s: reconciliation round done", self.channel.name)
        return Page([self._raw(p) for p in posts], state, more=more, rate_limit_remaining=self.client.remaining)

    async def _feed(self, state: dict[str, str], params: dict[str, Any]) -> tuple[list[RawPost], Any, bool]:
        params.update(fields=POST_FIELDS, since=state["feed_since"])
        body = await self.client.get(f"{self.settings.page_id}/feed", params)
        queue = state.get("posts", "").split()
        posts = []
        for post in data_list(body):
            if isinstance(post.get("id"), str):
                posts.append(read_payload(post))
                queue.append(post["id"])
        if queue:
            state["posts"] = " ".join(dict.fromkeys(queue))
        return posts, body, False

    async def _comments(self, state: dict[str, str], params: dict[str, Any]) -> tuple[list[RawPost], Any, bool]:
        post_id = state.get("posts", "").split()[0]
        params.update(fields=COMMENT_FIELDS, since=state["since"], filter="stream", order="reverse_chronological")
        body = await self.client.get(f"{post_id}/comments", params)
        return [read_payload(c, post_id) for c in data_list(body) if isinstance(c.get("id"), str)], body, False

    async def _tagged(self, state: dict[str, str], params: dict[str, Any]) -> tuple[list[RawPost], Any, bool]:
        params.update(fields=POST_FIELDS, since=state["feed_since"])
        body = await self.client.get(f"{self.settings.page_id}/tagged", params)
        return [read_payload(p) for p in data_list(body) if isinstance(p.get("id"), str)], body, False

    async def _conversations(self, state: dict[str, str],
                             params: dict[str, Any]) -> tuple[list[RawPost], Any, bool]:
        params.update(platform="messenger", fields=CONVERSATION_FIELDS)
        body = await self.client.get(f"{self.settings.page_id}/conversations", params)
        since = int(state["since"])
        posts: list[RawPost] = []
        for conversation in data_list(body):
            updated = _unix(conversation.get("updated_time"))
            if updated is not None and updated < since:
                return posts, body, True                     # newest first: the rest is older still
            messages = conversation.get("messages")
            for message in data_list(messages) if isinstance(messages, dict) else []:
                sender = message.get("from")
                mine = isinstance(sender, dict) and str(sender.get("id")) == self.settings.page_id
                if isinstance(message.get("id"), str) and message["id"] and not mine:
                    posts.append(message_payload(message, str(conversation.get("id") or "")))
        return posts, body, False

    def _advance(self, state: dict[str, str], next_cursor: str | None) -> bool:
        """Move the cursor past the page just read; False when the round is over."""
        if next_cursor is not None:
            state["after"] = next_cursor
            return True
        state.pop("after", None)
        if state["phase"] == "comments":
            queue = state.get("posts", "").split()[1:]
            if queue:
                state["posts"] = " ".join(queue)
                return True
            state.pop("posts", None)
        phases = self._phases()
        for phase in phases[phases.index(state["phase"]) + 1:]:
            if phase != "comments" or state.get("posts"):
                state["phase"] = phase
                return True
        finished = {"done": state["started"]}
        state.clear()
        state.update(finished)
        return False

    def _raw(self, raw: RawPost) -> RawPost:
        return raw.model_copy(update={"channel": self.channel.name})


def _unix(value: Any) -> int | None:
    """A Graph read time (ISO 8601 with ``+0000``) as unix seconds; None when unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return int(datetime.fromisoformat(value).timestamp())
    except ValueError:
        return None
