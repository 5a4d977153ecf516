"""Helpers of the Instagram plugin's tests: a channel, fixtures, mock Graph responses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from pydantic import SecretStr

from shikayat import Channel
from shikayat_instagram.settings import InstagramSettings

FIXTURES = Path(__file__).parent / "fixtures"
IG_USER_ID = "17841400000000001"
APP_SECRET = "fake-app-secret"
VERIFY_TOKEN = "verify-me"


def make_channel(**extra: Any) -> Channel:
    settings = InstagramSettings.model_validate({
        "platform": "instagram", "ig_user_id": IG_USER_ID, "username": "lucknowpolice",
        "access_token": SecretStr("fake-page-token"), "app_secret": SecretStr(APP_SECRET),
        "verify_token": SecretStr(VERIFY_TOKEN),
        "base_url": "https://graph.example.test", **extra})
    return Channel("lko_ig", "instagram", settings)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture(name: str) -> Any:
    return orjson.loads(fixture_bytes(name))


def graph_ok(body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def graph_error(code: int, *, status: int = 400, subcode: int | None = None,
                headers: dict[str, str] | None = None) -> httpx.Response:
    err: dict[str, Any] = {"message": f"(#{code}) refused", "type": "OAuthException", "code": code,
                           "fbtrace_id": "FakeTrace"}
    if subcode is not None:
        err["error_subcode"] = subcode
    return httpx.Response(status, json={"error": err}, headers=headers or {})


def mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))
