"""The fake X server behaves like the documented API, and the real plugin collects from it."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from shikayat import Channel, ReplyIntent
from shikayat_twitter import TwitterPlatform
from shikayat_twitter.fake import FakeX, run_fake_x
from shikayat_twitter.settings import TwitterSettings


@pytest.fixture(autouse=True)
def _tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("F_BEARER", "fake-bearer")
    monkeypatch.setenv("F_USER", "fake-user-token")


def channel(base_url: str = "http://fake", **extra: Any) -> Channel:
    return Channel("up_x", "twitter", TwitterSettings.model_validate({
        "platform": "twitter", "bearer_token": "env:F_BEARER", "user_token": "env:F_USER",
        "user_id": "1000000000000000001", "base_url": base_url, "max_results": 10, **extra}))


def asgi(fake: FakeX) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app))


async def test_pages_since_id_and_includes() -> None:
    fake = FakeX()
    posts = [fake.add_post(f"c{i}", f"@uppolice complaint {i}") for i in range(25)]
    fake.add_post("someone", "not for us")
    async with asgi(fake) as http:
        r1 = await http.get("http://fake/2/users/1000000000000000001/mentions",
                            params={"max_results": 10, "expansions": "author_id"},
                            headers={"Authorization": "Bearer fake-bearer"})
        body = r1.json()
        assert [p["id"] for p in body["data"]] == [p["id"] for p in reversed(posts)][:10]
        assert body["meta"]["newest_id"] == posts[-1]["id"] and "next_token" in body["meta"]
        assert {u["username"] for u in body["includes"]["users"]} == {f"c{i}" for i in range(15, 25)}
        assert int(r1.headers["x-rate-limit-remaining"]) == fake.rate_limit - 1
        r2 = await http.get("http://fake/2/users/1000000000000000001/mentions",
                            params={"max_results": 10, "since_id": posts[20]["id"]},
                            headers={"Authorization": "Bearer fake-bearer"})
        assert [p["id"] for p in r2.json()["data"]] == [p["id"] for p in reversed(posts[21:])]
        bad = await http.get("http://fake/2/users/1000000000000000001/mentions",
                             headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401 and bad.json()["title"] == "Unauthorized"


async def test_the_plugin_collects_every_mention_once_across_overlapping_polls() -> None:
    fake = FakeX()
    for i in range(23):
        fake.add_post(f"c{i}", f"@uppolice complaint {i}")
    seen: list[str] = []
    async with asgi(fake) as http:
        fetcher = TwitterPlatform().fetcher(channel(), http)
        cursor = None
        for _ in range(5):
            page = await fetcher.fetch(cursor)
            seen += [p.external_id for p in page.posts]
            cursor = page.cursor
            if not page.more:
                break
        for i in range(3):
            fake.add_post(f"late{i}", f"@uppolice late {i}")
        page = await fetcher.fetch(cursor)
        seen += [p.external_id for p in page.posts]
    assert sorted(seen) == sorted(p["id"] for p in fake.mentions())
    assert len(seen) == len(set(seen)) == 26


async def test_search_operators() -> None:
    fake = FakeX()
    a = fake.add_post("asha", "#TwitterSewa chain chheen li")
    fake.add_post("uppolice", "#twittersewa our own post")
    fake.add_post("ravi", "RT @asha: #TwitterSewa chain", repost_of=a["id"])
    fake.add_post("neha", "unrelated")
    async with asgi(fake) as http:
        r = await http.get("http://fake/2/tweets/search/recent", headers={"Authorization": "Bearer fake-bearer"},
                           params={"query": "#twittersewa -is:retweet -from:uppolice", "max_results": 10})
    assert [p["id"] for p in r.json()["data"]] == [a["id"]]


async def test_replies_duplicates_and_find_sent() -> None:
    fake = FakeX()
    post = fake.add_post("asha", "@uppolice help")
    async with asgi(fake) as http:
        replier = TwitterPlatform().replier(channel(), http)
        intent = ReplyIntent(outbox_id=1, complaint_id="c", docket="SK-AAAA-BBBB", kind="ack", channel="up_x",
                             text="registered SK-AAAA-BBBB", in_reply_to=post["id"], recipient=post["author_id"])
        sent = await replier.send(intent)
        assert fake.replies[0]["id"] == sent.platform_id
        assert fake.replies[0]["referenced_tweets"] == [{"type": "replied_to", "id": post["id"]}]
        from shikayat import FatalError

        with pytest.raises(FatalError, match="duplicate content"):
            await replier.send(intent)
        found = await replier.find_sent(intent)
        assert found is not None and found.platform_id == sent.platform_id


async def test_scripted_429_carries_rate_limit_headers() -> None:
    fake = FakeX()
    fake.fail_next("mentions", 429, reset_in=5)
    async with asgi(fake) as http:
        r = await http.get("http://fake/2/users/1000000000000000001/mentions",
                           headers={"Authorization": "Bearer fake-bearer"})
    assert r.status_code == 429 and r.headers["x-rate-limit-remaining"] == "0"
    assert int(time.time()) + 4 <= int(r.headers["x-rate-limit-reset"]) <= int(time.time()) + 6
    assert r.json()["type"].endswith("rate-limit-exceeded")


async def test_over_loopback() -> None:
    fake = FakeX()
    fake.add_post("asha", "@uppolice over the wire")
    running = run_fake_x(fake)
    try:
        async with httpx.AsyncClient() as http:
            page = await TwitterPlatform().fetcher(channel(running.base_url), http).fetch(None)
        assert [TwitterPlatform().normalize(p).text for p in page.posts] == ["@uppolice over the wire"]
    finally:
        running.stop()


def test_traffic_has_repeats_and_is_deterministic() -> None:
    from shikayat_twitter.traffic import COMPLAINTS, Traffic

    assert len(COMPLAINTS) >= 40
    texts = []
    for _ in range(2):
        fake = FakeX()
        Traffic(fake, seed=3).emit(200)
        texts.append([p["text"] for p in fake.posts])
    assert texts[0] == texts[1]
    fake = FakeX()
    Traffic(fake, seed=3).emit(200)
    kinds = {r["type"] for p in fake.posts for r in p.get("referenced_tweets", [])}
    assert {"retweeted", "quoted", "replied_to"} <= kinds
    by_text: dict[str, set[str]] = {}
    for p in fake.posts:
        by_text.setdefault(p["text"], set()).add(p["author_id"])
    assert any(len(a) > 1 for a in by_text.values())          # copy-paste waves
