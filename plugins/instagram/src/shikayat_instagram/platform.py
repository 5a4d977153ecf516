"""The Instagram platform: what it can do, and the objects it builds per channel."""

from __future__ import annotations

import threading

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
from shikayat_facebook.graph import GraphClient
from shikayat_facebook.metahook import MetaWebhookReceiver, echo_reports
from shikayat_instagram.fetcher import InstagramFetcher
from shikayat_instagram.hydrate import MentionQueue
from shikayat_instagram.normalize import normalize_post
from shikayat_instagram.replier import InstagramReplier, fit
from shikayat_instagram.settings import InstagramSettings
from shikayat_instagram.split import OBJECT, PLATFORM, split_delivery, split_payload


def graph_client(channel: Channel, client: httpx.AsyncClient) -> GraphClient:
    s = channel.settings
    assert isinstance(s, InstagramSettings)
    return s.graph_client(client, api="Instagram Graph API")


class InstagramWebhookReceiver(MetaWebhookReceiver):
    """``/webhooks/<channel>``: ``comments``, ``live_comments``, ``mentions`` and messaging.

    Handshake and ``X-Hub-Signature-256`` are the shared Meta scheme; ``mentions`` stubs are
    queued for the channel's fetcher to look up.
    """

    def __init__(self, channel: Channel, mentions: MentionQueue) -> None:
        s = channel.settings
        assert isinstance(s, InstagramSettings)
        super().__init__(verify_token=s.verify_token.get_secret_value(),
                         app_secret=s.app_secret.get_secret_value())
        self.channel = channel
        self.mentions = mentions

    def split(self, body: bytes) -> list[RawPost]:
        found = split_delivery(body, self.channel.name)
        self.mentions.add(found.mentions)
        return found.posts


class InstagramPlatform(Platform):
    name = PLATFORM
    capabilities = frozenset({Capability.FETCH, Capability.WEBHOOK, Capability.REPLY})
    settings_model = InstagramSettings

    def __init__(self) -> None:
        self._queues: dict[str, MentionQueue] = {}
        self._lock = threading.Lock()

    def mention_queue(self, channel: str) -> MentionQueue:
        """The queue a channel's receiver fills and its fetcher drains."""
        with self._lock:
            return self._queues.setdefault(channel, MentionQueue())

    def normalize(self, raw: RawPost) -> Complaint:
        return normalize_post(raw)

    def split(self, payload: bytes, channel: str | None = None) -> list[RawPost]:
        return split_payload(payload, channel)

    def delivery_reports(self, payload: bytes) -> list[DeliveryReport]:
        """Our direct messages and private replies echoed back with their reply token."""
        return echo_reports(payload, expected_object=OBJECT)

    def own_account_ids(self, settings: ChannelSettings) -> frozenset[str]:
        assert isinstance(settings, InstagramSettings)
        return frozenset({settings.ig_user_id, *settings.own_user_ids})

    def fit_reply(self, text: str) -> str:
        """Short enough for every reply kind: a public comment reply (our 300 characters) and a
        message (999 UTF-8 bytes); see :mod:`shikayat_instagram.replier` for the sources."""
        return fit(text)

    def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
        return InstagramFetcher(channel, graph_client(channel, client), self.mention_queue(channel.name))

    def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
        return InstagramReplier(channel, graph_client(channel, client))

    def webhook(self, channel: Channel) -> InstagramWebhookReceiver:
        return InstagramWebhookReceiver(channel, self.mention_queue(channel.name))
