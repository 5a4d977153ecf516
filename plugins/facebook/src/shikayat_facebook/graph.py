"""The Meta Graph API client shared by the Facebook, Instagram and WhatsApp plugins.

* :class:`GraphClient` calls ``{base_url}/{version}/{path}`` with a page / system-user token
  (``Authorization: Bearer``; ``appsecret_proof`` when the app secret is known), remembers the
  usage headers of the last response (:class:`Usage`) and maps every failure through
  :func:`error_for`, the one place where Graph errors become :mod:`shikayat.errors` kinds.
* :func:`next_after` reads cursor paging (``paging.cursors.after`` while ``paging.next`` exists).
* The webhook side (handshake, ``X-Hub-Signature-256``, splitting a delivery) is in
  :mod:`shikayat_facebook.metahook`.

Meta signals throttling mostly by the ``code`` in the error body with HTTP 400/403, not by
429; the retry time comes from ``X-Business-Use-Case-Usage`` (``estimated_time_to_regain_access``,
minutes) when given. Ids stay strings throughout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from shikayat.errors import AuthError, FatalError, PlatformError, RateLimited, RetryableError
from shikayat.webhooks import hmac_sha256

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v23.0"

THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, *range(80001, 80015), 130429, 131056, 131048})
"""App, user, Page, custom and Business-Use-Case limits; WhatsApp throughput, pair and spam limits."""
AUTH_CODES = frozenset({190, 102, 10, *range(200, 300)})
"""Dead or invalid token (190, 102), missing or revoked permission (10, 200-299)."""
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016})
"""Unknown / temporary service problems: retry with backoff."""
PERMANENT_SUBCODES = frozenset({2018278, 2018108, 2018109})
"""Messenger refusals for one message (outside the allowed window, person unavailable): the
message cannot be sent, but the credentials are fine — permanent for the message only."""


@dataclass(frozen=True)
class GraphError:
    """The ``error`` object of a Graph API error body."""

    message: str
    type: str | None = None
    code: int | None = None
    subcode: int | None = None
    fbtrace_id: str | None = None
    is_transient: bool = False


def parse_error(response: httpx.Response) -> GraphError | None:
    """The error envelope ``{"error": {...}}`` of a response, or None when there is none."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    err = body["error"]

    def _int(value: Any) -> int | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return None

    return GraphError(
        message=str(err.get("message") or ""),
        type=str(err["type"]) if err.get("type") is not None else None,
        code=_int(err.get("code")),
        subcode=_int(err.get("error_subcode")),
        fbtrace_id=str(err["fbtrace_id"]) if err.get("fbtrace_id") is not None else None,
        is_transient=err.get("is_transient") is True,
    )


