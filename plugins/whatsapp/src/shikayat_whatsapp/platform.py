"""The WhatsApp platform: what it can do, and the objects it builds per channel.

WhatsApp pushes (``Capability.WEBHOOK``) and answers (``Capability.REPLY``); it has no fetcher:
the Cloud API offers no way to read past messages, so a delivery lost beyond Meta's seven days
of retries cannot be reconciled by polling.
"""

from __future__ import annotations

import httpx

from shikayat import (
    Capability,
    Channel,
    ChannelSettings,
    Complaint,
    DeliveryReport,
    Platform,
    RawPost,
    Replier,
)
from shikayat_facebook.graph import GraphClient
from shikayat_facebook.metahook import MetaWebhookReceiver
from shikayat_whatsapp import split
from shikayat_whatsapp.normalize import normalize_message, phone_pseudonym
from shikayat_whatsapp.replier import TEXT_LIMIT, WhatsAppReplier
from shikayat_whatsapp.settings import WhatsAppSettings


def graph_client(channel: Channel, client: httpx.AsyncClient) -> GraphClient:
    s = channel.settings
    assert isinstance(s, WhatsAppSettings)
    return s.graph_client(client, api="WhatsApp Cloud API")


class WhatsAppWebhookReceiver(MetaWebhookReceiver):
    """``/webhooks/<channel>`` for a business number: ``messages`` deliveries (messages and statuses)."""

    def __init__(self, channel: Channel) -> None:
        s = channel.settings
        assert isinstance(s, WhatsAppSettings)
        super().__init__(verify_token=s.verify_token.get_secret_value(), app_secret=s.app_secret.get_secret_value())
        self.channel = channel

    def split(self, body: bytes) -> list[RawPost]:
        return split.split_delivery(body, self.channel.name)


class WhatsAppPlatform(Platform):
    name = split.PLATFORM
    capabilities = frozenset({Capability.WEBHOOK, Capability.REPLY})
    settings_model = WhatsAppSettings

    def normalize(self, raw: RawPost) -> Complaint:
        return normalize_message(raw)

    def split(self, payload: bytes, channel: str | None = None) -> list[RawPost]:
        return split.split_payload(payload, channel)

    def delivery_reports(self, payload: bytes) -> list[DeliveryReport]:
        return split.delivery_reports(payload)

    def own_account_ids(self, settings: ChannelSettings) -> frozenset[str]:
        assert isinstance(settings, WhatsAppSettings)
        ids = {settings.phone_number_id}
        for other in [settings.display_phone_number, *settings.own_user_ids]:
            if other:
                ids.add(other)
                if other.lstrip("+").isdigit():
                    ids.add(phone_pseudonym(other))
        return frozenset(ids)

    def fit_reply(self, text: str) -> str:
        return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"

    def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
        return WhatsAppReplier(channel, graph_client(channel, client))

    def webhook(self, channel: Channel) -> WhatsAppWebhookReceiver:
        return WhatsAppWebhookReceiver(channel)
