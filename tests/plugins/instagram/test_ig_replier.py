"""The replier: public comment replies, mention replies, private replies, DMs, limits, find_sent."""

from __future__ import annotations

import httpx
import orjson
import pytest
from ig_support import IG_USER_ID, fixture, graph_error, graph_ok, make_channel, mock_client

from shikayat import Channel, FatalError, RateLimited, ReplyIntent
from shikayat_instagram import InstagramPlatform
from shikayat.graphemes import clusters
from shikayat_instagram.replier import COMMENT_REPLY_LIMIT, MESSAGE_BYTES, MESSAGE_LIMIT, fit

MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAw"


def intent(in_reply_to: str = "17900000000000002", *, private: bool = False, text: str = "Registered: SK-AB12-CD34",
           attempts: int = 1) -> ReplyIntent:
    return ReplyIntent(outbox_id=1, complaint_id="c1", docket="SK-AB12-CD34", kind="ack", channel="lko_ig",
                       text=text, in_reply_to=in_reply_to, recipient="6000000000000003", private=private,
                       attempts=attempts)


def recording(answers: dict[tuple[str, str], httpx.Response], seen: list[httpx.Request]) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[(request.method, request.url.path)]

    return mock_client(handler)


async def test_a_public_reply_is_one_post_to_the_comments_replies_edge(channel: Channel) -> None:
    seen: list[httpx.Request] = []
    client = recording({("POST", "/v23.0/17900000000000002/replies"): graph_ok(fixture("reply/sent.json"))}, seen)
    sent = await InstagramPlatform().replier(channel, client).send(intent())
    assert sent.platform_id == "17900000000000999"
    [request] = seen
    assert orjson.loads(request.content) == {"message": "Registered: SK-AB12-CD34"}


async def test_a_sensitive_case_gets_a_private_reply_to_the_comment(channel: Channel) -> None:
    seen: list[httpx.Request] = []
    client = recording({("POST", f"/v23.0/{IG_USER_ID}/messages"): graph_ok(fixture("reply/message_sent.json"))}, seen)
    sent = await InstagramPlatform().replier(channel, client).send(intent(private=True))
    assert sent.platform_id.startswith("aWdfZAG1")
    [request] = seen
    assert orjson.loads(request.content) == {"recipient": {"comment_id": "17900000000000002"},
                                             "message": {"text": "Registered: SK-AB12-CD34", "metadata": "shikayat:1"}}
    replier = InstagramPlatform().replier(channel, client)
    assert replier.confirms_by_webhook(intent(private=True)) and not replier.confirms_by_webhook(intent())


async def test_a_direct_message_is_answered_by_message_through_the_linked_page() -> None:
    channel = make_channel(page_id="11100000000000001")
    seen: list[httpx.Request] = []
    client = recording({("POST", "/v23.0/11100000000000001/messages"): graph_ok(fixture("reply/message_sent.json"))},
                       seen)
    long = "शिकायत दर्ज " * 200
    await InstagramPlatform().replier(channel, client).send(intent(MID, text=long))
    body = orjson.loads(seen[0].content)
    assert body["recipient"] == {"id": "6000000000000003"}
    text = body["message"]["text"]
    assert len(text) <= MESSAGE_LIMIT and len(text.encode()) <= MESSAGE_BYTES and text.endswith("…")
    assert len(text) > COMMENT_REPLY_LIMIT                       # a message may be longer than a comment reply
    assert body["message"]["metadata"] == "shikayat:1"                 # echoed back with the message id
    assert InstagramPlatform().replier(channel, client).confirms_by_webhook(intent(MID))


async def test_a_comment_not_on_our_media_is_answered_through_the_mentions_edge(channel: Channel) -> None:
    seen: list[httpx.Request] = []
    client = recording({
        ("POST", "/v23.0/17900000000000098/replies"): graph_error(100, subcode=33),
        ("GET", f"/v23.0/{IG_USER_ID}"): graph_ok({"mentioned_comment": {"id": "17900000000000098",
                                                                         "media": {"id": "17950000000000099"}}}),
        ("POST", f"/v23.0/{IG_USER_ID}/mentions"): graph_ok({"id": "17900000000000777"}),
    }, seen)
    sent = await InstagramPlatform().replier(channel, client).send(intent("17900000000000098"))
    assert sent.platform_id == "17900000000000777"
    params = orjson.loads(seen[-1].content)
    assert (params["media_id"], params["comment_id"]) == ("17950000000000099", "17900000000000098")


