"""The Facebook Pages platform: what it can do, and the objects it builds per channel."""

from __future__ import annotations

import httpx

from shikayat import (
    Capability,
    Channel,
    ChannelSettings,
    Complaint,
    DeliveryReport,
    Fetcher,
    Platform,
    RawPost,
    Replier,
)
from shikayat_facebook.fetcher import FacebookFetcher
from shikayat_facebook.graph import GraphClient
from shikayat_facebook.metahook import MetaWebhookReceiver, echo_reports
from shikayat_facebook.normalize import normalize_post
from shikayat_facebook.replier import MESSENGER_TEXT_LIMIT, FacebookReplier
from shikayat_facebook.settings import FacebookSettings
from shikayat_facebook.split import OBJECT, PLATFORM, split_delivery, split_payload


def graph_client(channel: Channel, client: httpx.AsyncClient) -> GraphClient:
    s = channel.settings
    assert isinstance(s, FacebookSettings)
    return s.graph_client(client, api="Graph API")


class FacebookWebhookReceiver(MetaWebhookReceiver):
    """``/webhooks/<channel>`` for a Page: ``feed``, ``mention`` and Messenger deliveries."""

    def __init__(self, channel: Channel) -> None:
        s = channel.settings
        assert isinstance(s, FacebookSettings)
        super().__init__(verify_token=s.verify_token.get_secret_value(),
                         app_secret=s.app_secret.get_secret_value())
        self.channel = channel

    def split(self, body: bytes) -> list[RawPost]:
        return split_delivery(body, self.channel.name)


class FacebookPlatform(Platform):
    name = PLATFORM
    capabilities = frozenset({Capability.FETCH, Capability.WEBHOOK, Capability.REPLY})
    settings_model = FacebookSettings
    receiver_class = FacebookWebhookReceiver

    def normalize(self, raw: RawPost) -> Complaint:
        return normalize_post(raw)

    def split(self, payload: bytes, channel: str | None = None) -> list[RawPost]:
        return split_payload(payload, channel)

    def delivery_reports(self, payload: bytes) -> list[DeliveryReport]:
        """Our Messenger messages and private replies echoed back with their reply token."""
        return echo_reports(payload, expected_object=OBJECT)

    def own_account_ids(self, settings: ChannelSettings) -> frozenset[str]:
        assert isinstance(settings, FacebookSettings)
        return frozenset({settings.page_id, *settings.own_user_ids})

    def fit_reply(self, text: str) -> str:
        """Messenger's 2,000 characters bind every reply kind (comments allow more)."""
        return text if len(text) <= MESSENGER_TEXT_LIMIT else text[: MESSENGER_TEXT_LIMIT - 1] + "…"

    def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
        return FacebookFetcher(channel, graph_client(channel, client))

    def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
        return FacebookReplier(channel, graph_client(channel, client))
