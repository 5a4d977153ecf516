"""Reconciliation polling, mention lookups (and their recovery after a restart, on a real store) and
the shared Graph error mapping (MockTransport)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from ig_support import IG_USER_ID, fixture, fixture_bytes, graph_error, graph_ok, mock_client

from shikayat import AuthError, Channel, FatalError, RateLimited, RawPost, RetryableError
from shikayat.store import InboxView
from shikayat_instagram import InstagramPlatform
from shikayat_instagram.split import Mention, split_delivery
from shikayat_storage import SQLStore
from shikayat_storage.plugin import normalize_url

WALK = ["fetch/01_media.json", "fetch/02_comments_page1.json", "fetch/03_comments_page2.json"]


def serving(names: list[str], seen: list[httpx.Request]) -> httpx.AsyncClient:
    bodies = [fixture(n) for n in names]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return graph_ok(bodies.pop(0), **{"X-Business-Use-Case-Usage": orjson.dumps(
            {IG_USER_ID: [{"type": "instagram", "call_count": 12, "total_cputime": 3, "total_time": 4}]}).decode()})

    return mock_client(handler)


async def test_a_round_lists_recent_media_then_walks_each_ones_comments(channel: Channel) -> None:
    seen: list[httpx.Request] = []
    fetcher = InstagramPlatform().fetcher(channel, serving(WALK, seen))
    page1 = await fetcher.fetch(None)
    assert page1.posts == [] and page1.more and page1.cursor and page1.cursor["phase"] == "comments"
    assert page1.rate_limit_remaining == 88
    page2 = await fetcher.fetch(page1.cursor)
    assert [p.external_id for p in page2.posts] == ["17900000000000002", "17900000000000005"]
    assert page2.more and page2.cursor and page2.cursor["after"] == "QVFIUmN2"
    page3 = await fetcher.fetch(page2.cursor)
    assert [p.external_id for p in page3.posts] == ["17900000000000030"]
    assert not page3.more and page3.cursor and set(page3.cursor) == {"done"}
    paths = [r.url.path for r in seen]
    assert paths == [f"/v23.0/{IG_USER_ID}/media", "/v23.0/17950000000000004/comments",
                     "/v23.0/17950000000000004/comments"]       # the media without comments is skipped
    assert seen[2].url.params["after"] == "QVFIUmN2" and "replies{" in seen[1].url.params["fields"]
    assert seen[0].headers["authorization"] == "Bearer fake-page-token"
    assert "appsecret_proof" in seen[0].url.params
    # a reply nested under its comment keeps its parent and the media's permalink
    reply = InstagramPlatform().normalize(page2.posts[1])
    assert reply.thread.reply_to == "17900000000000002" and reply.permalink == "https://www.instagram.com/p/DFakeShort1/"


async def test_a_round_resumes_from_the_saved_cursor(channel: Channel) -> None:
    seen: list[httpx.Request] = []
    fetcher = InstagramPlatform().fetcher(channel, serving(WALK[:2], seen))
    page1 = await fetcher.fetch(None)
    page2 = await fetcher.fetch(page1.cursor)
    # a new process, the cursor read back from the store
    seen2: list[httpx.Request] = []
    resumed = InstagramPlatform().fetcher(channel, serving(WALK[2:], seen2))
    page3 = await resumed.fetch(dict(page2.cursor or {}))
    assert [p.external_id for p in page3.posts] == ["17900000000000030"]
    assert seen2[0].url.params["after"] == "QVFIUmN2"


async def test_media_listing_stops_at_recent_media() -> None:
    from ig_support import make_channel

    channel = make_channel(recent_media=2, page_size=1)
    seen: list[httpx.Request] = []
    listing = {"data": [{"id": "1795000000000001", "comments_count": 0}],
               "paging": {"cursors": {"after": "A1"}, "next": "https://graph.example.test/next"}}
    second = {"data": [{"id": "1795000000000002", "comments_count": 0}],
              "paging": {"cursors": {"after": "A2"}, "next": "https://graph.example.test/next2"}}
    bodies = [listing, second]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return graph_ok(bodies.pop(0))

    fetcher = InstagramPlatform().fetcher(channel, mock_client(handler))
    page1 = await fetcher.fetch(None)
    assert page1.more and page1.cursor and page1.cursor["after"] == "A1"
    page2 = await fetcher.fetch(page1.cursor)
    assert not page2.more and page2.cursor and set(page2.cursor) == {"done"}     # no comments anywhere
    assert [r.url.params["limit"] for r in seen] == ["1", "1"]


async def test_a_cursor_that_does_not_advance_is_fatal(channel: Channel) -> None:
    body = fixture("fetch/02_comments_page1.json")
    fetcher = InstagramPlatform().fetcher(channel, mock_client(lambda r: graph_ok(body)))
    cursor = {"phase": "comments", "media": '[["17950000000000004","",""]]', "after": "QVFIUmN2"}
    with pytest.raises(FatalError, match="did not advance"):
        await fetcher.fetch(cursor)


async def test_queued_mentions_are_looked_up_and_stored_under_the_comment_key(channel: Channel) -> None:
    platform = InstagramPlatform()
    seen: list[httpx.Request] = []
    comment = {"mentioned_comment": {"id": "17900000000000098", "text": "@lucknowpolice Naka Hindola pe loot hui",
                                     "timestamp": "2026-01-01T11:00:00+0000", "username": "imran.k",
                                     "media": {"id": "17950000000000099", "permalink": "https://www.instagram.com/p/X/"}},
               "id": IG_USER_ID}
    media = {"mentioned_media": {"id": "17950000000000097", "caption": "@lucknowpolice jam at Charbagh",
                                 "timestamp": "2026-01-01T10:00:00+0000", "username": "vikas.m",
                                 "media_type": "IMAGE"}, "id": IG_USER_ID}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        fields = request.url.params.get("fields", "")
        if fields.startswith("mentioned_comment.comment_id(17900000000000098)"):
            return graph_ok(comment)
        if fields.startswith("mentioned_media.media_id(17950000000000097)"):
            return graph_ok(media)
        return graph_ok({"data": []})                               # an account without media

    platform.mention_queue("lko_ig").add([Mention("17950000000000099", "17900000000000098"),
                                          Mention("17950000000000097")])
    page = await platform.fetcher(channel, mock_client(handler)).fetch(None)
    assert [p.external_id for p in page.posts] == ["17900000000000098", "17950000000000097"]
    found = [platform.normalize(p) for p in page.posts]
    assert found[0].author.id == "@imran.k" and found[0].thread.reply_to == "17950000000000099"
    assert found[0].permalink == "https://www.instagram.com/p/X/"
    assert found[1].text == "@lucknowpolice jam at Charbagh"
    assert len(platform.mention_queue("lko_ig")) == 0
    assert [r.url.path for r in seen][:2] == [f"/v23.0/{IG_USER_ID}", f"/v23.0/{IG_USER_ID}"]


async def test_mention_lookups_drop_refusals_and_keep_what_a_transient_error_interrupts(channel: Channel) -> None:
    platform = InstagramPlatform()
    queue = platform.mention_queue("lko_ig")
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fields = request.url.params.get("fields", "")
        calls.append(fields[:40])
        if "(1001)" in fields:
            return graph_error(100, subcode=33)                     # deleted / comments disabled: dropped
        if "(1002)" in fields:
            return graph_ok({"mentioned_comment": {"id": "1002", "text": "t", "username": "u",
                                                   "timestamp": "2026-01-01T00:00:00+0000"}})
        if "(1003)" in fields:
            return graph_error(2, status=500)                       # transient
        return graph_ok({"data": []})

    queue.add([Mention("9", "1001"), Mention("9", "1002"), Mention("9", "1003"), Mention("9", "1004")])
    page = await platform.fetcher(channel, mock_client(handler)).fetch(None)
    assert [p.external_id for p in page.posts] == ["1002"]
    assert queue.take(10) == [Mention("9", "1003"), Mention("9", "1004")]     # put back, in order
    # nothing found before the transient error: it is raised (core retries), the mention kept
    queue.add([Mention("9", "1003")])
    with pytest.raises(RetryableError):
        await platform.fetcher(channel, mock_client(handler)).fetch(None)
    assert len(queue) == 1


@pytest.mark.parametrize(("response", "kind"), [
    (graph_error(80002, headers={"X-Business-Use-Case-Usage": orjson.dumps({IG_USER_ID: [
        {"type": "instagram", "call_count": 100, "total_cputime": 20, "total_time": 20,
         "estimated_time_to_regain_access": 7}]}).decode()}), RateLimited),
    (graph_error(4), RateLimited),
    (graph_error(17), RateLimited),
    (graph_error(190, subcode=463, status=401), AuthError),
    (graph_error(10, status=403), AuthError),
    (graph_error(1, status=500), RetryableError),
    (graph_error(100, subcode=33), FatalError),
    (httpx.Response(502, text="Bad Gateway"), RetryableError),
])
async def test_graph_errors_map_to_core_kinds(channel: Channel, response: httpx.Response, kind: type) -> None:
    fetcher = InstagramPlatform().fetcher(channel, mock_client(lambda r: response))
    with pytest.raises(kind) as info:
        await fetcher.fetch(None)
    assert type(info.value) is kind
    if response.status_code == 400 and "80002" in response.text:
        assert isinstance(info.value, RateLimited) and info.value.retry_after == 7 * 60
        assert info.value.code == "80002"


async def test_a_timeout_is_retryable(channel: Channel) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(RetryableError, match="timed out"):
        await InstagramPlatform().fetcher(channel, mock_client(handler)).fetch(None)


def _stubs_and_reads(delivery: str, channel: str = "lko_ig", at: datetime | None = None) -> list[RawPost]:
    posts = split_delivery(fixture_bytes(delivery), channel).posts
    return [p.model_copy(update={"received_at": at}) for p in posts] if at else posts


async def test_resume_queues_the_mentions_committed_but_never_looked_up(channel: Channel, db_url: str) -> None:
    """A stub committed before a crash is looked up by the next process; one whose comment is
    already stored, one outside the recovery window and one of another channel are not."""
    platform = InstagramPlatform()
    store = SQLStore(normalize_url(db_url) or db_url)
    store.migrate()
    try:
        store.add_raw(_stubs_and_reads("webhook/mentions.json"), channel="lko_ig")   # comment 98, media 97
        store.add_raw([RawPost(platform="instagram", external_id="17950000000000097", channel="lko_ig",
                               payload=orjson.dumps({"media": {"id": "17950000000000097", "caption": "x"}}))])
        old = datetime.now(UTC) - timedelta(days=8)
        stale = {"object": "instagram", "entry": [{"id": IG_USER_ID, "time": 1, "changes": [
            {"field": "mentions", "value": {"media_id": "1", "comment_id": "1001"}}]}]}
        other = {"object": "instagram", "entry": [{"id": IG_USER_ID, "time": 1, "changes": [
            {"field": "mentions", "value": {"media_id": "2", "comment_id": "1002"}}]}]}
        store.add_raw([p.model_copy(update={"received_at": old})
                       for p in split_delivery(orjson.dumps(stale), "lko_ig").posts])
        store.add_raw(split_delivery(orjson.dumps(other), "other_ig").posts)
        fetcher = platform.fetcher(channel, mock_client(lambda r: graph_ok({"data": []})))
        await fetcher.resume(InboxView(store, "instagram", "lko_ig"))
        assert platform.mention_queue("lko_ig").take(10) == [Mention("17950000000000099", "17900000000000098")]
        await fetcher.resume(InboxView(store, "instagram", "lko_ig"))          # every start: the same answer
        platform.mention_queue("lko_ig").add([Mention("17950000000000099", "17900000000000098")])
        assert len(platform.mention_queue("lko_ig")) == 1                     # queued once, not twice
    finally:
        store.close()


async def test_a_resumed_mention_is_looked_up_at_the_first_fetch_and_then_no_longer_resumed(
        channel: Channel, db_url: str) -> None:
    store = SQLStore(normalize_url(db_url) or db_url)
    store.migrate()
    found = {"mentioned_comment": {"id": "17900000000000098", "text": "@lucknowpolice loot at Naka",
                                   "timestamp": "2026-01-01T11:00:00+0000", "username": "imran.k"},
             "id": IG_USER_ID}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("fields", "").startswith("mentioned_comment.comment_id(17900000000000098)"):
            return graph_ok(found)
        return graph_ok({"data": []})

    try:
        store.add_raw(_stubs_and_reads("webhook/mentions.json")[:1], channel="lko_ig")
        platform = InstagramPlatform()                                       # a new process
        fetcher = platform.fetcher(channel, mock_client(handler))
        await fetcher.resume(InboxView(store, "instagram", "lko_ig"))
        page = await fetcher.fetch(None)
        assert [p.external_id for p in page.posts] == ["17900000000000098"]
        store.add_raw(page.posts, channel="lko_ig", cursor=page.cursor)
        again = InstagramPlatform()                                          # and another restart
        await again.fetcher(channel, mock_client(handler)).resume(InboxView(store, "instagram", "lko_ig"))
        assert len(again.mention_queue("lko_ig")) == 0
    finally:
        store.close()


async def test_resume_is_bounded_by_the_recovery_window_setting(db_url: str) -> None:
    from ig_support import make_channel

    store = SQLStore(normalize_url(db_url) or db_url)
    store.migrate()
    try:
        store.add_raw(_stubs_and_reads("webhook/mentions.json", at=datetime.now(UTC) - timedelta(hours=3)),
                      channel="lko_ig")
        for days, expected in ((0.1, 0), (0.2, 2)):                           # 2.4 h and 4.8 h back
            platform = InstagramPlatform()
            fetcher = platform.fetcher(make_channel(mention_recovery_days=days),
                                       mock_client(lambda r: graph_ok({})))
            await fetcher.resume(InboxView(store, "instagram", "lko_ig"))
            assert len(platform.mention_queue("lko_ig")) == expected
    finally:
        store.close()