@dataclass(frozen=True)
class Usage:
    """What the usage headers of one response said.

    ``percent`` is the highest of the ``call_count`` / ``total_cputime`` / ``total_time``
    percentages over ``X-App-Usage`` and every ``X-Business-Use-Case-Usage`` entry (100 means
    throttled); ``regain_seconds`` is the longest ``estimated_time_to_regain_access`` (given in
    minutes) converted to seconds, when any entry gave one.
    """

    app: Mapping[str, float] = field(default_factory=dict)
    business: Mapping[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    percent: float | None = None
    regain_seconds: float | None = None

    @property
    def remaining_percent(self) -> int | None:
        """Headroom as a whole percentage (what a channel shows as its rate-limit room)."""
        return None if self.percent is None else max(0, 100 - round(self.percent))


_USAGE_KEYS = ("call_count", "total_cputime", "total_time")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def parse_usage(headers: Mapping[str, str]) -> Usage | None:
    """Read ``X-App-Usage`` and ``X-Business-Use-Case-Usage``; None when neither is present.

    Malformed header values are logged and ignored: they never fail a request.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    app_raw, buc_raw = lowered.get("x-app-usage"), lowered.get("x-business-use-case-usage")
    if app_raw is None and buc_raw is None:
        return None
    percents: list[float] = []
    regain: list[float] = []
    app: dict[str, float] = {}
    business: dict[str, list[Mapping[str, Any]]] = {}
    if app_raw is not None:
        try:
            parsed = orjson.loads(app_raw)
        except orjson.JSONDecodeError:
            parsed = None
            logger.debug("ignoring unreadable X-App-Usage header")
        if isinstance(parsed, dict):
            for key in _USAGE_KEYS:
                number = _number(parsed.get(key))
                if number is not None:
                    app[key] = number
                    percents.append(number)
    if buc_raw is not None:
        try:
            parsed = orjson.loads(buc_raw)
        except orjson.JSONDecodeError:
            parsed = None
            logger.debug("ignoring unreadable X-Business-Use-Case-Usage header")
        if isinstance(parsed, dict):
            for object_id, entries in parsed.items():
                if not isinstance(entries, list):
                    continue
                kept: list[Mapping[str, Any]] = [e for e in entries if isinstance(e, dict)]
                business[str(object_id)] = kept
                for entry in kept:
                    numbers = (_number(entry.get(k)) for k in _USAGE_KEYS)
                    percents += [n for n in numbers if n is not None]
                    minutes = _number(entry.get("estimated_time_to_regain_access"))
                    if minutes is not None and minutes > 0:
                        regain.append(minutes * 60.0)
    return Usage(app=app, business=business, percent=max(percents) if percents else None,
                 regain_seconds=max(regain) if regain else None)


def _retry_after_header(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def error_for(response: httpx.Response, *, api: str = "Graph API") -> PlatformError | None:
    """The error a response means, or None for success. The one place Graph errors are mapped.

    ========================================================  =============================
    error ``code`` (or HTTP status without an envelope)        kind
    ========================================================  =============================
    4, 17, 32, 341, 613, 80001-80014, 130429, 131056, 131048   RateLimited (usage headers)
    Messenger refusal subcodes (2018278 outside the window…)   FatalError (this message)
    190, 102 (token), 10, 200-299 (permission)                 AuthError
    1, 2, 131000, 131016, ``is_transient``, HTTP 5xx           RetryableError
    100, 368, 506, 551 and everything else                     FatalError
    no envelope: 401 / 403 → AuthError, 429 → RateLimited, 5xx → RetryableError
    ========================================================  =============================
    """
    status = response.status_code
    if status < 400:
        return None
    err = parse_error(response)
    where = f"{api} {response.request.method} {response.request.url.path}"
    if err is None:
        text = response.text[:200] if response.content else response.reason_phrase
        message = f"{where}: HTTP {status} {text}"
        if status in (401, 403):
            return AuthError(message, status=status)
        if status == 429:
            return RateLimited(message, retry_after=_retry_after_header(response), status=status)
        if status >= 500:
            return RetryableError(message, status=status)
        return FatalError(message, status=status)
    code = err.code
    label = f"code {code}" + (f"/{err.subcode}" if err.subcode is not None else "")
    message = f"{where}: HTTP {status} {label} {err.message}".rstrip()
    if err.fbtrace_id:
        message += f" (fbtrace_id {err.fbtrace_id})"
    code_text = str(code) if code is not None else None
    if code in THROTTLE_CODES:
        usage = parse_usage(response.headers)
        retry_after = usage.regain_seconds if usage and usage.regain_seconds else None
        retry_after = retry_after or _retry_after_header(response)
        return RateLimited(message, retry_after=retry_after, status=status, code=code_text)
    if err.subcode in PERMANENT_SUBCODES:
        return FatalError(message, status=status, code=code_text)
    if code in AUTH_CODES:
        return AuthError(message, status=status, code=code_text)
    if code in TRANSIENT_CODES or err.is_transient or status >= 500:
        return RetryableError(message, status=status, code=code_text)
    return FatalError(message, status=status, code=code_text)


def next_after(body: Mapping[str, Any]) -> str | None:
    """The ``after`` cursor of the next page, or None on the last page.

    Graph edges keep ``paging.cursors.after`` on the last page too; only ``paging.next``
    says another page exists.
    """
    paging = body.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return after if isinstance(after, str) and after else None


def data_list(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``data`` array of an edge response (objects only)."""
    data = body.get("data")
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


class GraphClient:
    """Calls the Graph API for one channel with an injected ``httpx.AsyncClient``."""

    def __init__(self, client: httpx.AsyncClient, *, access_token: str,
                 base_url: str = DEFAULT_BASE_URL, version: str = DEFAULT_VERSION,
                 app_secret: str | None = None, api: str = "Graph API") -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.version = version.strip("/")
        self.api = api
        self._token = access_token
        self._proof = (hmac_sha256(app_secret.encode(), access_token.encode(), "hex")
                       if app_secret else None)
        self.usage: Usage | None = None
        self._blocked_until: float | None = None

    def url(self, path: str) -> str:
        return f"{self.base_url}/{self.version}/{path.lstrip('/')}"

    @property
    def remaining(self) -> int | None:
        """Rate-limit headroom in percent from the last usage headers (None: unknown)."""
        return self.usage.remaining_percent if self.usage else None

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return await self.request("GET", path, params=params)

    async def post(self, path: str, json: Any = None,
                   params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return await self.request("POST", path, params=params, json=json)

    async def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                      json: Any = None) -> dict[str, Any]:
        """One call; returns the JSON object body or raises a :mod:`shikayat.errors` kind."""
        now = time.time()
        if self._blocked_until is not None:
            if self._blocked_until > now:
                raise RateLimited(f"{self.api}: throttled until the usage window regains access",
                                  retry_after=self._blocked_until - now, status=None)
            self._blocked_until = None
        query = dict(params or {})
        if self._proof is not None:
            query["appsecret_proof"] = self._proof
        try:
            response = await self.client.request(
                method, self.url(path), params=query or None, json=json,
                headers={"Authorization": f"Bearer {self._token}"})
        except httpx.TimeoutException as exc:
            raise RetryableError(f"{self.api} {method} {path}: timed out") from exc
        except httpx.TransportError as exc:
            raise RetryableError(
                f"{self.api} {method} {path}: {type(exc).__name__}: {exc}") from exc
        usage = parse_usage(response.headers)
        if usage is not None:
            self.usage = usage
        error = error_for(response, api=self.api)
        if error is not None:
            if isinstance(error, RateLimited) and error.retry_after:
                self._blocked_until = time.time() + error.retry_after
            raise error
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise RetryableError(f"{self.api} {method} {path}: response is not JSON") from exc
        if not isinstance(body, dict):
            raise RetryableError(f"{self.api} {method} {path}: response is not a JSON object")
        return body
