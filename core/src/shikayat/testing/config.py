"""The knobs a plugin sets for the conformance suite: :class:`SuiteConfig`.

Every knob has a default that fits a plain JSON API; a plugin changes only what its platform
does differently (how it signs webhooks, how its API shapes an error, which status a created
reply answers with). Paths are relative to the suite's ``fixtures_dir``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from shikayat.platforms import ChannelSettings

Signer = Callable[[bytes, ChannelSettings, float], Mapping[str, str]]
"""``(raw body, channel settings, unix time) -> headers`` that sign a webhook delivery."""
HandshakeQuery = Callable[[ChannelSettings, str], Mapping[str, str]]
"""``(channel settings, challenge) -> query`` of the platform's verification GET."""
HandshakeAnswer = Callable[[ChannelSettings, str], bytes]
"""``(channel settings, challenge) -> body`` the receiver must answer the handshake with."""
ErrorResponse = Callable[[int, float], httpx.Response]
"""``(HTTP status, retry-after seconds) -> response`` as the platform's API sends an error.

The status names the condition the suite tests (401 bad credentials, 403 forbidden, 400 bad
request, 429 rate limited, 5xx server trouble); a platform that signals a condition otherwise
answers as it really does (the Meta Graph API: HTTP 400 with error code 190 for a dead token,
or with a throttling code and ``X-Business-Use-Case-Usage`` for a rate limit)."""


def default_error_response(status: int, retry_after: float) -> httpx.Response:
    """A JSON error body; a 429 carries ``Retry-After``."""
    headers = {"Retry-After": str(int(retry_after))} if status == 429 else {}
    return httpx.Response(status, json={"error": {"code": status, "message": f"HTTP {status}"}},
                          headers=headers)


def echo_challenge(settings: ChannelSettings, challenge: str) -> bytes:
    """The usual handshake answer: the challenge itself (Meta's ``hub.challenge``)."""
    return challenge.encode("utf-8")


@dataclass(frozen=True)
class SuiteConfig:
    """How the conformance suite drives one platform. Set as ``config = SuiteConfig(...)``."""

    # -- fixtures (directories of *.json files, relative to fixtures_dir) --------------------
    payloads_dir: str = "payloads"
    """Recorded payloads as ``Platform.split`` accepts them (one post, or one delivery);
    each must normalize into a valid Complaint."""
    own_dir: str = "own"
    """Payloads authored by our own account (``settings`` must make them ours): never complaints."""
    fetch_dir: str = "fetch"
    """API response bodies the mock serves to the fetcher, one per request, in name order; the
    last one says that nothing more follows, the first one that more does."""
    webhook_dir: str = "webhook"
    """Webhook delivery bodies exactly as the platform POSTs them."""
    reply_file: str = "reply/sent.json"
    """The API's response body to a created reply."""

    # -- HTTP -----------------------------------------------------------------------------------
    response_headers: Mapping[str, str] = field(default_factory=dict)
    """Headers on every successful mock response (e.g. rate-limit headers your client reads)."""
    reply_status: int = 200
    """Status of the created-reply response (201 for many APIs)."""
    reply_id: str | None = None
    """The platform's id of the reply in ``reply_file``: what ``Replier.send`` must return."""
    error_response: ErrorResponse = default_error_response
    retry_after: float = 30.0
    """Seconds the 429 response asks to wait; ``RateLimited.retry_after`` must say so."""
    error_statuses: tuple[int, ...] = (400, 401, 403, 429, 500, 503)

    # -- webhooks (Capability.WEBHOOK) ----------------------------------------------------------
    sign: Signer | None = None
    handshake_query: HandshakeQuery | None = None
    handshake_answer: HandshakeAnswer = echo_challenge
    handshake_token_param: str | None = None
    """The query parameter carrying the verify token (Meta: ``hub.verify_token``); the suite
    sends a wrong one and expects a rejection. None: the handshake has no token."""
    signature_max_age: float | None = None
    """Seconds after which the receiver refuses a signed timestamp (None: it signs none)."""
