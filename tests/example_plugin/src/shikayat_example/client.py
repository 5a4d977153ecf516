"""The HTTP client of one channel, and the one function mapping API errors to Shikayat's kinds."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from shikayat import AuthError, FatalError, PlatformError, RateLimited, RetryableError
from shikayat_example.settings import ExampleSettings


def error_for(response: httpx.Response) -> PlatformError | None:
    """The error a response means, or None for success."""
    status = response.status_code
    if status < 400:
        return None
    try:
        error = orjson.loads(response.content).get("error") or {}
    except (orjson.JSONDecodeError, AttributeError):
        error = {}
    code = str(error.get("code")) if isinstance(error, dict) and error.get("code") is not None else None
    message = f"Example API {response.request.method} {response.request.url.path}: {status}"
    if isinstance(error, dict) and error.get("message"):
        message += f" {error['message']}"
    if status == 401:
        return AuthError(message, status=status, code=code)
    if status == 429:
        after = response.headers.get("retry-after", "")
        return RateLimited(message, retry_after=float(after) if after.isdigit() else None, code=code)
    if status >= 500:
        return RetryableError(message, status=status, code=code)
    return FatalError(message, status=status, code=code)


class ExampleClient:
    def __init__(self, client: httpx.AsyncClient, settings: ExampleSettings) -> None:
        self.client = client
        self.settings = settings

    async def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.settings.api_token.get_secret_value()}"}
        try:
            response = await self.client.request(method, self.settings.base_url.rstrip("/") + path,
                                                 headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise RetryableError(f"Example API {path}: {type(exc).__name__}: {exc}") from exc
        error = error_for(response)
        if error is not None:
            raise error
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise RetryableError(f"Example API {path}: the response is not JSON") from exc
        if not isinstance(body, dict):
            raise RetryableError(f"Example API {path}: the response is not an object")
        return body
