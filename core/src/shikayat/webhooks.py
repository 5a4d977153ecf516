"""Platform-neutral webhook machinery: signature checks, handshakes, the receiver registry.

Plugins' receivers use these helpers rather than each writing their own:

* :func:`verify_hmac_sha256` — ``header = prefix + HMAC-SHA256(secret, raw body)`` (hex or
  base64), compared in constant time. Meta (Facebook, Instagram, WhatsApp):
  ``header="X-Hub-Signature-256", encoding="hex"``; X: ``"x-twitter-webhooks-signature"``,
  ``"base64"``.
* :func:`verify_hub_handshake` — the ``hub.mode`` / ``hub.verify_token`` / ``hub.challenge``
  subscription GET used by every Meta product: echoes the challenge when the token matches.
* :func:`check_timestamp` — refuses a delivery whose signed timestamp is missing, stale or
  from the future, for schemes that sign one (a replayed old delivery is then rejected).

Every helper raises :class:`~shikayat.errors.WebhookRejected`; the HTTP server answers it with
401 and stores nothing. The daemon mounts every registered receiver at
``/webhooks/<channel>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from shikayat.errors import WebhookRejected
from shikayat.platforms import Channel, Platform, WebhookReceiver, WebhookResponse

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


def verify_hub_handshake(query: Mapping[str, str], *, verify_token: str) -> WebhookResponse:
    """Answer a Meta-style subscription GET: ``hub.mode=subscribe``, ``hub.verify_token`` equal
    (constant time) to ``verify_token``, and a non-empty ``hub.challenge``, which is echoed as
    the plain-text body. Raises WebhookRejected otherwise."""
    if query.get("hub.mode") != "subscribe":
        raise WebhookRejected("hub.mode is not 'subscribe'")
    given = query.get("hub.verify_token", "")
    if not verify_token or not hmac.compare_digest(given.encode("utf-8"), verify_token.encode("utf-8")):
        raise WebhookRejected("hub.verify_token does not match")
    challenge = query.get("hub.challenge", "")
    if not challenge:
        raise WebhookRejected("hub.challenge is missing")
    return WebhookResponse(200, challenge.encode("utf-8"), "text/plain")


def check_timestamp(
    value: str | None,
    *,
    max_age: float = 300.0,
    now: float | None = None,
    what: str = "timestamp",
) -> float:
    """Check a delivery's signed unix timestamp (seconds) and return it.

    Raises WebhookRejected when ``value`` is missing or not a number, older than ``max_age``
    seconds, or more than ``max_age`` seconds in the future (a skewed or forged clock). Check
    the signature over the timestamp too, or a replay can simply carry a fresh one.
    """
    if not value:
        raise WebhookRejected(f"{what} is missing")
    try:
        stamp = float(value)
    except ValueError:
        raise WebhookRejected(f"{what} {value[:40]!r} is not a unix time") from None
    if stamp != stamp or stamp in (float("inf"), float("-inf")):
        raise WebhookRejected(f"{what} {value[:40]!r} is not a unix time")
    current = time.time() if now is None else now
    if current - stamp > max_age:
        raise WebhookRejected(f"{what} is {current - stamp:.0f}s old (stale; at most {max_age:.0f}s)")
    if stamp - current > max_age:
        raise WebhookRejected(f"{what} is {stamp - current:.0f}s in the future")
    return stamp


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
