"""A thin wrapper over an injected ``httpx.AsyncClient``: auth, rate-limit memory, and the one
function that maps X's responses onto Shikayat's error kinds."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import orjson

from shikayat.errors import AuthError, FatalError, PlatformError, RateLimited, RetryableError

logger = logging.getLogger(__name__)


def _problem(response: httpx.Response) -> tuple[str, str]:
    """(type, human text) from a v2 problem body or a legacy ``errors[]`` body."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:200]
    if not isinstance(body, dict):
        return "", str(body)[:200]
    kind = str(body.get("type") or "")
    detail = body.get("detail") or body.get("title")
    if not detail and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        detail = first.get("message") if isinstance(first, dict) else str(first)
    return kind, str(detail or response.reason_phrase)


def _reset_in(response: httpx.Response, now: float) -> float | None:
    reset = response.headers.get("x-rate-limit-reset")
    if reset and reset.isdigit():
        return max(int(reset) - now, 0.0)
    retry_after = response.headers.get("retry-after")
    if retry_after and retry_after.isdigit():
        return float(retry_after)
    return None


def error_for(response: httpx.Response, *, now: float | None = None) -> PlatformError | None:
    """The error a response means, or None for success. The one place X errors are mapped."""
    status = response.status_code
    if status < 400:
        return None
    kind, detail = _problem(response)
    message = f"X API {response.request.method} {response.request.url.path}: {status} {detail}"
    if status == 401:
        return AuthError(message, status=status, code=kind or None)
    if status == 429:
        if kind.endswith("usage-capped"):
            return FatalError(message + " (usage cap reached)", status=status, code=kind)
        return RateLimited(message, retry_after=_reset_in(response, time.time() if now is None else now),
                           status=status, code=kind or None)
    if status >= 500:
        return RetryableError(message, status=status, code=kind or None)
    return FatalError(message, status=status, code=kind or None)


class XClient:
    """Calls the X API v2 on behalf of one channel."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, bearer_token: str,
                 user_token: str | None = None) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self._bearer = bearer_token
        self._user = user_token
        self._exhausted: dict[str, float] = {}   # endpoint → unix time its window resets
        self.last_remaining: int | None = None

    async def request(self, method: str, path: str, *, endpoint: str, params: dict[str, Any] | None = None,
                      json: Any = None, user: bool = False) -> dict[str, Any]:
        reset = self._exhausted.get(endpoint)
        now = time.time()
        if reset is not None:
            if reset > now:
                raise RateLimited(f"X API {endpoint}: no requests left until the window resets",
                                  retry_after=reset - now, status=None)
            del self._exhausted[endpoint]
        token = self._user if user else self._bearer
        if token is None:
            raise AuthError("posting replies needs the channel's user_token (OAuth 2.0 user context)")
        try:
            response = await self.client.request(method, self.base_url + path, params=params, json=json,
                                                 headers={"Authorization": f"Bearer {token}"})
        except httpx.TimeoutException as exc:
            raise RetryableError(f"X API {endpoint}: timed out") from exc
        except httpx.TransportError as exc:
            raise RetryableError(f"X API {endpoint}: {type(exc).__name__}: {exc}") from exc
        self._remember(endpoint, response)
        error = error_for(response)
        if error is not None:
            raise error
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise RetryableError(f"X API {endpoint}: response is not JSON") from exc
        if not isinstance(body, dict):
            raise RetryableError(f"X API {endpoint}: response is not a JSON object")
        return body

    def _remember(self, endpoint: str, response: httpx.Response) -> None:
        remaining = response.headers.get("x-rate-limit-remaining")
        reset = response.headers.get("x-rate-limit-reset")
        if remaining is not None and remaining.isdigit():
            self.last_remaining = int(remaining)
            if int(remaining) == 0 and reset and reset.isdigit() and response.status_code != 429:
                self._exhausted[endpoint] = float(reset)
