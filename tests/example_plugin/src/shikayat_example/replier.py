"""Replies with a message in the complaint's thread."""

from __future__ import annotations

from shikayat import Replier, ReplyIntent, RetryableError, SentReply
from shikayat_example.client import ExampleClient


class ExampleReplier(Replier):
    def __init__(self, client: ExampleClient) -> None:
        self.client = client

    async def send(self, intent: ReplyIntent) -> SentReply:
        body = await self.client.call("POST", "/v1/messages",
                                      json={"reply_to": intent.in_reply_to, "body": intent.text})
        message = body.get("message")
        if not isinstance(message, dict) or not isinstance(message.get("id"), str):
            raise RetryableError("Example API /v1/messages: the response has no message id")
        return SentReply(platform_id=message["id"])
