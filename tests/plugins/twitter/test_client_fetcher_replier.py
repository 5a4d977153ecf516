"""The fetcher, replier and error mapping through httpx.MockTransport (no sockets)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from shikayat import AuthError, Channel, FatalError, RateLimited, ReplyIntent, RetryableError
from shikayat_twitter import TwitterPlatform
from shikayat_twitter.fetcher import stream_key
from shikayat_twitter.settings import TwitterSettings

FIXTURES = Path(__file__).parent / "fixtures"
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(autouse=True)
def _tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_BEARER", "bearer-1")
    monkeypatch.setenv("T_USER", "user-1")


def channel(**extra: Any) -> Channel:
    settings = TwitterSettings.model_validate({
        "platform": "twitter", "bearer_token": "env:T_BEARER", "user_token": "env:T_USER",
        "user_id": "1000000000000000001", "base_url": "https://api.x.test", **extra})
    return Channel("up_x", "twitter", settings)


def client(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def fixture(name: str) -> dict[str, Any]:
    return orjson.loads((FIXTURES / name).read_bytes())


def ok(body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"x-rate-limit-remaining": "440",
                                                      "x-rate-limit-reset": str(int(time.time()) + 900), **headers})


async def test_walks_pages_and_advances_since_only_after_the_last() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        token = request.url.params.get("pagination_token")
        return ok(fixture("fetch/mentions_page2.json") if token else fixture("fetch/mentions_page1.json"))

    fetcher = TwitterPlatform().fetcher(channel(), client(handler))
    page1 = await fetcher.fetch(None)
    assert [p.external_id for p in page1.posts] == ["1900000000000000302", "1900000000000000301"]
    assert page1.more and page1.cursor is not None
    assert "m.since" not in page1.cursor and page1.cursor["m.newest"] == "1900000000000000302"
    assert page1.rate_limit_remaining == 440
    q = seen[0].url.params
    assert seen[0].url.path == "/2/users/1000000000000000001/mentions"
    assert seen[0].headers["authorization"] == "Bearer bearer-1"
    assert "author_id" in q["expansions"] and "referenced_tweets.id" in q["expansions"]
    assert "created_at" in q["tweet.fields"] and "entities" in q["tweet.fields"] and q["max_results"] == "100"
    page2 = await fetcher.fetch(page1.cursor)
    assert seen[1].url.params["pagination_token"] == "7140dibdnow9c7btw4539n4vybdmx2e2pbwhd5vm6gr8z"
    assert not page2.more and page2.cursor is not None
    assert page2.cursor["m.since"] == "1900000000000000302"          # the walk's newest, not page 2's
    assert "m.next" not in page2.cursor
    await fetcher.fetch(page2.cursor)
    assert seen[2].url.params["since_id"] == "1900000000000000302"
    assert "pagination_token" not in seen[2].url.params


async def test_includes_are_split_per_post() -> None:
    fetcher = TwitterPlatform().fetcher(channel(), client(lambda r: ok(fixture("fetch/mentions_page1.json"))))
    page = await fetcher.fetch(None)
    first = orjson.loads(page.posts[0].payload)
    second = orjson.loads(page.posts[1].payload)
    assert [u["username"] for u in first["includes"]["users"]] == ["neha_s"]
    assert [u["username"] for u in second["includes"]["users"]] == ["vikas_y", "dgpup"]
    c = TwitterPlatform().normalize(page.posts[1])
    assert c.author.handle == "vikas_y" and c.mentions == ("uppolice", "dgpup")


async def test_resumes_a_walk_from_the_stored_cursor() -> None:
    seen: list[httpx.Request] = []
    fetcher = TwitterPlatform().fetcher(channel(), client(lambda r: (seen.append(r), ok(fixture("fetch/mentions_page2.json")))[1]))
    cursor = {"m.since": "1900000000000000100", "m.next": "tok-2", "m.newest": "1900000000000000302", "at": "m"}
    page = await fetcher.fetch(cursor)
    assert seen[0].url.params["pagination_token"] == "tok-2" and seen[0].url.params["since_id"] == "1900000000000000100"
    assert page.cursor is not None and page.cursor["m.since"] == "1900000000000000302"


async def test_a_token_that_does_not_advance_is_an_error() -> None:
    body = fixture("fetch/mentions_page1.json")
    body["meta"]["next_token"] = "same"
    fetcher = TwitterPlatform().fetcher(channel(), client(lambda r: ok(body)))
    with pytest.raises(FatalError, match="did not advance"):
        await fetcher.fetch({"m.next": "same", "at": "m"})


async def test_search_streams_follow_the_mentions_stream() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({"meta": {"result_count": 0}})

    fetcher = TwitterPlatform().fetcher(channel(search_queries=["#twittersewa", '"UP Police" -is:retweet']),
                                        client(handler))
    cursor = None
    mores = []
    for _ in range(3):
        page = await fetcher.fetch(cursor)
        cursor, mores = page.cursor, [*mores, page.more]
    assert [r.url.path for r in seen] == ["/2/users/1000000000000000001/mentions", "/2/tweets/search/recent",
                                          "/2/tweets/search/recent"]
    assert [r.url.params.get("query") for r in seen[1:]] == ["#twittersewa", '"UP Police" -is:retweet']
    assert mores == [True, True, False]                      # a round ends after the last stream
    assert cursor is not None and cursor["at"] == "m" and stream_key("#twittersewa") != stream_key("x")


@pytest.mark.parametrize(("status", "body", "headers", "error", "match"), [
    (401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized", "type": "about:blank"}, {},
     AuthError, "401 Unauthorized"),
    (403, {"title": "Forbidden", "status": 403, "type": "about:blank",
           "detail": "You are not allowed to create a Tweet with duplicate content."}, {}, FatalError, "duplicate content"),
    (429, {"title": "Too Many Requests", "status": 429, "type": "https://api.x.com/2/problems/usage-capped",
           "detail": "Usage cap exceeded"}, {}, FatalError, "usage cap"),
    (503, {"title": "Service Unavailable"}, {}, RetryableError, "503"),
    (500, {"errors": [{"code": 131, "message": "Internal error"}]}, {}, RetryableError, "Internal error"),
    (400, {"title": "Invalid Request", "detail": "bad max_results"}, {}, FatalError, "bad max_results"),
])
async def test_http_errors_map_onto_the_taxonomy(status: int, body: Any, headers: dict[str, str],
                                                 error: type[Exception], match: str) -> None:
    fetcher = TwitterPlatform().fetcher(channel(), client(lambda r: httpx.Response(status, json=body, headers=headers)))
    with pytest.raises(error, match=match) as exc_info:
        await fetcher.fetch(None)
    assert type(exc_info.value) is error


async def test_429_carries_the_wait_until_reset() -> None:
    reset = int(time.time()) + 120
    fetcher = TwitterPlatform().fetcher(channel(), client(lambda r: httpx.Response(
        429, json={"title": "Too Many Requests"}, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})))
    with pytest.raises(RateLimited) as err:
        await fetcher.fetch(None)
    assert err.value.retry_after is not None and 115 <= err.value.retry_after <= 120


async def test_timeouts_and_bad_json_are_retryable() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(RetryableError, match="timed out"):
        await TwitterPlatform().fetcher(channel(), client(boom)).fetch(None)
    with pytest.raises(RetryableError, match="not JSON"):
        await TwitterPlatform().fetcher(channel(), client(lambda r: httpx.Response(200, content=b"<html>"))).fetch(None)


async def test_an_exhausted_window_is_respected_before_sending() -> None:
    calls: list[httpx.Request] = []
    reset = int(time.time()) + 60
    body = fixture("fetch/mentions_page1.json")
    body["meta"].pop("next_token")
    fetcher = TwitterPlatform().fetcher(channel(), client(lambda r: (calls.append(r), ok(
        body, **{"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}))[1]))
    await fetcher.fetch(None)
    with pytest.raises(RateLimited) as err:
        await fetcher.fetch(None)
    assert len(calls) == 1 and err.value.retry_after is not None and err.value.retry_after > 50


def intent(**kw: Any) -> ReplyIntent:
    base: dict[str, Any] = dict(outbox_id=1, complaint_id="c1", docket="SK-7K3M-Q2ZD", kind="ack", channel="up_x",
                                text="Your complaint is registered, reference SK-7K3M-Q2ZD.",
                                in_reply_to="1900000000000000302", recipient="1000000000000000051")
    base.update(kw)
    return ReplyIntent(**base)


async def test_reply_sends_exactly_one_request_with_the_user_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({"data": {"id": "1900000000000000999", "text": "…", "edit_history_tweet_ids": ["1"]}}, 201)

    sent = await TwitterPlatform().replier(channel(), client(handler)).send(intent())
    assert sent.platform_id == "1900000000000000999"
    assert len(seen) == 1 and seen[0].method == "POST" and seen[0].url.path == "/2/tweets"
    assert seen[0].headers["authorization"] == "Bearer user-1"
    assert orjson.loads(seen[0].content) == {"text": intent().text,
                                             "reply": {"in_reply_to_tweet_id": "1900000000000000302"}}


async def test_reply_without_a_user_token_is_an_auth_error() -> None:
    ch = Channel("up_x", "twitter", TwitterSettings.model_validate({
        "platform": "twitter", "bearer_token": "env:T_BEARER", "user_id": "1", "base_url": "https://api.x.test"}))
    with pytest.raises(AuthError, match="user_token"):
        await TwitterPlatform().replier(ch, client(lambda r: ok({}))).send(intent())


async def test_find_sent_finds_only_our_reply_carrying_the_docket() -> None:
    timeline = {"data": [
        {"id": "11", "text": "unrelated", "referenced_tweets": [{"type": "replied_to", "id": "1900000000000000302"}]},
        {"id": "12", "text": "registered SK-7K3M-Q2ZD", "referenced_tweets": [{"type": "quoted", "id": "1900000000000000302"}]},
        {"id": "13", "text": "registered SK-7K3M-Q2ZD", "referenced_tweets": [{"type": "replied_to", "id": "1900000000000000302"}]},
    ], "meta": {"result_count": 3}}
    replier = TwitterPlatform().replier(channel(), client(lambda r: ok(timeline)))
    found = await replier.find_sent(intent())
    assert found is not None and found.platform_id == "13"
    assert await replier.find_sent(intent(in_reply_to="42")) is None


def test_settings_validate_queries_and_ids() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="longer than 512"):
        channel(search_queries=["x" * 600])
    with pytest.raises(ValidationError, match="user_id"):
        TwitterSettings.model_validate({"platform": "twitter", "bearer_token": "env:T_BEARER", "user_id": "abc"})


def test_entry_point_resolves_to_the_platform() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="shikayat") if e.name == "twitter"]
    module = ep.load()
    (platform,) = module.register_platforms()
    assert isinstance(platform, TwitterPlatform) and ep.dist is not None and ep.dist.name == "shikayat-twitter"
