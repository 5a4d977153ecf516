"""The Example Board platform: what it can do and the objects it builds per channel."""

from __future__ import annotations

import httpx

from shikayat import Capability, Channel, ChannelSettings, Complaint, Fetcher, Platform, RawPost, Replier
from shikayat_example.client import ExampleClient
from shikayat_example.fetcher import ExampleFetcher
from shikayat_example.normalize import PLATFORM, load, normalize_message, raw_post, split_delivery
from shikayat_example.replier import ExampleReplier
from shikayat_example.settings import ExampleSettings
from shikayat_example.webhook import ExampleWebhookParser


def _client(channel: Channel, client: httpx.AsyncClient) -> ExampleClient:
    assert isinstance(channel.settings, ExampleSettings)
    return ExampleClient(client, channel.settings)


class ExamplePlatform(Platform):
    name = PLATFORM
    capabilities = frozenset({Capability.FETCH, Capability.REPLY, Capability.WEBHOOK})
    settings_model = ExampleSettings
    receiver_class = ExampleWebhookParser

    def normalize(self, raw: RawPost) -> Complaint:
        return normalize_message(raw)

    def split(self, payload: bytes, channel: str | None = None) -> list[RawPost]:
        """A recorded payload is one message, or one webhook delivery (``{"events": [...]}``)."""
        data = load(payload)
        return split_delivery(data, channel) if "events" in data else [raw_post(data, channel)]

    def own_account_ids(self, settings: ChannelSettings) -> frozenset[str]:
        assert isinstance(settings, ExampleSettings)
        return frozenset({settings.account_id})

    def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
        return ExampleFetcher(_client(channel, client), channel.name)

    def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
        return ExampleReplier(_client(channel, client))
