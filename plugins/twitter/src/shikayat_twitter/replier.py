"""Replies with a post in the complaint's thread (``POST /2/tweets`` with ``reply``)."""

from __future__ import annotations

from shikayat import Channel, Replier, ReplyIntent, SentReply
from shikayat.errors import RetryableError
from shikayat_twitter.client import XClient
from shikayat_twitter.settings import TwitterSettings


class TwitterReplier(Replier):
    def __init__(self, channel: Channel, client: XClient) -> None:
        settings = channel.settings
        assert isinstance(settings, TwitterSettings)
        self.settings = settings
        self.client = client

    async def send(self, intent: ReplyIntent) -> SentReply:
        body = await self.client.request(
            "POST", "/2/tweets", endpoint="create",
            json={"text": intent.text, "reply": {"in_reply_to_tweet_id": intent.in_reply_to}}, user=True)
        data = body.get("data") or {}
        if not isinstance(data.get("id"), str):
            raise RetryableError("X API create: the response has no post id")
        return SentReply(platform_id=data["id"])

    async def find_sent(self, intent: ReplyIntent) -> SentReply | None:
        body = await self.client.request(
            "GET", f"/2/users/{self.settings.user_id}/tweets", endpoint="user_tweets",
            params={"tweet.fields": "referenced_tweets,created_at", "max_results": 100}, user=True)
        for post in body.get("data") or []:
            refs = post.get("referenced_tweets") or []
            replied = any(r.get("type") == "replied_to" and r.get("id") == intent.in_reply_to for r in refs)
            if replied and intent.docket and intent.docket in post.get("text", ""):
                return SentReply(platform_id=post["id"])
        return None
