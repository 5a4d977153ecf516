"""The real plugin against the fake Instagram Graph server on loopback (documented protocol)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
from pydantic import SecretStr

from shikayat import AuthError, Channel, DeliveryReport, FatalError, Page, RateLimited, ReplyIntent
from shikayat_facebook.fakegraph import RunningFake, run_fake
from shikayat_instagram import InstagramPlatform
from shikayat_instagram.fake import FakeInstagram
from shikayat_instagram.settings import InstagramSettings
from shikayat_instagram.traffic import InstagramTraffic


@pytest.fixture
def fake() -> Iterator[tuple[FakeInstagram, RunningFake]]:
    ig = FakeInstagram()
    running = run_fake(ig.app, name="fake-instagram")
    yield ig, running
    running.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def channel_for(ig: FakeInstagram, running: RunningFake, **extra: Any) -> Channel:
    settings = InstagramSettings.model_validate({
        "platform": "instagram", "ig_user_id": ig.ig_user_id, "username": ig.username,
        "access_token": SecretStr(next(iter(ig.tokens))), "app_secret": SecretStr(ig.app_secret),
        "verify_token": SecretStr("v"), "base_url": running.base_url, "api_version": ig.version, **extra})
    return Channel("lko_ig", "instagram", settings)


async def walk(platform: InstagramPlatform, channel: Channel, http: httpx.AsyncClient,
               cursor: dict[str, str] | None = None) -> tuple[list[Page], dict[str, str] | None]:
    fetcher = platform.fetcher(channel, http)
    pages = []
    for _ in range(100):
        page = await fetcher.fetch(cursor)
        pages.append(page)
        cursor = page.cursor
        if not page.more:
            return pages, cursor
    raise AssertionError("the round never ended")


def intent(in_reply_to: str, recipient: str, *, private: bool = False, text: str = "Registered: SK-1234-ABCD",
           attempts: int = 1) -> ReplyIntent:
    return ReplyIntent(outbox_id=1, complaint_id="c", docket="SK-1234-ABCD", kind="ack", channel="lko_ig",
                       text=text, in_reply_to=in_reply_to, recipient=recipient, private=private, attempts=attempts)


async def test_reconciliation_finds_every_comment_under_the_webhooks_keys(
        fake: tuple[FakeInstagram, RunningFake], http: httpx.AsyncClient) -> None:
    ig, running = fake
    traffic = InstagramTraffic(ig, seed=3)
    traffic.emit(40)
    platform = InstagramPlatform()
    channel = channel_for(ig, running, page_size=3)
    receiver = InstagramPlatform().webhook(channel)          # its mention queue is not the fetcher's
    webhook_keys = {p.external_id for d in ig.webhooks.held for p in receiver.split(orjson.dumps(d))
                    if not p.external_id.startswith("mention:") and not p.external_id.startswith("aWdf")}
    pages, cursor = await walk(platform, channel, http)
    polled = [p.external_id for page in pages for p in page.posts]
    assert len(polled) == len(set(polled))
    assert set(polled) == webhook_keys and len(webhook_keys) > 10
    assert cursor is not None and set(cursor) == {"done"}
    for post in (p for page in pages for p in page.posts):
        platform.normalize(post)                                   # every read normalizes
    assert len(ig.requests_to("/comments")) > len(ig.media)        # paged with page_size 3
    # a second round reads them again: same keys (absorbed by the inbox)
    again, _ = await walk(platform, channel, http, cursor)
    assert {p.external_id for page in again for p in page.posts} == webhook_keys


async def test_mentions_are_looked_up_from_the_fake(fake: tuple[FakeInstagram, RunningFake],
                                                    http: httpx.AsyncClient) -> None:
    ig, running = fake
    platform = InstagramPlatform()
    channel = channel_for(ig, running)
    in_comment = ig.mention_in_comment("imran.k", "@uppolice Naka Hindola pe mobile chheena")
    in_caption = ig.mention_in_caption("vikas.m", "Charbagh jam 2 ghante se @uppolice")
    receiver = platform.webhook(channel)
    stubs = receiver.split(orjson.dumps(in_comment)) + receiver.split(orjson.dumps(in_caption))
    page = await platform.fetcher(channel, http).fetch(None)
    found = {p.external_id: platform.normalize(p) for p in page.posts}
    comment_id = in_comment["entry"][0]["changes"][0]["value"]["comment_id"]
    media_id = in_caption["entry"][0]["changes"][0]["value"]["media_id"]
    assert [s.external_id for s in stubs] == [f"mention:{comment_id}", f"mention:media:{media_id}"]
    assert set(found) == {comment_id, media_id}
    assert found[comment_id].text.endswith("mobile chheena") and found[comment_id].author.handle == "imran.k"
    assert found[media_id].text.startswith("Charbagh") and found[media_id].permalink


async def test_replies_of_every_kind_reach_the_fake(fake: tuple[FakeInstagram, RunningFake],
                                                    http: httpx.AsyncClient) -> None:
    ig, running = fake
    platform = InstagramPlatform()
    replier = platform.replier(channel_for(ig, running), http)
    on_ours = ig.add_comment("rahul.verma", "Hazratganj mein chain chheen li")["entry"][0]["changes"][0]["value"]
    public = await replier.send(intent(on_ours["id"], on_ours["from"]["id"], text="x " * 400))
    reply = ig.find_comment(public.platform_id)
    assert reply is not None and reply["parent_id"] == on_ours["id"] and len(reply["text"]) <= 300
    # find_sent sees it after an unknown outcome
    found = await replier.find_sent(intent(on_ours["id"], on_ours["from"]["id"], attempts=2))
    assert found is None                                           # the fitted text lost the docket
    again = await replier.send(intent(on_ours["id"], on_ours["from"]["id"]))
    found = await replier.find_sent(intent(on_ours["id"], on_ours["from"]["id"], attempts=2))
    assert found is not None and found.platform_id == again.platform_id
    # a mention in another account's comment is answered through /mentions
    mention = ig.mention_in_comment("imran.k", "@uppolice loot hui")["entry"][0]["changes"][0]["value"]
    sent = await replier.send(intent(mention["comment_id"], "x"))
    mention_reply = ig.find_comment(sent.platform_id)
    assert mention_reply is not None and mention_reply["media_id"] == mention["media_id"]
    # a sensitive case: one private reply per comment, the second is refused for good
    private = await replier.send(intent(on_ours["id"], on_ours["from"]["id"], private=True))
    assert ig.messages[-1]["recipient"] == {"comment_id": on_ours["id"]} and private.platform_id
    with pytest.raises(FatalError):
        await replier.send(intent(on_ours["id"], on_ours["from"]["id"], private=True))
    # a direct message is answered by direct message; its echo waits in the outbox
    dm = ig.add_message("priya_singh", "Aliganj me ladke pareshan karte hain")["entry"][0]["messaging"][0]
    await replier.send(intent(dm["message"]["mid"], dm["sender"]["id"]))
    assert ig.messages[-1]["to"] == dm["sender"]["id"]
    echo = ig.outbox[-1]["entry"][0]["messaging"][0]
    assert echo["message"]["is_echo"] and platform.webhook(channel_for(ig, running)).split(
        orjson.dumps(ig.outbox[-1])) == []
    # the echo brings back the reply token the message carried: it confirms that reply
    assert platform.delivery_reports(orjson.dumps(ig.outbox[-1])) == [
        DeliveryReport(ig.messages[-1]["mid"], echo["message"]["metadata"])]
    assert echo["message"]["metadata"] == "shikayat:1"
    # a long Hindi message: the fake holds Meta's 1,000-byte rule, the replier's cut keeps to it
    hindi = "आपकी शिकायत दर्ज कर ली गई है और संबंधित थाने को भेज दी गई है। " * 12
    assert len(hindi) < 1000 < len(hindi.encode())
    async with httpx.AsyncClient() as raw:
        refused = await raw.post(f"{running.base_url}/{ig.version}/{ig.ig_user_id}/messages",
                                 headers={"Authorization": f"Bearer {next(iter(ig.tokens))}"},
                                 json={"recipient": {"id": dm["sender"]["id"]}, "message": {"text": hindi}})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 100
    await replier.send(intent(dm["message"]["mid"], dm["sender"]["id"], text=hindi))
    sent_text = ig.messages[-1]["text"]
    assert len(sent_text.encode()) <= 1000 and hindi.startswith(sent_text[:-1].rstrip())


async def test_error_envelopes_map_to_core_kinds(fake: tuple[FakeInstagram, RunningFake],
                                                 http: httpx.AsyncClient) -> None:
    ig, running = fake
    platform = InstagramPlatform()
    channel = channel_for(ig, running)
    ig.fail_next("media", 80002, regain_minutes=3)
    with pytest.raises(RateLimited) as info:
        await platform.fetcher(channel, http).fetch(None)
    assert info.value.retry_after == 180
    ig.tokens.clear()
    with pytest.raises(AuthError):
        await platform.fetcher(channel, http).fetch(None)


async def test_signed_deliveries_from_the_fake_pass_our_receiver(fake: tuple[FakeInstagram, RunningFake]) -> None:
    ig, running = fake
    platform = InstagramPlatform()
    receiver = platform.webhook(channel_for(ig, running))
    delivery = orjson.dumps(ig.add_comment("neha.pandey", "Chowk me aag lagi hai"))
    receiver.verify({"X-Hub-Signature-256": ig.webhooks.sign(delivery)}, delivery)
    assert len(receiver.split(delivery)) == 1
