"""The normalizer: every raw form → Complaint, times, authors, threads, media, stubs, bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from ig_support import IG_USER_ID, fixture, fixture_bytes

from shikayat import Channel, Complaint, Language, MediaType, NotAPost, RawPost, UnparseablePayload
from shikayat_instagram import InstagramPlatform
from shikayat_instagram.split import split_delivery

ig = InstagramPlatform()


def one(name: str) -> Complaint:
    [raw] = ig.split(fixture_bytes(name), "lko_ig")
    return ig.normalize(raw)


def by_key(name: str) -> dict[str, Complaint]:
    return {p.external_id: ig.normalize(p) for p in split_delivery(fixture_bytes(name), "lko_ig").posts}


def test_webhook_comment_uses_the_entry_time_and_threads_to_its_media_or_parent() -> None:
    got = by_key("webhook/comments_batch.json")
    top, reply = got["17900000000000002"], got["17900000000000005"]
    assert top.author.id == "6000000000000003" and top.author.handle == "rahul.verma_lko"
    assert top.created_at == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)          # entry.time, unix seconds
    assert top.thread.reply_to == top.thread.conversation_id == "17950000000000004"
    assert top.mentions == ("lucknowpolice",) and top.language is Language.ENGLISH
    assert reply.thread.reply_to == "17900000000000002" and reply.thread.conversation_id == "17950000000000004"
    assert reply.language is Language.HINDI and reply.text.startswith("चिनहट")
    assert top.channel == "lko_ig" and top.platform == "instagram"


def test_read_comment_reads_iso_plus_0000_and_carries_the_media_permalink() -> None:
    c = one("payloads/read_comment.json")
    assert c.created_at == datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    assert c.permalink == "https://www.instagram.com/p/DFakeShort1/"
    assert c.author.id == "6000000000000031" and c.thread.reply_to == "17950000000000004"


def test_message_reads_unix_milliseconds_and_attachments() -> None:
    body = fixture("webhook/messaging.json")
    [raw] = split_delivery(orjson.dumps(body), "lko_ig").posts
    c = ig.normalize(raw)
    assert c.external_id == "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAw"
    assert c.created_at == datetime.fromtimestamp(1767225800, tz=UTC)
    assert c.author.id == "6000000000000010" and c.thread.conversation_id == "dm:6000000000000010"
    assert [m.type for m in c.media] == [MediaType.IMAGE] and c.media[0].url and "asset_id=1" in c.media[0].url


def test_message_with_only_an_attachment_has_empty_text_and_reply_to() -> None:
    delivery = {"object": "instagram", "entry": [{"id": IG_USER_ID, "time": 1, "messaging": [{
        "sender": {"id": "600"}, "recipient": {"id": IG_USER_ID}, "timestamp": 1767225800500,
        "message": {"mid": "m_only_media", "reply_to": {"mid": "m_earlier"},
                    "attachments": [{"type": "video", "payload": {"url": "https://cdn.example/v.mp4"}}]}}]}]}
    [raw] = ig.split(orjson.dumps(delivery), None)
    c = ig.normalize(raw)
    assert c.text == "" and c.media[0].type is MediaType.VIDEO and c.thread.reply_to == "m_earlier"
    assert c.created_at.microsecond == 500_000


def test_mentioned_media_caption_names_the_author_by_username() -> None:
    c = one("payloads/mentioned_media.json")
    assert c.author.id == "@vikas.m" and c.author.handle == "vikas.m"
    assert c.text.startswith("Charbagh") and c.mentions == ("lucknowpolice", "lkotrafficpolice")
    assert c.media[0].type is MediaType.IMAGE and c.media[0].id == "17950000000000097"
    assert c.permalink == "https://www.instagram.com/p/DFakeShort2/"


def test_flat_entry_shape_is_read_too() -> None:
    [c] = by_key("webhook/flat_entry.json").values()
    assert c.external_id == "17900000000000020" and c.text.startswith("Gomti Nagar")


def test_our_own_comments_carry_our_id_so_the_pipeline_ignores_them(channel: Channel) -> None:
    own = ig.own_account_ids(channel.settings)
    assert own == frozenset({IG_USER_ID})
    for name in ("own/own_comment.json", "own/own_read_comment.json"):
        assert one(name).author.id in own
    assert by_key("webhook/comments_batch.json")["17900000000000007"].author.id in own


def test_a_mention_stub_is_not_a_post() -> None:
    stubs = split_delivery(fixture_bytes("webhook/mentions.json"), "lko_ig").posts
    assert [s.external_id for s in stubs] == ["mention:17900000000000098", "mention:media:17950000000000097"]
    for stub in stubs:
        with pytest.raises(NotAPost, match="looked up and stored as 179"):
            ig.normalize(stub)


def test_normalize_is_deterministic() -> None:
    raw = ig.split(fixture_bytes("payloads/comment_delivery.json"), "lko_ig")[0]
    a, b = ig.normalize(raw), ig.normalize(raw)
    assert a.model_dump(exclude={"id"}) == b.model_dump(exclude={"id"})


@pytest.mark.parametrize(("payload", "message"), [
    (b"not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"comment": {"id": "1", "timestamp": "2026-01-01T00:00:00+0000", "username": "a"}}', "'text'"),
    (b'{"comment": {"id": "1", "text": "x", "timestamp": "yesterday", "username": "a"}}', "ISO 8601"),
    (b'{"comment": {"id": "1", "text": "x", "timestamp": "2026-01-01T00:00:00", "username": "a"}}', "timezone"),
    (b'{"comment": {"id": "1", "text": "x", "timestamp": "2026-01-01T00:00:00+0000"}}', "names the author"),
    (b'{"media": {"id": "5", "timestamp": "2026-01-01T00:00:00+0000", "username": "a"}}', "'caption'"),
    (b'{"something": "else"}', "neither"),
])
def test_unreadable_payloads_raise_unparseable(payload: bytes, message: str) -> None:
    raw = RawPost(platform="instagram", external_id="k", payload=payload)
    with pytest.raises(UnparseablePayload, match=message):
        ig.normalize(raw)


def test_a_stored_delivery_of_a_webhook_comment_without_time_is_unparseable() -> None:
    delivery = {"object": "instagram", "entry": [{"id": IG_USER_ID, "changes": [
        {"field": "comments", "value": {"id": "9", "text": "x", "from": {"id": "1"}}}]}]}
    [raw] = ig.split(orjson.dumps(delivery), None)
    with pytest.raises(UnparseablePayload, match="entry time"):
        ig.normalize(raw)