async def test_a_caption_mention_is_answered_on_the_media(channel: Channel) -> None:
    seen: list[httpx.Request] = []
    client = recording({
        ("POST", "/v23.0/17950000000000097/replies"): graph_error(100),
        ("GET", f"/v23.0/{IG_USER_ID}"): graph_error(100),
        ("POST", f"/v23.0/{IG_USER_ID}/mentions"): graph_ok({"id": "17900000000000778"}),
    }, seen)
    await InstagramPlatform().replier(channel, client).send(intent("17950000000000097"))
    params = orjson.loads(seen[-1].content)
    assert params["media_id"] == "17950000000000097" and "comment_id" not in params


async def test_reply_errors_come_through_the_shared_mapping(channel: Channel) -> None:
    throttled = httpx.Response(400, json=fixture("reply/error_throttled.json"))
    client = mock_client(lambda r: throttled)
    with pytest.raises(RateLimited):
        await InstagramPlatform().replier(channel, client).send(intent())
    client = mock_client(lambda r: graph_error(368))              # policy block: permanent, no fallback
    with pytest.raises(FatalError):
        await InstagramPlatform().replier(channel, client).send(intent())


def test_every_reply_fits_the_documented_message_bytes_and_our_comment_cap() -> None:
    """Messages allow 1,000 UTF-8 bytes (fewer than 1,000 characters): Devanagari takes 3 bytes a
    letter and an emoji 4, so bytes bind before characters do. A cut never splits a letter from
    its vowel sign."""
    platform = InstagramPlatform()
    for text in ("शिकायत दर्ज कर ली गई है, संदर्भ SK-AB12-CD34 " * 30, "🚨" * 400, "कि" * 600):
        public = platform.fit_reply(text)
        assert len(public) <= COMMENT_REPLY_LIMIT and len(public.encode()) <= MESSAGE_BYTES, text[:8]
        message = fit(text, MESSAGE_LIMIT, MESSAGE_BYTES)
        assert len(message) <= MESSAGE_LIMIT and len(message.encode()) <= MESSAGE_BYTES
        assert message.endswith("…") and text.startswith(message[:-1])
        assert all(cluster == "कि" for cluster in clusters(fit("कि" * 600)[:-1]))
    assert len(fit("🚨" * 400).encode()) <= MESSAGE_BYTES < len(("🚨" * 299).encode())      # bytes bound it
    assert fit("x" * 999, MESSAGE_LIMIT, MESSAGE_BYTES) == "x" * 999                      # fits: unchanged
    assert fit("x" * 1000, MESSAGE_LIMIT, MESSAGE_BYTES).endswith("…")


def test_fit_reply_keeps_comment_replies_to_the_limit() -> None:
    text = "Aapki shikayat darj kar li gayi hai. " * 20
    fitted = InstagramPlatform().fit_reply(text)
    assert len(fitted) <= COMMENT_REPLY_LIMIT and fitted.endswith("…") and text.startswith(fitted[:-1])
    assert fit("short") == "short"


async def test_find_sent_finds_our_reply_carrying_the_docket(channel: Channel) -> None:
    replies = {"data": [
        {"id": "17900000000000500", "text": "me too", "from": {"id": "6000000000000009"}},
        {"id": "17900000000000501", "text": "Registered: SK-AB12-CD34", "from": {"id": IG_USER_ID}},
    ]}
    seen: list[httpx.Request] = []
    client = recording({("GET", "/v23.0/17900000000000002/replies"): graph_ok(replies)}, seen)
    replier = InstagramPlatform().replier(channel, client)
    found = await replier.find_sent(intent(attempts=2))
    assert found is not None and found.platform_id == "17900000000000501"
    other = ReplyIntent(outbox_id=2, complaint_id="c2", docket="SK-ZZZZ-ZZZZ", kind="ack", channel="lko_ig",
                        text="x", in_reply_to="17900000000000002", recipient="6", attempts=2)
    assert await replier.find_sent(other) is None
    assert await replier.find_sent(intent(MID, attempts=2)) is None          # DMs cannot be looked up
    assert len(seen) == 2
