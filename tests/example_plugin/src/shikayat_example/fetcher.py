"""Pulls a channel's messages page by page; the cursor is the API's own opaque cursor."""

from __future__ import annotations

from shikayat import Cursor, FatalError, Fetcher, Page, RetryableError
from shikayat_example.client import ExampleClient
from shikayat_example.normalize import raw_post


class ExampleFetcher(Fetcher):
    def __init__(self, client: ExampleClient, channel: str) -> None:
        self.client = client
        self.channel = channel

    async def fetch(self, cursor: Cursor | None) -> Page:
        sent = (cursor or {}).get("cursor")
        params: dict[str, str | int] = {"limit": self.client.settings.page_size}
        if sent:
            params["cursor"] = sent
        body = await self.client.call("GET", "/v1/messages", params=params)
        messages = body.get("messages")
        following = body.get("cursor")
        if not isinstance(messages, list) or not isinstance(following, str):
            raise RetryableError("Example API /v1/messages: 'messages' or 'cursor' is missing")
        more = bool(body.get("has_more"))
        if more and following == sent:
            raise FatalError(f"Example API /v1/messages: the cursor did not advance ({sent!r})")
        return Page([raw_post(m, self.channel) for m in messages], {"cursor": following}, more=more)
