"""Splitting Facebook deliveries and reads into inbox posts, and normalizing them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from shikayat import Language, MediaType, PostRemoved, RawPost, UnparseablePayload
from shikayat_facebook import FacebookPlatform
from shikayat_facebook.split import is_edit

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = "100000000000001"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def split(name: str) -> list[RawPost]:
    return FacebookPlatform().split(fixture_bytes(name), "up_fb")


def by_key(posts: list[RawPost]) -> dict[str, RawPost]:
    return {p.external_id: p for p in posts}


def test_comment_delivery_normalizes_with_seconds_thread_and_entities() -> None:
    (raw,) = split("webhook/feed_comment_add.json")
    assert raw.external_id == "222222222222222_333333333333333" and raw.channel == "up_fb"
    c = FacebookPlatform().normalize(raw)
    assert c.author.id == "7000000000000001" and c.author.name == "Rahul Verma"
    assert c.created_at == datetime.fromtimestamp(1767225599, tz=UTC)
    assert c.thread.reply_to == "100000000000001_222222222222222"
    assert c.thread.conversation_id == "100000000000001_222222222222222"
    assert c.hashtags == ("help",) and c.links == ("https://example.org/map",)
    assert c.permalink == ("https://www.facebook.com/100000000000001_222222222222222"
                           "?comment_id=222222222222222_333333333333333")
    assert c.language is Language.ENGLISH     # romanized Hindi reads as Latin script


def test_batch_splits_into_one_post_per_item_with_stable_distinct_keys() -> None:
    posts = split("webhook/feed_batch.json")
    keys = [p.external_id for p in posts]
    post, comment, edit, removal, own = keys
    assert post == "100000000000001_444444444444444"
    assert comment == "444444444444444_555555555555555"
    assert edit.startswith("222222222222222_333333333333333:edited:1767225790:") and is_edit(edit)
    assert removal == "444444444444444_777777777777777:removed"
    assert own == "444444444444444_999999999999999"
    # the reaction and the hide are not stored; every stored payload is a one-item delivery
    for p in posts:
        again = FacebookPlatform().split(p.payload, "up_fb")
        assert [r.external_id for r in again] == [p.external_id]
    assert [(p.external_id, p.payload) for p in split("webhook/feed_batch.json")] == \
        [(p.external_id, p.payload) for p in posts]                      # deterministic


def test_two_edits_of_one_comment_get_different_keys_and_a_redelivery_the_same() -> None:
    body = orjson.loads(fixture_bytes("webhook/feed_batch.json"))
    change = body["entry"][1]["changes"][0]

    def key_for(message: str) -> str:
        value = {**change["value"], "message": message}
        delivery = {"object": "page", "entry": [{"id": PAGE, "time": 1, "changes": [{"field": "feed", "value": value}]}]}
        (raw,) = FacebookPlatform().split(orjson.dumps(delivery))
        return raw.external_id

    assert key_for("first edit") != key_for("second edit")
    assert key_for("first edit") == key_for("first edit")


def test_edit_links_to_the_original_and_removal_tombstones_the_text() -> None:
    posts = by_key(split("webhook/feed_batch.json"))
    platform = FacebookPlatform()
    edit = platform.normalize(next(p for k, p in posts.items() if ":edited:" in k))
    assert edit.thread.repost_of == "222222222222222_333333333333333"
    assert edit.text == "Hazratganj mein meri chain chheen li, do ladke the bike pe"
    with pytest.raises(PostRemoved) as removal:          # a notice: core tombstones the removed comment
        platform.normalize(posts["444444444444444_777777777777777:removed"])
    assert removal.value.external_id == "444444444444444_777777777777777"
    assert removal.value.removed_by == "7000000000000005" and removal.value.removed_at is not None
    assert removal.value.edits_prefix == "444444444444444_777777777777777:edited:"
    reply = platform.normalize(posts["444444444444444_555555555555555"])
    assert reply.thread.reply_to == "444444444444444_666666666666666"      # the parent comment


def test_own_page_posts_are_own_account_ids() -> None:
    posts = by_key(split("webhook/feed_batch.json"))
    platform = FacebookPlatform()
    own = platform.normalize(posts["444444444444444_999999999999999"])
    settings: Any = platform.settings_model.model_construct(platform="facebook", page_id=PAGE, own_user_ids=["42"])
    assert own.author.id in platform.own_account_ids(settings)
    assert platform.own_account_ids(settings) == frozenset({PAGE, "42"})


def test_messenger_batch_keeps_messages_and_drops_echoes_and_receipts() -> None:
    posts = split("webhook/messenger_batch.json")
    assert [p.external_id for p in posts] == ["m_FAKEmid000001", "m_FAKEmid000002", "m_FAKEmid000004"]
    text, image, location = (FacebookPlatform().normalize(p) for p in posts)
    assert text.created_at == datetime.fromtimestamp(1767225600, tz=UTC)          # milliseconds
    assert text.author.id == "5555555555555555" and text.thread.conversation_id == "5555555555555555"
    assert image.text == "" and image.media[0].type is MediaType.IMAGE
    assert image.media[0].url == "https://cdn.example.org/screenshot.jpg"
    assert image.thread.reply_to == "m_FAKEmid000001"
    assert location.location is not None and location.location.latitude == 26.79
    assert location.location.place_name == "Shaheed Path"


def test_mention_of_the_page_in_another_post() -> None:
    (raw,) = split("webhook/mention_post.json")
    assert raw.external_id == "300000000000003_121212121212121"
    c = FacebookPlatform().normalize(raw)
    assert c.author.id == "7000000000000009" and c.author.name == "Neha Pandey"
    assert c.thread.reply_to is None and c.thread.conversation_id == raw.external_id


def test_reads_use_iso_times_and_the_same_keys_as_webhooks() -> None:
    page = orjson.loads(fixture_bytes("fetch/04_comments_222.json"))
    comment = {"data": page["data"][0], "post_id": "100000000000001_222222222222222"}
    (read,) = FacebookPlatform().split(orjson.dumps(comment), "up_fb")
    (pushed,) = split("webhook/feed_comment_add.json")
    assert read.external_id == pushed.external_id
    a, b = FacebookPlatform().normalize(read), FacebookPlatform().normalize(pushed)
    assert a.created_at == b.created_at and a.text == b.text and a.thread == b.thread
    reply = FacebookPlatform().normalize(RawPost(platform="facebook", external_id=page["data"][1]["id"],
                                                 payload=orjson.dumps({"data": page["data"][1],
                                                                       "post_id": "100000000000001_222222222222222"})))
    assert reply.thread.reply_to == "222222222222222_333333333333333"
    assert reply.media[0].type is MediaType.STICKER
    feed = orjson.loads(fixture_bytes("fetch/01_feed_page1.json"))
    post = FacebookPlatform().normalize(RawPost(platform="facebook", external_id=feed["data"][1]["id"],
                                                payload=orjson.dumps({"data": feed["data"][1]})))
    assert post.media[0].url == "https://cdn.example.org/advisory.jpg" and post.media[0].id == "131313131313131"
    assert post.permalink == "https://www.facebook.com/100000000000001/posts/222222222222222"
    hindi = FacebookPlatform().normalize(RawPost(platform="facebook", external_id=feed["data"][0]["id"],
                                                 payload=orjson.dumps({"data": feed["data"][0]})))
    assert hindi.language is Language.HINDI


def test_a_person_without_from_gets_a_stable_anonymous_id() -> None:
    body = orjson.loads(fixture_bytes("webhook/feed_comment_add.json"))
    del body["entry"][0]["changes"][0]["value"]["from"]
    (raw,) = FacebookPlatform().split(orjson.dumps(body))
    first, second = (FacebookPlatform().normalize(raw) for _ in range(2))
    assert first.author.id == second.author.id and first.author.id.startswith("anon:")


@pytest.mark.parametrize(("payload", "message"), [
    (b"not json", "not JSON"),
    (b'{"object": "instagram", "entry": []}', "not 'page'"),
    (b'{"something": 1}', "neither a webhook delivery"),
    (b'{"data": {"message": "no id"}}', "no 'id'"),
])
def test_split_refuses_what_it_cannot_read(payload: bytes, message: str) -> None:
    with pytest.raises(UnparseablePayload, match=message):
        FacebookPlatform().split(payload)


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda v: v.update(created_time="yesterday"), "created_time 'yesterday'"),
    (lambda v: v.update(created_time="2026-01-01T00:00:00"), "has no timezone"),
    (lambda v: v.update(message=["x"]), "'message' is not a string"),
    (lambda v: v.pop("created_time"), "created_time is missing"),
])
def test_normalizer_refuses_unreadable_items(mutate: Any, message: str) -> None:
    body = orjson.loads(fixture_bytes("webhook/feed_comment_add.json"))
    mutate(body["entry"][0]["changes"][0]["value"])
    (raw,) = FacebookPlatform().split(orjson.dumps(body))
    with pytest.raises(UnparseablePayload, match=message):
        FacebookPlatform().normalize(raw)


def test_normalizer_refuses_a_multi_item_delivery() -> None:
    raw = RawPost(platform="facebook", external_id="x", payload=fixture_bytes("webhook/feed_batch.json"))
    with pytest.raises(UnparseablePayload, match="exactly one item"):
        FacebookPlatform().normalize(raw)


def test_fit_reply_respects_the_messenger_limit() -> None:
    assert FacebookPlatform().fit_reply("short") == "short"
    long = FacebookPlatform().fit_reply("x" * 2500)
    assert len(long) == 2000 and long.endswith("…")
