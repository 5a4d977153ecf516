"""The fake Graph API server over loopback, driven by the real Facebook platform objects, and
its webhook sender delivering into core's real webhook route and a real SQLite inbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from shikayat import AuthError, Channel, DeliveryReport, FatalError, RateLimited, ReplyIntent, RetryableError
from shikayat.plugins import load_plugins
from shikayat.store import Store
from shikayat.web import create_app
from shikayat.webhooks import WebhookRoutes
from shikayat_facebook import FacebookPlatform
from shikayat_facebook.fake import FakeFacebook
from shikayat_facebook.fakegraph import RunningFake, run_fake, serving
from shikayat_facebook.settings import FacebookSettings
from shikayat_facebook.traffic import FacebookTraffic


@pytest.fixture
def fake() -> Iterator[tuple[FakeFacebook, RunningFake]]:
    fb = FakeFacebook()
    running = run_fake(fb.app, name="fake-facebook")
    yield fb, running
    running.stop()


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FB_TOKEN", "fake-page-token")
    monkeypatch.setenv("FB_BAD_TOKEN", "revoked")
    monkeypatch.setenv("FB_APP_SECRET", "fake-app-secret")
    monkeypatch.setenv("FB_VERIFY", "verify-me")


def channel(base_url: str, **extra: Any) -> Channel:
    settings = FacebookSettings.model_validate({
        "platform": "facebook", "page_id": "100000000000001", "access_token": "env:FB_TOKEN",
        "app_secret": "env:FB_APP_SECRET", "verify_token": "env:FB_VERIFY", "base_url": base_url,
        "page_size": 3, **extra})
    return Channel("up_fb", "facebook", settings)


async def _round(platform: FacebookPlatform, ch: Channel, http: httpx.AsyncClient) -> list[str]:
    fetcher = platform.fetcher(ch, http)
    cursor, keys, more = None, [], True
    while more:
        page = await fetcher.fetch(cursor)
        keys += [p.external_id for p in page.posts]
        cursor, more = page.cursor, page.more
    return keys


async def test_reconciliation_reads_every_post_and_comment_through_paging(fake: Any) -> None:
    fb, running = fake
    posts = [fb.add_post(f"person {i}", f"complaint number {i}") for i in range(7)]
    post_ids = [d["entry"][0]["changes"][0]["value"]["post_id"] for d in posts]
    comment_ids = []
    for i in range(5):
        d = fb.add_comment(post_ids[0], f"commenter {i}", f"me too {i}")
        comment_ids.append(d["entry"][0]["changes"][0]["value"]["comment_id"])
    reply = fb.add_comment(post_ids[0], "nested", "reply to a comment", parent_id=comment_ids[0])
    comment_ids.append(reply["entry"][0]["changes"][0]["value"]["comment_id"])
    async with httpx.AsyncClient() as http:
        keys = await _round(FacebookPlatform(), channel(running.base_url), http)
    assert sorted(keys) == sorted(post_ids + comment_ids)                   # nested reply included (stream)
    assert len(fb.requests_to("/feed")) == 3                                  # 7 posts, 3 a page
    assert fb.requests_to("/comments")[0][2]["filter"] == "stream"


async def test_reconciliation_reads_tagging_posts_and_messenger_under_the_webhook_keys(
        fake: Any, tmp_path: Path) -> None:
    """Posts that tag the Page and Messenger messages whose deliveries were lost are read back
    by polling, under the keys their webhooks have: an inbox that stored the deliveries stores
    nothing twice, and one that lost them gets every one."""
    fb, running = fake
    deliveries = [fb.tag_page(f"tagger {i}", f"jam at crossing {i}") for i in range(4)]
    deliveries += [fb.add_message(f"person {i % 3}", f"UPI fraud report {i}") for i in range(7)]
    fb.add_message("person 0", "Your complaint is registered", echo=True)      # ours: never read back
    platform = FacebookPlatform()
    webhook_keys = {p.external_id for d in deliveries for p in platform.split(orjson.dumps(d), "up_fb")}
    assert len(webhook_keys) == 11
    async with httpx.AsyncClient() as http:
        keys = await _round(platform, channel(running.base_url), http)          # 3 a page
    assert sorted(keys) == sorted(webhook_keys)
    assert len(fb.requests_to("/tagged")) == 2 and len(fb.requests_to("/conversations")) == 1
    assert fb.requests_to("/conversations")[0][2]["platform"] == "messenger"
    plugins = load_plugins()
    for lost in (False, True):
        store = plugins.open_store(f"sqlite:///{tmp_path / f'lost-{lost}.db'}")
        store.migrate()
        try:
            if not lost:
                assert store.add_raw([p for d in deliveries for p in platform.split(orjson.dumps(d), "up_fb")]) == 11
            async with httpx.AsyncClient() as http:
                fetcher = platform.fetcher(channel(running.base_url), http)
                cursor, new, more = None, 0, True
                while more:
                    page = await fetcher.fetch(cursor)
                    new += store.add_raw(page.posts, channel="up_fb", cursor=page.cursor)
                    cursor, more = page.cursor, page.more
            assert new == (11 if lost else 0)
        finally:
            store.close()


async def test_the_fake_lists_conversations_newest_first_with_nested_messages(fake: Any) -> None:
    fb, running = fake
    fb.add_message("Amit", "first")
    fb.add_message("Neha", "second")
    fb.add_message("Amit", "third")
    url = f"{running.base_url}/{fb.version}/{fb.page_id}/conversations"
    fields = "id,updated_time,messages.limit(1){id,message,from,created_time}"
    async with httpx.AsyncClient(headers={"Authorization": "Bearer fake-page-token"}) as http:
        body = (await http.get(url, params={"platform": "messenger", "fields": fields})).json()
        wrong = await http.get(url, params={"platform": "whatsapp"})
    amit = fb.person("Amit")["id"]
    assert [c["id"] for c in body["data"]] == [f"t_{amit}", f"t_{fb.person('Neha')['id']}"]
    newest = body["data"][0]["messages"]
    assert [m["message"] for m in newest["data"]] == ["third"] and "next" in newest["paging"]
    assert newest["data"][0]["from"]["id"] == amit and set(newest["data"][0]) == {"id", "message", "from",
                                                                                   "created_time"}
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == 100

async def test_replies_public_private_and_messenger_against_the_fake(fake: Any) -> None:
    fb, running = fake
    d = fb.add_post("Rahul", "chain snatching in Hazratganj")
    post_id = d["entry"][0]["changes"][0]["value"]["post_id"]
    c = fb.add_comment(post_id, "Priya", "harassment near coaching")
    comment_id = c["entry"][0]["changes"][0]["value"]["comment_id"]
    m = fb.add_message("Amit", "UPI fraud")
    event = m["entry"][0]["messaging"][0]
    ch = channel(running.base_url)
    async with httpx.AsyncClient() as http:
        replier = FacebookPlatform().replier(ch, http)
        base = {"outbox_id": 1, "complaint_id": "c", "kind": "ack", "channel": "up_fb"}
        public = await replier.send(ReplyIntent(**base, docket="SK-1111-2222", text="Registered SK-1111-2222",
                                                in_reply_to=post_id, recipient="x"))
        found = await replier.find_sent(ReplyIntent(**base, docket="SK-1111-2222", text="",
                                                    in_reply_to=post_id, recipient="x", attempts=2))
        assert found == public
        private = ReplyIntent(**base, docket="SK-3333-4444", text="Registered privately", in_reply_to=comment_id,
                              recipient="y", private=True)
        await replier.send(private)
        with pytest.raises(FatalError, match="2018108"):                       # one private reply per comment
            await replier.send(private)
        await replier.send(ReplyIntent(**base, docket="SK-5555-6666", text="Registered in Messenger",
                                       in_reply_to=event["message"]["mid"], recipient=event["sender"]["id"]))
    kinds = [(m["kind"], m["recipient_id"]) for m in fb.messages]
    assert kinds == [("private", fb.person("Priya")["id"]), ("messenger", fb.person("Amit")["id"])]
    assert [r["message"] for r in fb.replies if "post_id" in r] == ["Registered SK-1111-2222"]
    feed, *echoes = fb.outbox                           # our reply's own feed event, our messages' echoes
    assert "changes" in feed["entry"][0] and len(echoes) == 2
    # the Send API calls carry the reply token; the echoes bring it back with the message ids
    assert [b["message"]["metadata"] for _, _, _, b in fb.requests_to("/messages", "POST")] == ["shikayat:1"] * 3
    reports = [r for e in echoes for r in FacebookPlatform().delivery_reports(orjson.dumps(e))]
    assert reports == [DeliveryReport(m["message_id"], "shikayat:1") for m in fb.messages]
    assert all(FacebookPlatform().split(orjson.dumps(e)) == [] for e in echoes)      # never complaints
    assert not replier.confirms_by_webhook(ReplyIntent(**base, docket="SK-1111-2222", text="",
                                                       in_reply_to=post_id, recipient="x"))  # looked up
    assert replier.confirms_by_webhook(private)


async def test_scripted_failures_usage_headers_and_bad_tokens(fake: Any) -> None:
    fb, running = fake
    fb.fail_next("feed", 80001, regain_minutes=2)
    fb.fail_next("feed", 2, status=500)
    async with httpx.AsyncClient() as http:
        platform = FacebookPlatform()
        with pytest.raises(RateLimited) as throttled:
            await platform.fetcher(channel(running.base_url), http).fetch(None)
        assert throttled.value.retry_after == 120
        with pytest.raises(RetryableError) as transient:
            await platform.fetcher(channel(running.base_url), http).fetch(None)
        assert not isinstance(transient.value, RateLimited) and "code 2" in str(transient.value)
        page = await platform.fetcher(channel(running.base_url), http).fetch(None)
        assert page.rate_limit_remaining is not None and 0 <= page.rate_limit_remaining <= 100
        with pytest.raises(AuthError, match="code 190"):
            await platform.fetcher(channel(running.base_url, access_token="env:FB_BAD_TOKEN"), http).fetch(None)
        with pytest.raises(FatalError, match="2635"):
            await platform.fetcher(channel(running.base_url, api_version="v1.0"), http).fetch(None)


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    """Core's real webhook route for a Facebook channel, over a SQLite inbox, on loopback."""
    plugins = load_plugins()
    store = plugins.open_store(f"sqlite:///{tmp_path / 'inbox.db'}")
    store.migrate()
    routes = WebhookRoutes()
    routes.register(channel("http://unused"), plugins.platform("facebook"))
    app = create_app(store, routes, readiness=lambda: {"ready": True})
    with serving(app, name="daemon-http") as running:
        yield store, f"{running.base_url}/webhooks/up_fb"
    store.close()


