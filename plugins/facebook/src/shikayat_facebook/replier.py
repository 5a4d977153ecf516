"""Replies on a Page: a public comment reply, a private reply, or a Messenger message.

* A Messenger-originated complaint (its key is a message ``mid``, not a numeric Graph id) is
  answered in Messenger: ``POST /{page-id}/messages`` with ``recipient.id`` = the sender's PSID
  and ``messaging_type: RESPONSE``.
* A comment or post complaint with a private intent (a sensitive case) gets a private reply:
  ``POST /{page-id}/messages`` with ``recipient.comment_id`` (or ``recipient.post_id`` for a
  post on our Page) — Meta allows one per comment, within 7 days.
* Otherwise a public threaded reply: ``POST /{comment-or-post-id}/comments`` with ``message``.

Edited items answer the original object (``<id>:edited:…`` → ``<id>``). ``find_sent`` looks
for a public reply among the object's comments (ours, carrying the docket). Private replies
and Messenger messages cannot be looked up reliably; both go through the Send API with the
reply token as ``message.metadata``, which comes back in the message's echo
(``message_echoes``), so a reply whose send outcome was lost waits for its echo before it is
sent again (:meth:`confirms_by_webhook`; a second private reply to the same comment is refused
by Meta anyway).
"""

from __future__ import annotations

import re

from shikayat import Channel, Replier, ReplyIntent, SentReply
from shikayat.errors import RetryableError
from shikayat_facebook.graph import GraphClient, data_list, next_after
from shikayat_facebook.settings import FacebookSettings
from shikayat_facebook.split import base_id

_GRAPH_ID = re.compile(r"^\d+(_\d+)*$")
MESSENGER_TEXT_LIMIT = 2000


def is_messenger(external_id: str) -> bool:
    return _GRAPH_ID.match(base_id(external_id)) is None


class FacebookReplier(Replier):
    def __init__(self, channel: Channel, client: GraphClient) -> None:
        settings = channel.settings
        assert isinstance(settings, FacebookSettings)
        self.settings = settings
        self.client = client

    async def send(self, intent: ReplyIntent) -> SentReply:
        target = base_id(intent.in_reply_to)
        page = self.settings.page_id
        if is_messenger(target):
            body = await self.client.post(f"{page}/messages", json={
                "recipient": {"id": intent.recipient}, "messaging_type": "RESPONSE",
                "message": _message(intent)})
            return SentReply(platform_id=_field(body, "message_id"))
        if intent.private:
            kind = "post_id" if target.startswith(page + "_") else "comment_id"
            body = await self.client.post(f"{page}/messages", json={
                "recipient": {kind: target}, "message": _message(intent)})
            return SentReply(platform_id=_field(body, "message_id"))
        body = await self.client.post(f"{target}/comments", json={"message": intent.text})
        return SentReply(platform_id=_field(body, "id"))

    def confirms_by_webhook(self, intent: ReplyIntent) -> bool:
        """Messenger messages and private replies: echoed with their token, not looked up."""
        return is_messenger(base_id(intent.in_reply_to)) or intent.private

    async def find_sent(self, intent: ReplyIntent) -> SentReply | None:
        target = base_id(intent.in_reply_to)
        if is_messenger(target) or intent.private or not intent.docket:
            return None
        params: dict[str, str | int] = {"fields": "id,message,from", "filter": "toplevel", "limit": 100}
        for _ in range(10):                       # at most 1,000 replies back
            body = await self.client.get(f"{target}/comments", params)
            for comment in data_list(body):
                author = comment.get("from")
                ours = isinstance(author, dict) and author.get("id") == self.settings.page_id
                if ours and intent.docket in str(comment.get("message", "")):
                    return SentReply(platform_id=str(comment["id"]))
            after = next_after(body)
            if after is None or after == params.get("after"):
                return None
            params["after"] = after
        return None


def _message(intent: ReplyIntent) -> dict[str, str]:
    """A Send API ``message``: the text, and the reply token its echo brings back."""
    return {"text": intent.text[:MESSENGER_TEXT_LIMIT], "metadata": intent.token}


def _field(body: dict[str, object], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise RetryableError(f"Graph API reply: the response has no {name}")
    return value
