"""Platform-neutral webhook machinery: signature checks, handshakes, the receiver registry.

Plugins' receivers use :func:`verify_hmac_sha256` (raw bytes, header name and encoding as
parameters) rather than each writing their own; the daemon mounts every registered receiver
at ``/webhooks/<channel>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from shikayat.errors import WebhookRejected
from shikayat.platforms import Channel, Platform, WebhookReceiver

MAX_BODY_BYTES = 1_000_000


def hmac_sha256(secret: bytes, body: bytes, encoding: Literal["hex", "base64"]) -> str:
    digest = hmac.new(secret, body, hashlib.sha256).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")


def verify_hmac_sha256(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: bytes,
    header: str,
    encoding: Literal["hex", "base64"],
    prefix: str = "sha256=",
) -> None:
    """Check ``header`` = prefix + HMAC-SHA256(secret, raw body) in constant time.

    Raises WebhookRejected when the header is missing, malformed or does not match.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    given = lowered.get(header.lower())
    if not given:
        raise WebhookRejected(f"missing {header} header")
    if not given.startswith(prefix):
        raise WebhookRejected(f"{header} header does not start with {prefix!r}")
    expected = prefix + hmac_sha256(secret, body, encoding)
    if not hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii")):
        raise WebhookRejected(f"{header} does not match the body")


@dataclass(frozen=True)
class Receiver:
    channel: Channel
    platform: Platform
    receiver: WebhookReceiver


@dataclass
class WebhookRoutes:
    """The route table: channel name → receiver. Filled by the daemon from enabled channels."""

    receivers: dict[str, Receiver] = field(default_factory=dict)
    max_body_bytes: int = MAX_BODY_BYTES

    def register(self, channel: Channel, platform: Platform) -> Receiver:
        from shikayat.plugins import check_webhook_receiver

        receiver = platform.webhook(channel)
        check_webhook_receiver(platform.name, receiver)
        entry = Receiver(channel, platform, receiver)
        self.receivers[channel.name] = entry
        return entry

    def get(self, channel: str) -> Receiver | None:
        return self.receivers.get(channel)