def test_signed_deliveries_land_once_redeliveries_and_disorder_are_absorbed(inbox: Any) -> None:
    store, url = inbox
    fb = FakeFacebook()
    fb.webhooks.target = url
    deliveries = [fb.add_post("Rahul", "chain snatching"), fb.add_message("Amit", "UPI fraud")]
    post_id = deliveries[0]["entry"][0]["changes"][0]["value"]["post_id"]
    deliveries.append(fb.add_comment(post_id, "Priya", "same here"))
    batch = {"object": "page", "entry": [e for d in deliveries for e in d["entry"]]}
    assert fb.webhooks.send(batch) == 200
    assert store.stats()["inbox_pending"] == 3
    assert fb.webhooks.redeliver() == 200
    assert fb.webhooks.send_all(deliveries, reverse=True) == [200, 200, 200]
    assert store.stats()["inbox_pending"] == 3                              # nothing twice
    edit = fb.edit(post_id, "chain snatching, two men on a bike")
    assert fb.webhooks.send(edit) == 200
    assert store.stats()["inbox_pending"] == 4                              # the edit is kept beside it
    assert fb.webhooks.send(fb.add_post("Eve", "forged"), bad_signature=True) == 401
    assert store.stats()["inbox_pending"] == 4                              # a bad signature stores nothing
    handshake = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                       "hub.challenge": "8812"})
    assert handshake.status_code == 200 and handshake.text == "8812"
    wrong = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert wrong.status_code == 401


def test_traffic_batches_and_delivers_everything(inbox: Any) -> None:
    store, url = inbox
    fb = FakeFacebook()
    traffic = FacebookTraffic(fb, seed=3)
    traffic.emit(5)                               # no target yet: held back
    assert fb.webhooks.sent == []
    fb.webhooks.target = url
    traffic.emit(25)
    assert fb.webhooks.sent and all(status == 200 for _, status in fb.webhooks.sent)
    stats = store.stats()
    assert 20 <= stats["inbox_pending"] <= 30
