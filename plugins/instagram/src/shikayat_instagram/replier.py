"""Replies on Instagram: a public comment reply, a private reply, or a direct message.

==================================================  ============================================
the complaint was                                   the reply is
==================================================  ============================================
a comment on our media, public intent               ``POST /{comment-id}/replies`` ``{"message"}``
a comment/caption that @mentioned us elsewhere      ``POST /{ig-user-id}/mentions`` with
                                                    ``media_id`` (+ ``comment_id``) — used when
                                                    ``/replies`` refuses (code 100), after a
                                                    ``mentioned_comment`` lookup of the media
a comment, private intent (sensitive case)          private reply: ``POST /{id}/messages`` with
                                                    ``recipient.comment_id`` (one per comment,
                                                    within 7 days)
a direct message (``mid``; never numeric)           ``POST /{id}/messages`` with ``recipient.id``
==================================================  ============================================

``{id}`` is the linked Page (Facebook Login flavour, ``page_id`` set) or our IG user id
(Instagram Login flavour). Every reply is kept to :data:`MESSAGE_BYTES` UTF-8 bytes and fewer than
1,000 characters (the documented limit of messages); public comment replies also to
:data:`COMMENT_REPLY_LIMIT` characters. Errors come through the shared Graph mapping.

``find_sent`` looks public comment replies up. Messages (direct and private replies) cannot be
looked up; they carry the reply token as ``message.metadata``, which comes back in the
message's echo, so one whose send outcome was lost waits for its echo before it is sent again
(:meth:`confirms_by_webhook`).
"""

from __future__ import annotations

import logging

from shikayat import Channel, FatalError, Replier, ReplyIntent, RetryableError, SentReply
from shikayat.graphemes import clusters
from shikayat_facebook.graph import GraphClient, data_list
from shikayat_instagram.settings import InstagramSettings

logger = logging.getLogger(__name__)

MESSAGE_BYTES = 999
"""Direct messages and private replies (both go through the messages endpoint). Meta's Instagram
messaging "Send a Message" page: "Message text must be UTF-8 and be a 1000 bytes or less"; its
newer version: "Text message must be less than 1000 characters". 999 UTF-8 bytes keeps both
(a character is at least one byte), and binds Hindi first: a Devanagari letter takes 3 bytes, so
about 330 of them fit."""
MESSAGE_LIMIT = 999
"""The same rule in characters (less than 1,000)."""
COMMENT_REPLY_LIMIT = 300
"""Our own cap on public comment replies, not a documented limit: Meta's references for
``POST /{ig-comment-id}/replies``, ``POST /{ig-user-id}/mentions`` and ``POST /{ig-media-id}/comments``
state none, and the figures quoted elsewhere for Instagram comments disagree (1,000 to 2,200
characters). An acknowledgement needs far less; 300 is inside all of them."""
_OBJECT_REFUSED = "100"


def fit(text: str, limit: int = COMMENT_REPLY_LIMIT, max_bytes: int = MESSAGE_BYTES) -> str:
    """``text`` unchanged when it has at most ``limit`` characters and ``max_bytes`` UTF-8 bytes;
    else cut on a cluster boundary (a word boundary when one is near) with '…'."""
    if len(text) <= limit and len(text.encode()) <= max_bytes:
        return text
    room, room_bytes = limit - len("…"), max_bytes - len("…".encode())
    kept: list[str] = []
    chars = size = 0
    for cluster in clusters(text):
        chars, size = chars + len(cluster), size + len(cluster.encode())
        if chars > room or size > room_bytes:
            break
        kept.append(cluster)
    cut = "".join(kept)
    space = cut.rfind(" ")
    if space >= len(cut) * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + "…"


def is_message_id(external_id: str) -> bool:
    """A messaging ``mid`` (opaque, not numeric) as opposed to a comment or media id."""
    return not external_id.isdigit()


class InstagramReplier(Replier):
    def __init__(self, channel: Channel, client: GraphClient) -> None:
        settings = channel.settings
        assert isinstance(settings, InstagramSettings)
        self.settings = settings
        self.client = client

    @property
    def _messages_path(self) -> str:
        return f"{self.settings.page_id or self.settings.ig_user_id}/messages"

    async def send(self, intent: ReplyIntent) -> SentReply:
        if is_message_id(intent.in_reply_to):
            return await self._message({"id": intent.recipient}, intent)
        if intent.private:
            return await self._message({"comment_id": intent.in_reply_to}, intent)
        text = fit(intent.text)
        try:
            body = await self.client.post(f"{intent.in_reply_to}/replies", json={"message": text})
        except FatalError as exc:
            if exc.code != _OBJECT_REFUSED:
                raise
            logger.info("comment %s is not on our media; answering it as a mention", intent.in_reply_to)
            return await self._mention_reply(intent.in_reply_to, text)
        return SentReply(platform_id=self._id(body, "id", "comment reply"))

    async def _message(self, recipient: dict[str, str], intent: ReplyIntent) -> SentReply:
        message = {"text": fit(intent.text, MESSAGE_LIMIT, MESSAGE_BYTES), "metadata": intent.token}
        body = await self.client.post(self._messages_path, json={"recipient": recipient, "message": message})
        return SentReply(platform_id=self._id(body, "message_id", "message"))

    async def _mention_reply(self, target: str, text: str) -> SentReply:
        params: dict[str, str] = {"message": text}
        try:
            found = await self.client.get(self.settings.ig_user_id, {
                "fields": f"mentioned_comment.comment_id({target}){{id,media{{id}}}}"})
        except FatalError as exc:
            if exc.code != _OBJECT_REFUSED:
                raise
            params["media_id"] = target                     # not a comment: a caption mention
        else:
            comment = found.get("mentioned_comment")
            media = comment.get("media") if isinstance(comment, dict) else None
            if not isinstance(media, dict) or not isinstance(media.get("id"), str):
                raise FatalError(f"{self.client.api}: the mentioned comment {target} names no media")
            params.update(media_id=media["id"], comment_id=target)
        body = await self.client.post(f"{self.settings.ig_user_id}/mentions", json=params)
        return SentReply(platform_id=self._id(body, "id", "mention reply"))

    def _id(self, body: dict[str, object], key: str, what: str) -> str:
        value = body.get(key)
        if not isinstance(value, str) or not value:
            raise RetryableError(f"{self.client.api}: the {what} response has no {key}")
        return value

    def confirms_by_webhook(self, intent: ReplyIntent) -> bool:
        """Direct messages and private replies: echoed with their token, not looked up."""
        return is_message_id(intent.in_reply_to) or intent.private

    async def find_sent(self, intent: ReplyIntent) -> SentReply | None:
        """A public comment reply carrying the docket, by our account, under the comment."""
        if is_message_id(intent.in_reply_to) or intent.private or not intent.docket:
            return None
        try:
            body = await self.client.get(f"{intent.in_reply_to}/replies",
                                         {"fields": "id,text,from,username", "limit": 100})
        except FatalError as exc:
            if exc.code == _OBJECT_REFUSED:
                return None
            raise
        for reply in data_list(body):
            who = reply.get("from")
            ours = (isinstance(who, dict) and who.get("id") == self.settings.ig_user_id) or (
                self.settings.username is not None and reply.get("username") == self.settings.username)
            if ours and intent.docket in str(reply.get("text", "")) and isinstance(reply.get("id"), str):
                return SentReply(platform_id=reply["id"])
        return None
