"""Mentions: a ``mentions`` change names a comment or media but carries no text.

The webhook receiver stores the change verbatim as a stub (the delivery is acknowledged once
that is committed) and queues the :class:`~shikayat_instagram.split.Mention` on the channel's
:class:`MentionQueue`. The channel's fetcher drains the queue at its next fetch and looks each
one up — ``GET /{ig-user-id}?fields=mentioned_comment.comment_id(<id>){…}`` or
``…mentioned_media.media_id(<id>){…}`` — storing the comment or caption under the key a
``comments`` delivery or a reconciliation read of the same object has, so every path dedupes
on the inbox key.

The queue lives in the daemon's memory, so it is rebuilt from the inbox when the channel
starts (:func:`recover`, called from the fetcher's ``resume``): every stub received inside the
recovery window (``mention_recovery_days``) whose comment or media is not stored under its
plain key is queued again. A mention committed just before a crash is therefore looked up after
the restart. A lookup refused for good (comment deleted, comments disabled on the media) is
logged and dropped; it is tried once more at each start while its stub is inside the window. A
transient failure puts the mention back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from shikayat import AuthError, FatalError, RawPost, RetryableError, UnparseablePayload
from shikayat.store import InboxView
from shikayat_facebook.graph import GraphClient
from shikayat_facebook.metahook import delivery_items
from shikayat_instagram.split import (
    MENTIONS,
    OBJECT,
    STUB_PREFIX,
    Mention,
    comment_payload,
    media_payload,
    mention_of,
)

logger = logging.getLogger(__name__)

COMMENT_FIELDS = "id,text,timestamp,username,from,parent_id,media{id,permalink,media_product_type,username}"
MEDIA_FIELDS = "id,caption,media_type,media_url,permalink,timestamp,username"


@dataclass
class MentionQueue:
    """Mentions waiting to be looked up for one channel (in memory, deduplicated, thread-safe)."""

    _pending: dict[Mention, None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def add(self, mentions: Iterable[Mention]) -> None:
        with self._lock:
            for mention in mentions:
                self._pending[mention] = None

    def take(self, limit: int) -> list[Mention]:
        with self._lock:
            taken = list(self._pending)[:limit]
            for mention in taken:
                del self._pending[mention]
            return taken

    def put_back(self, mentions: Iterable[Mention]) -> None:
        with self._lock:
            self._pending = {**dict.fromkeys(mentions), **self._pending}

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)


def stub_mention(payload: bytes) -> Mention | None:
    """The mention a stored stub names (its payload is the one-change delivery), or None."""
    try:
        items = delivery_items(payload, expected_object=OBJECT)
        return next((mention_of(i.value) for i in items if i.field == MENTIONS), None)
    except UnparseablePayload:
        return None


async def recover(inbox: InboxView, queue: MentionQueue, *, since: datetime, limit: int) -> list[Mention]:
    """Queue again the mentions whose stub was received since ``since`` (at most ``limit``
    newest stubs) but whose comment or media is not in the inbox. Returns them."""
    stubs = await inbox.posts(prefix=STUB_PREFIX, since=since, limit=limit)
    mentions = [m for m in (stub_mention(s.payload) for s in stubs) if m is not None]
    stored = await inbox.stored(m.target_key for m in mentions)
    missing = [m for m in dict.fromkeys(mentions) if m.target_key not in stored]
    queue.add(missing)
    if missing:
        logger.info("channel %s: %d mention(s) received before the restart queued for lookup",
                    inbox.channel, len(missing))
    return missing


async def look_up(client: GraphClient, ig_user_id: str, mention: Mention, channel: str | None) -> RawPost:
    """The mentioned comment or media as the RawPost a read of it gives. Raises on failure."""
    if mention.comment_id:
        edge = "mentioned_comment"
        fields = f"{edge}.comment_id({mention.comment_id}){{{COMMENT_FIELDS}}}"
    else:
        edge = "mentioned_media"
        fields = f"{edge}.media_id({mention.media_id}){{{MEDIA_FIELDS}}}"
    body = await client.get(ig_user_id, {"fields": fields})
    found = body.get(edge)
    if not isinstance(found, dict):
        raise FatalError(f"{client.api}: the {edge} lookup for {mention.target_key} returned no object")
    if mention.comment_id:
        media = found.get("media")
        context = media if isinstance(media, dict) else {"id": mention.media_id}
        comment = {k: v for k, v in found.items() if k != "media"}
        comment.setdefault("id", mention.comment_id)
        return comment_payload(comment, context, channel)
    found.setdefault("id", mention.media_id)
    return media_payload(found, channel)


async def hydrate(client: GraphClient, ig_user_id: str, queue: MentionQueue, channel: str | None,
                  limit: int) -> list[RawPost]:
    """Look up to ``limit`` queued mentions. Returns what was found.

    A permanent refusal drops that mention (logged); an auth error is raised (the channel
    stops). A transient error puts back the mentions not yet looked up and is raised only when
    nothing was found yet, so what was found is still stored.
    """
    taken = queue.take(limit)
    found: list[RawPost] = []
    for number, mention in enumerate(taken):
        try:
            found.append(await look_up(client, ig_user_id, mention, channel))
        except RetryableError:
            queue.put_back(taken[number:])
            if not found:
                raise
            logger.warning("channel %s: mention lookups paused after a transient error", channel)
            break
        except AuthError:
            queue.put_back(taken[number:])
            raise
        except FatalError as exc:
            logger.warning("channel %s: mention %s cannot be looked up, dropped: %s", channel,
                           mention.target_key, exc)
    return found
