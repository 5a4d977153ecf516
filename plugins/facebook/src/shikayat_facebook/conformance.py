"""The Meta scheme for Shikayat's platform conformance suite (:mod:`shikayat.testing`).

The Facebook, Instagram and WhatsApp plugins (and any other Graph API platform) opt into the
suite with :func:`meta_suite_config`, which sets the :class:`~shikayat.testing.SuiteConfig`
knobs the way Meta behaves:

* :func:`sign_meta` — ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``;
* :func:`hub_handshake_query` — ``hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``
  (the suite also sends a wrong ``hub.verify_token``);
* :func:`graph_error_response` — errors as Graph error envelopes
  (``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``): an expired token
  is code 190 with HTTP 400 (not 401), a missing permission code 200 with HTTP 403, an invalid
  request code 100, throttling a Business Use Case code (80001 Pages, 80002 Instagram…) with
  HTTP 400 and the wait in ``X-Business-Use-Case-Usage`` (``estimated_time_to_regain_access``,
  minutes), and server trouble codes 1 / 2 with HTTP 500 / 503.

The settings model must have ``app_secret`` and ``verify_token`` secret fields. Nothing here
needs pytest; the suite itself is imported only by the plugin's tests.
"""

from __future__ import annotations

import math
from typing import Any

import httpx
import orjson
from pydantic import SecretStr

from shikayat.platforms import ChannelSettings
from shikayat.testing.config import ErrorResponse, SuiteConfig
from shikayat.webhooks import hmac_sha256
from shikayat_facebook.fakegraph import error_body
from shikayat_facebook.metahook import SIGNATURE_HEADER

PAGES_THROTTLE = 80001
"""Business Use Case rate limit of the Pages API."""
INSTAGRAM_THROTTLE = 80002
"""Business Use Case rate limit of the Instagram API."""


def _secret(settings: ChannelSettings, name: str) -> str:
    value = getattr(settings, name, None)
    if not isinstance(value, SecretStr):
        raise TypeError(f"{type(settings).__name__} has no secret field {name!r}: the Meta scheme needs it")
    return value.get_secret_value()


def sign_meta(body: bytes, settings: ChannelSettings, at: float) -> dict[str, str]:
    """The headers Meta signs a delivery with (the time is not signed)."""
    return {SIGNATURE_HEADER: "sha256=" + hmac_sha256(_secret(settings, "app_secret").encode(), body, "hex")}


def hub_handshake_query(settings: ChannelSettings, challenge: str) -> dict[str, str]:
    """The verification GET Meta sends when a webhook subscription is saved."""
    return {"hub.mode": "subscribe", "hub.verify_token": _secret(settings, "verify_token"),
            "hub.challenge": challenge}


def _business_usage(object_id: str, kind: str, minutes: int) -> str:
    entry = {"type": kind, "call_count": 100, "total_cputime": 20, "total_time": 30,
             "estimated_time_to_regain_access": minutes}
    return orjson.dumps({object_id: [entry]}).decode()


def graph_error_response(*, throttle_code: int = PAGES_THROTTLE, usage_type: str = "pages",
                         object_id: str = "100000000000001") -> ErrorResponse:
    """An ``error_response`` knob answering as the Graph API does for each HTTP condition.

    ``throttle_code`` and ``usage_type`` name the Business Use Case limit the platform's calls
    count against; ``object_id`` is the object the usage header reports on.
    """

    def respond(status: int, retry_after: float) -> httpx.Response:
        body: dict[str, Any]
        headers: dict[str, str] = {}
        sent = status
        if status == 401:
            sent = 400
            body = error_body(190, "Error validating access token: Session has expired.", subcode=463)
        elif status == 403:
            body = error_body(200, "(#200) Permissions error", kind="OAuthException")
        elif status == 429:
            sent = 400
            minutes = max(1, math.ceil(retry_after / 60))
            body = error_body(throttle_code, f"(#{throttle_code}) There have been too many calls "
                                             "from this business account.")
            headers["X-Business-Use-Case-Usage"] = _business_usage(object_id, usage_type, minutes)
        elif status == 503:
            body = error_body(2, "Service temporarily unavailable", transient=True)
        elif status >= 500:
            body = error_body(1, "An unknown error has occurred.", kind="OAuthException", transient=False)
        else:
            body = error_body(100, "(#100) Invalid parameter", subcode=33, kind="GraphMethodException")
        return httpx.Response(sent, content=orjson.dumps(body), headers={
            "Content-Type": "application/json", "WWW-Authenticate": 'OAuth "Facebook Platform"', **headers})

    return respond


def meta_suite_config(*, throttle_code: int = PAGES_THROTTLE, usage_type: str = "pages",
                      object_id: str = "100000000000001", **knobs: Any) -> SuiteConfig:
    """A :class:`SuiteConfig` for a Graph API platform; ``knobs`` set the rest (reply id…).

    The 429 case waits a whole number of minutes (Meta's unit), one minute by default.
    """
    knobs.setdefault("retry_after", 60.0)
    return SuiteConfig(sign=sign_meta, handshake_query=hub_handshake_query,
                       handshake_token_param="hub.verify_token",
                       error_response=graph_error_response(throttle_code=throttle_code, usage_type=usage_type,
                                                           object_id=object_id),
                       **knobs)
