"""The shared Graph API client and Meta webhook scheme: error mapping, usage headers, paging,
appsecret_proof, handshake, X-Hub-Signature-256 and delivery splitting."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
import pytest

from shikayat import (
    AuthError,
    FatalError,
    RateLimited,
    RetryableError,
    UnparseablePayload,
    WebhookRejected,
)
from shikayat.errors import PlatformError
from shikayat.webhooks import hmac_sha256
from shikayat_facebook.graph import GraphClient, error_for, next_after, parse_usage
from shikayat_facebook.metahook import (
    MESSAGING,
    delivery_items,
    handshake,
    single_delivery,
    verify_signature,
)


def _response(status: int, body: Any = None, *, content: bytes | None = None, **headers: str) -> httpx.Response:
    request = httpx.Request("GET", "https://graph.test/v23.0/111/feed")
    if content is None:
        content = orjson.dumps(body)
    return httpx.Response(status, content=content, headers=headers, request=request)


def _envelope(code: int, subcode: int | None = None, **extra: Any) -> dict[str, Any]:
    err: dict[str, Any] = {"message": f"scripted {code}", "type": "OAuthException", "code": code,
                           "fbtrace_id": "AbCdEf123"}
    if subcode is not None:
        err["error_subcode"] = subcode
    err.update(extra)
    return {"error": err}


@pytest.mark.parametrize(("status", "code", "subcode", "kind"), [
    (400, 4, None, RateLimited),            # app too many calls
    (400, 17, None, RateLimited),           # user too many calls
    (400, 32, None, RateLimited),           # page-level
    (400, 613, None, RateLimited),          # custom limit
    (400, 341, None, RateLimited),
    (400, 80001, None, RateLimited),        # Pages BUC
    (400, 80006, None, RateLimited),        # Messenger BUC
    (400, 80009, None, RateLimited),
    (400, 130429, None, RateLimited),       # WhatsApp throughput
    (400, 131048, None, RateLimited),       # WhatsApp spam rate limit: slow down
    (400, 190, 463, AuthError),             # token expired
    (400, 190, 460, AuthError),             # password changed
    (400, 102, None, AuthError),
    (403, 10, None, AuthError),             # permission
    (403, 200, None, AuthError),
    (403, 299, None, AuthError),
    (400, 10, 2018278, FatalError),         # Messenger: outside the allowed window
    (500, 1, None, RetryableError),
    (503, 2, None, RetryableError),
    (400, 100, 33, FatalError),             # invalid parameter / object gone
    (400, 368, None, FatalError),           # blocked for policy
    (400, 506, None, FatalError),           # duplicate post
    (400, 551, None, FatalError),           # person unavailable
    (500, 99999, None, RetryableError),     # an unknown code on a 5xx is still transient
])
def test_error_envelope_table(status: int, code: int, subcode: int | None, kind: type[PlatformError]) -> None:
    error = error_for(_response(status, _envelope(code, subcode)))
    assert type(error) is kind
    assert error is not None and error.code == str(code) and error.status == status
    assert "AbCdEf123" in str(error) and f"code {code}" in str(error)


def test_is_transient_makes_an_otherwise_permanent_code_retryable() -> None:
    assert type(error_for(_response(400, _envelope(100, is_transient=True)))) is RetryableError


@pytest.mark.parametrize(("status", "kind"), [(401, AuthError), (403, AuthError), (429, RateLimited),
                                              (502, RetryableError), (404, FatalError)])
def test_status_without_envelope(status: int, kind: type[PlatformError]) -> None:
    assert type(error_for(_response(status, content=b"<html>oops</html>"))) is kind


def test_success_is_no_error() -> None:
    assert error_for(_response(200, {"data": []})) is None


def test_throttle_retry_time_comes_from_the_business_use_case_header() -> None:
    buc = {"111": [{"type": "pages", "call_count": 100, "total_cputime": 12, "total_time": 30,
                    "estimated_time_to_regain_access": 7}]}
    error = error_for(_response(400, _envelope(80001), **{"X-Business-Use-Case-Usage": orjson.dumps(buc).decode()}))
    assert isinstance(error, RateLimited) and error.retry_after == 7 * 60
    plain = error_for(_response(400, _envelope(4), **{"X-App-Usage": '{"call_count":100}'}))
    assert isinstance(plain, RateLimited) and plain.retry_after is None


def test_usage_headers_are_parsed_and_malformed_ones_ignored() -> None:
    usage = parse_usage({"X-App-Usage": '{"call_count": 28, "total_time": 25, "total_cputime": 25}',
                         "x-business-use-case-usage": '{"111": [{"type": "pages", "call_count": 61, '
                                                      '"total_cputime": 5, "total_time": 9, '
                                                      '"estimated_time_to_regain_access": 0}]}'})
    assert usage is not None
    assert usage.app == {"call_count": 28.0, "total_cputime": 25.0, "total_time": 25.0}
    assert usage.percent == 61 and usage.remaining_percent == 39 and usage.regain_seconds is None
    assert usage.business["111"][0]["type"] == "pages"
    assert parse_usage({}) is None
    broken = parse_usage({"X-App-Usage": "not json"})
    assert broken is not None and broken.percent is None


def test_next_after_follows_paging_next_only() -> None:
    assert next_after({"paging": {"cursors": {"before": "b", "after": "a1"}, "next": "https://x/next"}}) == "a1"
    assert next_after({"paging": {"cursors": {"before": "b", "after": "a1"}}}) is None   # last page
    assert next_after({"data": []}) is None


async def test_client_sends_version_token_and_appsecret_proof_and_records_usage() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "1"}, headers={"X-App-Usage": '{"call_count": 10}'})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        graph = GraphClient(http, access_token="tok", base_url="https://graph.test/", version="v24.0",
                            app_secret="shh")
        assert await graph.get("/111/feed", {"limit": 5}) == {"id": "1"}
    (request,) = seen
    assert request.url.path == "/v24.0/111/feed"
    assert request.headers["authorization"] == "Bearer tok"
    assert request.url.params["appsecret_proof"] == hmac_sha256(b"shh", b"tok", "hex")
    assert request.url.params["limit"] == "5"
    assert graph.remaining == 90


async def test_client_maps_errors_and_waits_out_a_throttle_without_calling() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        buc = '{"111": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 1}]}'
        return httpx.Response(400, json=_envelope(32), headers={"X-Business-Use-Case-Usage": buc})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        graph = GraphClient(http, access_token="tok", base_url="https://graph.test")
        with pytest.raises(RateLimited) as first:
            await graph.get("111/feed")
        assert first.value.retry_after == 60
        started = time.time()
        with pytest.raises(RateLimited) as second:          # refused locally, no request sent
            await graph.get("111/feed")
        assert calls == 1 and second.value.retry_after is not None
        assert 0 < second.value.retry_after <= 60 - (time.time() - started) + 0.01
    assert graph.remaining == 0


async def test_client_transport_failures_and_non_json_are_retryable() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(boom)) as http:
        with pytest.raises(RetryableError, match="ConnectError"):
            await GraphClient(http, access_token="t").get("me")
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200, text="hi"))) as http:
        with pytest.raises(RetryableError, match="not JSON"):
            await GraphClient(http, access_token="t").get("me")


# -- the webhook scheme ------------------------------------------------------------------------

def test_signature_matches_the_reference_vector() -> None:
    body = b'{"object":"page","entry":[]}'
    header = "sha256=acc30420dfb5b180cb3594a76472a0dae921b7552f94ead58b893c11e809c82c"
    verify_signature({"X-Hub-Signature-256": header}, body, "fake-app-secret")
    verify_signature({"x-hub-signature-256": header}, body, "fake-app-secret")   # any header case
    for headers, secret, payload in [
        ({"X-Hub-Signature-256": header}, "other-secret", body),
        ({"X-Hub-Signature-256": header}, "fake-app-secret", body + b" "),       # one byte more
        ({"X-Hub-Signature": "sha1=abc"}, "fake-app-secret", body),              # legacy header only
        ({"X-Hub-Signature-256": header.removeprefix("sha256=")}, "fake-app-secret", body),
    ]:
        with pytest.raises(WebhookRejected):
            verify_signature(headers, payload, secret)


def test_handshake_echoes_the_challenge_only_for_the_right_token() -> None:
    ok = handshake({"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "1158201444"}, "vt")
    assert ok.status == 200 and ok.body == b"1158201444"
    for query in [{"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
                  {"hub.mode": "unsubscribe", "hub.verify_token": "vt", "hub.challenge": "1"},
                  {"hub.mode": "subscribe", "hub.verify_token": "vt"},
                  {}]:
        with pytest.raises(WebhookRejected):
            handshake(query, "vt")


def test_delivery_items_flatten_entries_changes_and_messaging() -> None:
    body = orjson.dumps({"object": "page", "entry": [
        {"id": "111", "time": 1767225600, "changes": [
            {"field": "feed", "value": {"item": "comment", "comment_id": "2_3"}},
            {"field": "feed", "value": {"item": "post", "post_id": "111_4"}}]},
        {"id": "111", "time": 1767225600123, "messaging": [{"message": {"mid": "m_1"}}]},
        {"id": 17800000000000001, "field": "comments", "value": {"id": "179"}},      # IG sample shape
    ]})
    items = delivery_items(body, expected_object="page")
    assert [(i.field, i.entry_id) for i in items] == [("feed", "111"), ("feed", "111"), (MESSAGING, "111"),
                                                      ("comments", "17800000000000001")]
    again = delivery_items(single_delivery(items[2]))
    assert again == [items[2]]
    assert single_delivery(items[0]) == single_delivery(delivery_items(single_delivery(items[0]))[0])
    with pytest.raises(UnparseablePayload, match="not 'page'"):
        delivery_items(orjson.dumps({"object": "instagram", "entry": []}), expected_object="page")
    for bad in [b"nope", b"[]", b'{"entry": []}', b'{"object": "page"}', b'{"object":"page","entry":[1]}']:
        with pytest.raises(UnparseablePayload):
            delivery_items(bad)
