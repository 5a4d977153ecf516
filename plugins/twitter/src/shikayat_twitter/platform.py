"""The X/Twitter platform: what it can do, and the objects it builds per channel."""

from __future__ import annotations

import httpx

from shikayat import (
    Capability,
    Channel,
    ChannelSettings,
    Complaint,
    Fetcher,
    Platform,
    RawPost,
    Replier,
)
from shikayat_twitter import text
from shikayat_twitter.client import XClient
from shikayat_twitter.fetcher import TwitterFetcher
from shikayat_twitter.normalize import PLATFORM, external_id, load, normalize_post
from shikayat_twitter.replier import TwitterReplier
from shikayat_twitter.settings import TwitterSettings


def _client(channel: Channel, client: httpx.AsyncClient) -> XClient:
    s = channel.settings
    assert isinstance(s, TwitterSettings)
    return XClient(client, s.base_url, s.bearer_token.get_secret_value(),
                   s.user_token.get_secret_value() if s.user_token else None)


class TwitterPlatform(Platform):
    name = PLATFORM
    capabilities = frozenset({Capability.FETCH, Capability.REPLY})
    settings_model = TwitterSettings

    def normalize(self, raw: RawPost) -> Complaint:
        return normalize_post(raw)

    def split(self, payload: bytes, channel: str | None = None) -> list[RawPost]:
        post, _ = load(payload)
        return [RawPost(platform=PLATFORM, external_id=external_id(post, payload), channel=channel,
                        payload=payload)]

    def own_account_ids(self, settings: ChannelSettings) -> frozenset[str]:
        assert isinstance(settings, TwitterSettings)
        return frozenset({settings.user_id, *settings.own_user_ids})

    def fit_reply(self, value: str) -> str:
        return text.fit(value)

    def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
        return TwitterFetcher(channel, _client(channel, client))

    def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
        return TwitterReplier(channel, _client(channel, client))
