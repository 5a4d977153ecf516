"""Reconciliation fetcher and replier through httpx.MockTransport (no sockets)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from shikayat import AuthError, Channel, FatalError, Fetcher, RateLimited, ReplyIntent
from shikayat_facebook import FacebookPlatform
from shikayat_facebook.fetcher import FacebookFetcher
from shikayat_facebook.platform import graph_client
from shikayat_facebook.settings import FacebookSettings

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = "100000000000001"
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FB_TOKEN", "page-token")
    monkeypatch.setenv("FB_APP_SECRET", "app-secret")
    monkeypatch.setenv("FB_VERIFY", "verify-me")


def channel(**extra: Any) -> Channel:
    settings = FacebookSettings.model_validate({
        "platform": "facebook", "page_id": PAGE, "access_token": "env:FB_TOKEN", "app_secret": "env:FB_APP_SECRET",
        "verify_token": "env:FB_VERIFY", "base_url": "https://graph.test", "page_size": 2,
        "lookback_hours": 24, "overlap_seconds": 600, **extra})
    return Channel("up_fb", "facebook", settings)


def client(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def fixture(name: str) -> Any:
    return orjson.loads((FIXTURES / name).read_bytes())


USAGE = {"X-App-Usage": '{"call_count": 12, "total_cputime": 3, "total_time": 4}'}


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body, headers=USAGE)


def fetcher_at(handler: Handler, now: float) -> Fetcher:
    return FacebookFetcher(channel(), graph_client(channel(), client(handler)), clock=lambda: now)


async def test_a_round_walks_feed_pages_then_each_posts_comments() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path, params = request.url.path, request.url.params
        if path == f"/v23.0/{PAGE}/feed":
            return ok(fixture("fetch/02_feed_page2.json") if params.get("after") else fixture("fetch/01_feed_page1.json"))
        if path == "/v23.0/100000000000001_222222222222222/comments":
            return ok(fixture("fetch/04_comments_222.json"))
        return ok({"data": []})

    now = 1_767_300_000
    fetcher = fetcher_at(handler, now)
    first = await fetcher.fetch(None)
    assert [p.external_id for p in first.posts] == ["100000000000001_444444444444444",
                                                    "100000000000001_222222222222222"]
    assert first.more and first.cursor is not None and first.cursor["after"] == "QVFIUmFmdGVyMQ"
    assert first.rate_limit_remaining == 88
    assert seen[0].url.params["since"] == str(now - 24 * 3600)
    cursor, pages = first.cursor, [first]
    while pages[-1].more:
        pages.append(await fetcher.fetch(cursor))
        cursor = pages[-1].cursor
    keys = [p.external_id for page in pages for p in page.posts]
    assert keys == ["100000000000001_444444444444444", "100000000000001_222222222222222",
                    "100000000000001_151515151515151",
                    "222222222222222_333333333333333", "222222222222222_161616161616161"]
    assert all(p.channel == "up_fb" for page in pages for p in page.posts)
    comment_calls = [r for r in seen if r.url.path.endswith("/comments")]
    assert [r.url.path.split("/")[2] for r in comment_calls] == [
        "100000000000001_444444444444444", "100000000000001_222222222222222", "100000000000001_151515151515151"]
    for r in comment_calls:
        assert r.url.params["filter"] == "stream" and r.url.params["order"] == "reverse_chronological"
        assert r.url.params["since"] == str(now - 24 * 3600)            # first round: the whole lookback
    assert cursor == {"done": str(now)}
    # the comments read here carry the post id, so they normalize with their thread
    comment = next(p for page in pages for p in page.posts if p.external_id == "222222222222222_161616161616161")
    assert FacebookPlatform().normalize(comment).thread.conversation_id == "100000000000001_222222222222222"

    # the next round reads comments only since the last round's start, minus the overlap
    seen.clear()
    later = fetcher_at(handler, now + 300)
    cursor2: Any = cursor
    more = True
    while more:
        page = await later.fetch(cursor2)
        cursor2, more = page.cursor, page.more
    since = {r.url.params["since"] for r in seen if r.url.path.endswith("/comments")}
    assert since == {str(now - 600)}
    assert cursor2 == {"done": str(now + 300)}


async def test_resuming_from_a_saved_cursor_continues_the_same_walk() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.path}?after={request.url.params.get('after')}")
        if request.url.path.endswith("/feed"):
            return ok(fixture("fetch/02_feed_page2.json") if request.url.params.get("after")
                      else fixture("fetch/01_feed_page1.json"))
        return ok({"data": []})

    first = await fetcher_at(handler, 1_767_300_000).fetch(None)
    seen.clear()
    resumed = fetcher_at(handler, 1_767_300_999)                    # a new process, the stored cursor
    second = await resumed.fetch(first.cursor)
    assert seen == [f"/v23.0/{PAGE}/feed?after=QVFIUmFmdGVyMQ"]
    assert [p.external_id for p in second.posts] == ["100000000000001_151515151515151"]
    assert second.cursor is not None and second.cursor["posts"].split() == [
        "100000000000001_444444444444444", "100000000000001_222222222222222", "100000000000001_151515151515151"]


async def test_a_cursor_that_does_not_advance_is_refused() -> None:
    stuck = {"data": [], "paging": {"cursors": {"after": "SAME"}, "next": "https://graph.test/next"}}
    fetcher = fetcher_at(lambda r: ok(stuck), 1_767_300_000)
    page = await fetcher.fetch(None)
    with pytest.raises(FatalError, match="did not advance"):
        await fetcher.fetch(page.cursor)


def _conversation(cid: str, updated: str, *messages: tuple[str, str, str]) -> dict[str, Any]:
    """A conversation as the conversations edge lists it: (mid, sender id, text) newest first."""
    return {"id": cid, "updated_time": updated, "messages": {"data": [
        {"id": mid, "message": text, "from": {"id": who, "name": "x"}, "created_time": updated}
        for mid, who, text in messages]}}


async def test_a_round_then_reads_posts_that_tag_the_page_and_recent_messenger_conversations() -> None:
    """After the feed and its comments: /tagged, then conversations newest first until one was last
    updated before the round's window; each message (not the Page's own) is keyed by its mid."""
    now = 1_767_300_000
    seen: list[httpx.Request] = []
    recent, old = "2026-01-01T20:00:00+0000", "2025-12-01T00:00:00+0000"          # 40 min / a month back
    first = {"data": [_conversation("t_1", recent, ("m_3", PAGE, "registered"), ("m_2", "5551", "UPI fraud")),
                      _conversation("t_2", recent, ("m_4", "5552", "chain snatching"))],
             "paging": {"cursors": {"after": "C1"}, "next": "https://graph.test/conversations?after=C1"}}
    second = {"data": [_conversation("t_3", old, ("m_9", "5553", "old news"))],
              "paging": {"cursors": {"after": "C2"}, "next": "https://graph.test/conversations?after=C2"}}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path.endswith("/tagged"):
            return ok(fixture("fetch/06_tagged.json"))
        if path.endswith("/conversations"):
            return ok(second if request.url.params.get("after") == "C1" else first)
        return ok({"data": []})

    fetcher = fetcher_at(handler, now)
    cursor: Any = None
    pages = []
    while not pages or pages[-1].more:
        pages.append(await fetcher.fetch(cursor))
        cursor = pages[-1].cursor
    keys = [p.external_id for page in pages for p in page.posts]
    assert keys == ["300000000000003_121212121212121", "m_2", "m_4"]          # not our m_3, not the old m_9
    assert [r.url.path.rsplit("/", 1)[-1] for r in seen] == ["feed", "tagged", "conversations", "conversations"]
    tagged, conversations = seen[1], seen[2]
    assert tagged.url.params["since"] == str(now - 24 * 3600) and "message_tags" in tagged.url.params["fields"]
    assert conversations.url.params["platform"] == "messenger"
    assert "messages.limit(25){id,message,from,created_time" in conversations.url.params["fields"]
    assert seen[3].url.params["after"] == "C1" and cursor == {"done": str(now)}
    # the same keys as the webhook path, and the same complaint: author (PSID), text, conversation
    platform = FacebookPlatform()
    read = platform.normalize(next(p for page in pages for p in page.posts if p.external_id == "m_2"))
    assert (read.author.id, read.text, read.thread.conversation_id) == ("5551", "UPI fraud", "5551")
    post = platform.normalize(pages[1].posts[0])
    assert post.text.startswith("UP Police please look") and post.author.id.startswith("anon:")  # no `from`


async def test_the_tagged_and_messenger_reads_can_be_turned_off_and_resume_from_their_cursor() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path.rsplit("/", 1)[-1])
        if request.url.path.endswith("/conversations") and not request.url.params.get("after"):
            return ok({"data": [_conversation("t_1", "2026-01-01T20:00:00+0000", ("m_2", "5551", "hi"))],
                       "paging": {"cursors": {"after": "C1"}, "next": "https://graph.test/next"}})
        return ok({"data": []})

    quiet = channel(reconcile_tagged=False, reconcile_messenger=False)
    page = await FacebookFetcher(quiet, graph_client(quiet, client(handler)), clock=lambda: 1_767_300_000).fetch(None)
    assert not page.more and seen == ["feed"]
    seen.clear()
    only_messenger = channel(reconcile_tagged=False)
    fetcher = FacebookFetcher(only_messenger, graph_client(only_messenger, client(handler)),
                              clock=lambda: 1_767_300_000)
    first = await fetcher.fetch(None)
    second = await fetcher.fetch(first.cursor)
    assert second.more and second.cursor is not None and second.cursor["phase"] == "conversations"
    seen.clear()
    resumed = await fetcher_at(handler, 1_767_300_500).fetch(dict(second.cursor))   # a new process
    assert seen == ["conversations"] and not resumed.more

@pytest.mark.parametrize(("name", "kind"), [("reply/error_token_expired.json", AuthError)])
async def test_fetch_errors_are_mapped(name: str, kind: type[Exception]) -> None:
    fetcher = fetcher_at(lambda r: httpx.Response(400, json=fixture(name)), 1_767_300_000)
    with pytest.raises(kind):
        await fetcher.fetch(None)


async def test_fetch_throttle_carries_the_regain_time() -> None:
    buc = orjson.dumps({PAGE: [{"type": "pages", "call_count": 100, "total_cputime": 10, "total_time": 10,
                                "estimated_time_to_regain_access": 3}]}).decode()
    body = {"error": {"message": "(#80001) too many calls", "type": "OAuthException", "code": 80001,
                      "fbtrace_id": "x"}}
    fetcher = fetcher_at(lambda r: httpx.Response(400, json=body, headers={"X-Business-Use-Case-Usage": buc}), 1)
    with pytest.raises(RateLimited) as info:
        await fetcher.fetch(None)
    assert info.value.retry_after == 180


# -- replier ------------------------------------------------------------------------------------

def intent(in_reply_to: str, *, private: bool = False, recipient: str = "7000000000000001",
           text: str = "Registered: SK-ABCD-EFGH") -> ReplyIntent:
    return ReplyIntent(outbox_id=1, complaint_id="c1", docket="SK-ABCD-EFGH", kind="ack", channel="up_fb",
                       text=text, in_reply_to=in_reply_to, recipient=recipient, private=private)


def recording(response: httpx.Response) -> tuple[list[httpx.Request], Handler]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return response

    return seen, handler


async def test_public_reply_to_a_comment_and_to_an_edited_comment() -> None:
    seen, handler = recording(ok(fixture("reply/sent.json")))
    replier = FacebookPlatform().replier(channel(), client(handler))
    sent = await replier.send(intent("222222222222222_333333333333333"))
    assert sent.platform_id == "222222222222222_171717171717171"
    await replier.send(intent("222222222222222_333333333333333:edited:1767225790:abcdef12"))
    assert [(r.method, r.url.path) for r in seen] == [("POST", "/v23.0/222222222222222_333333333333333/comments")] * 2
    assert orjson.loads(seen[0].content) == {"message": "Registered: SK-ABCD-EFGH"}
    assert seen[0].headers["authorization"] == "Bearer page-token" and "appsecret_proof" in seen[0].url.params


async def test_private_reply_to_a_comment_and_to_a_post_on_our_page() -> None:
    seen, handler = recording(ok(fixture("reply/message_sent.json")))
    replier = FacebookPlatform().replier(channel(), client(handler))
    sent = await replier.send(intent("222222222222222_333333333333333", private=True))
    await replier.send(intent(f"{PAGE}_444444444444444", private=True))
    assert sent.platform_id == "m_OUTmid000000000001"
    assert [r.url.path for r in seen] == [f"/v23.0/{PAGE}/messages"] * 2
    assert orjson.loads(seen[0].content) == {"recipient": {"comment_id": "222222222222222_333333333333333"},
                                             "message": {"text": "Registered: SK-ABCD-EFGH", "metadata": "shikayat:1"}}
    assert orjson.loads(seen[1].content)["recipient"] == {"post_id": f"{PAGE}_444444444444444"}
    # a private reply cannot be looked up: its echo, carrying the token, confirms it instead
    assert replier.confirms_by_webhook(intent("222222222222222_333333333333333", private=True))
    assert await replier.find_sent(intent("222222222222222_333333333333333", private=True)) is None
    assert len(seen) == 2


async def test_messenger_complaints_are_answered_in_messenger() -> None:
    seen, handler = recording(ok(fixture("reply/message_sent.json")))
    replier = FacebookPlatform().replier(channel(), client(handler))
    sent = await replier.send(intent("m_FAKEmid000001", recipient="5555555555555555", text="x" * 2100))
    assert sent.platform_id == "m_OUTmid000000000001"
    body = orjson.loads(seen[0].content)
    assert body["recipient"] == {"id": "5555555555555555"} and body["messaging_type"] == "RESPONSE"
    assert len(body["message"]["text"]) == 2000
    assert body["message"]["metadata"] == "shikayat:1"                # echoed back in message_echoes
    assert replier.confirms_by_webhook(intent("m_FAKEmid000001"))
    assert not replier.confirms_by_webhook(intent("222222222222222_333333333333333"))   # looked up instead


async def test_reply_outside_the_window_is_permanent_but_not_an_auth_failure() -> None:
    _, handler = recording(httpx.Response(400, json=fixture("reply/error_outside_window.json")))
    replier = FacebookPlatform().replier(channel(), client(handler))
    with pytest.raises(FatalError) as info:
        await replier.send(intent("m_FAKEmid000001"))
    assert not isinstance(info.value, AuthError) and "2018278" in str(info.value)


async def test_find_sent_finds_our_public_reply_by_docket() -> None:
    pages = {
        None: {"data": [{"id": "c_1", "message": "Registered: SK-ABCD-EFGH", "from": {"id": "999", "name": "x"}}],
               "paging": {"cursors": {"after": "p2"}, "next": "https://graph.test/next"}},
        "p2": {"data": [{"id": "c_2", "message": "Registered: SK-ABCD-EFGH", "from": {"id": PAGE, "name": "UP"}}],
               "paging": {"cursors": {"after": "p2end"}}},
    }
    replier = FacebookPlatform().replier(channel(), client(lambda r: ok(pages[r.url.params.get("after")])))
    found = await replier.find_sent(intent("222222222222222_333333333333333"))
    assert found is not None and found.platform_id == "c_2"
    assert await replier.find_sent(intent("m_FAKEmid000001")) is None            # Messenger: cannot look
    nothing = FacebookPlatform().replier(channel(), client(lambda r: ok({"data": []})))
    assert await nothing.find_sent(intent("222222222222222_333333333333333")) is None


def test_settings_name_the_bad_key() -> None:
    with pytest.raises(ValueError, match="page_id"):
        FacebookSettings.model_validate({"platform": "facebook", "page_id": "my-page", "access_token": "env:FB_TOKEN",
                                         "app_secret": "env:FB_APP_SECRET", "verify_token": "env:FB_VERIFY"})
    with pytest.raises(ValueError, match="inline"):
        FacebookSettings.model_validate({"platform": "facebook", "page_id": PAGE, "access_token": "EAAB-token",
                                         "app_secret": "env:FB_APP_SECRET", "verify_token": "env:FB_VERIFY"})
    with pytest.raises(ValueError, match="api_version"):
        channel(api_version="23")
