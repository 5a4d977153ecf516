"""Webhook deliveries: Meta-style handshake, a signature over the timestamp and the raw body."""

from __future__ import annotations

from collections.abc import Mapping

from shikayat import RawPost, WebhookReceiver, WebhookRejected, WebhookResponse
from shikayat.webhooks import check_timestamp, hmac_sha256, verify_hmac_sha256, verify_hub_handshake
from shikayat_example.normalize import load, split_delivery
from shikayat_example.settings import ExampleSettings

SIGNATURE = "X-Example-Signature"
TIMESTAMP = "X-Example-Timestamp"
MAX_AGE = 300.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Example-Signature`` value for a delivery."""
    return "v1=" + hmac_sha256(secret.encode(), timestamp.encode() + b"." + body, "hex")


class ExampleWebhookParser(WebhookReceiver):
    @property
    def settings(self) -> ExampleSettings:
        settings = self.channel.settings
        assert isinstance(settings, ExampleSettings)
        return settings

    def handshake(self, query: Mapping[str, str]) -> WebhookResponse:
        token = self.settings.verify_token
        if token is None:
            raise WebhookRejected("the channel has no verify_token")
        return verify_hub_handshake(query, verify_token=token.get_secret_value())

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        secret = self.settings.webhook_secret
        if secret is None:
            raise WebhookRejected("the channel has no webhook_secret")
        lowered = {k.lower(): v for k, v in headers.items()}
        stamp = lowered.get(TIMESTAMP.lower())
        check_timestamp(stamp, max_age=MAX_AGE, what=TIMESTAMP)
        assert stamp is not None
        verify_hmac_sha256(headers, stamp.encode() + b"." + body, secret=secret.get_secret_value().encode(),
                           header=SIGNATURE, encoding="hex", prefix="v1=")

    def split(self, body: bytes) -> list[RawPost]:
        return split_delivery(load(body), self.channel.name)
