"""Polls the mentions timeline and recent search for one channel.

The cursor is a flat dict. Each stream — ``m`` (mentions) and ``s<hash>`` per search query —
keeps ``<stream>.since``; a walk in progress keeps ``<stream>.next`` (the page token) and
``<stream>.newest`` (the walk's newest id); ``at`` names the stream being walked. One
``fetch`` call reads one page of one stream. ``since`` advances only after a walk's last page,
so a crash mid-walk resumes from the token, or from the old ``since`` (overlap is absorbed by
the inbox). The first poll of a stream walks everything the API still returns (mentions: the
newest ~800).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import orjson

from shikayat import Channel, Cursor, FatalError, Fetcher, Page, RawPost
from shikayat_twitter.client import XClient
from shikayat_twitter.normalize import PLATFORM, external_id
from shikayat_twitter.settings import TwitterSettings

logger = logging.getLogger(__name__)

TWEET_FIELDS = ("created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang,entities,"
                "geo,attachments,edit_history_tweet_ids")
EXPANSIONS = "author_id,referenced_tweets.id,attachments.media_keys,entities.mentions.username,geo.place_id"
USER_FIELDS = "username,name,verified,protected"
MEDIA_FIELDS = "type,url,preview_image_url"
PLACE_FIELDS = "full_name,geo"


def stream_key(query: str) -> str:
    return "s" + hashlib.sha256(query.encode()).hexdigest()[:8]


def split_page(body: dict[str, Any], channel: str | None) -> list[RawPost]:
    """One page → one RawPost per post, each with only the includes it references."""
    includes = body.get("includes") or {}
    users = {u["id"]: u for u in includes.get("users", []) if isinstance(u, dict) and "id" in u}
    handles = {u.get("username", "").lower(): u for u in users.values()}
    tweets = {t["id"]: t for t in includes.get("tweets", []) if isinstance(t, dict) and "id" in t}
    media = {m["media_key"]: m for m in includes.get("media", []) if isinstance(m, dict) and "media_key" in m}
    places = {p["id"]: p for p in includes.get("places", []) if isinstance(p, dict) and "id" in p}
    posts = []
    for post in body.get("data") or []:
        if not isinstance(post, dict):
            continue
        inc: dict[str, list[Any]] = {}
        user_ids = [post.get("author_id")]
        refs = [r.get("id") for r in post.get("referenced_tweets") or [] if isinstance(r, dict)]
        ref_tweets = [tweets[r] for r in refs if r in tweets]
        user_ids += [t.get("author_id") for t in ref_tweets]
        found = [users[u] for u in dict.fromkeys(user_ids) if u in users]
        for m in (post.get("entities") or {}).get("mentions", []):
            u = handles.get(str(m.get("username", "")).lower()) if isinstance(m, dict) else None
            if u is not None and u not in found:
                found.append(u)
        if found:
            inc["users"] = found
        if ref_tweets:
            inc["tweets"] = ref_tweets
        keys = (post.get("attachments") or {}).get("media_keys", [])
        if any(k in media for k in keys):
            inc["media"] = [media[k] for k in keys if k in media]
        place_id = (post.get("geo") or {}).get("place_id")
        if place_id in places:
            inc["places"] = [places[place_id]]
        payload = orjson.dumps({"data": post, "includes": inc} if inc else {"data": post})
        posts.append(RawPost(platform=PLATFORM, external_id=external_id(post, payload), channel=channel,
                             payload=payload))
    return posts


class TwitterFetcher(Fetcher):
    def __init__(self, channel: Channel, client: XClient) -> None:
        self.channel = channel
        self.client = client
        settings = channel.settings
        assert isinstance(settings, TwitterSettings)
        self.settings = settings
        self.streams: list[tuple[str, str | None]] = [("m", None)]
        self.streams += [(stream_key(q), q) for q in settings.search_queries]

    async def fetch(self, cursor: Cursor | None) -> Page:
        state = dict(cursor or {})
        keys = [k for k, _ in self.streams]
        at = state.get("at") if state.get("at") in keys else keys[0]
        query = dict(self.streams)[at]
        params: dict[str, Any] = {
            "max_results": self.settings.max_results, "tweet.fields": TWEET_FIELDS, "expansions": EXPANSIONS,
            "user.fields": USER_FIELDS, "media.fields": MEDIA_FIELDS, "place.fields": PLACE_FIELDS,
        }
        if state.get(f"{at}.since"):
            params["since_id"] = state[f"{at}.since"]
        token = state.get(f"{at}.next")
        if query is None:
            path, endpoint, token_param = f"/2/users/{self.settings.user_id}/mentions", "mentions", "pagination_token"
        else:
            path, endpoint, token_param = "/2/tweets/search/recent", "search", "next_token"
            params["query"] = query
        if token:
            params[token_param] = token
        body = await self.client.request("GET", path, endpoint=endpoint, params=params)
        for err in body.get("errors") or []:
            logger.warning("channel %s: partial error from X: %s", self.channel.name,
                           err.get("detail") or err.get("title") if isinstance(err, dict) else err)
        posts = split_page(body, self.channel.name)
        meta = body.get("meta") or {}
        next_token = meta.get("next_token")
        newest = state.get(f"{at}.newest") or meta.get("newest_id")
        if next_token:
            if next_token == token:
                raise FatalError(f"X API {endpoint}: pagination token did not advance ({token!r})")
            state[f"{at}.next"] = next_token
            if newest:
                state[f"{at}.newest"] = newest
            state["at"] = at
            more = True
        else:
            state.pop(f"{at}.next", None)
            state.pop(f"{at}.newest", None)
            if newest:
                state[f"{at}.since"] = newest
            position = keys.index(at) + 1
            state["at"] = keys[position % len(keys)]
            more = position < len(keys)
        return Page(posts, state, more=more, rate_limit_remaining=self.client.last_remaining)
