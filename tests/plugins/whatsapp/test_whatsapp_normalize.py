"""Splitting WhatsApp deliveries into messages and normalizing each: every message type a
citizen sends, users with and without a phone number, own traffic, statuses and bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from shikayat import DeliveryReport, Language, MediaType, RawPost, UnparseablePayload
from shikayat_whatsapp.normalize import phone_pseudonym
from shikayat_whatsapp.platform import WhatsAppPlatform

FIXTURES = Path(__file__).parent / "fixtures"
ACK = "wamid.HBgMOTExMTQwMDAwMDAwFQIAERgSQUNLMDAwMDAwMDAwMDAwMDAA"


def _load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def platform() -> WhatsAppPlatform:
    return WhatsAppPlatform()


def test_text_with_quoted_context(platform: WhatsAppPlatform) -> None:
    raw, = platform.split(_load("webhook/text_with_context.json"), "up_wa")
    assert raw.external_id == "wamid.HBgMOTE5ODAwMDAwMDAxFQIAEhgUM0EwMDAwMDAwMDAwMDAwMDAwMDEA"
    c = platform.normalize(raw)
    assert (c.platform, c.channel, c.external_id) == ("whatsapp", "up_wa", raw.external_id)
    assert c.author.id == "IN.7000000000000000003" and c.author.name == "Asha Verma"
    assert c.author.phone == "919800000001" and c.author.handle is None
    assert c.text == "sir meri chain chheen li hazratganj mein abhi #help" and c.hashtags == ("help",)
    assert c.created_at == datetime(2026, 1, 1, tzinfo=UTC) and c.created_at.tzinfo is UTC
    assert c.thread.reply_to == ACK
    assert c.language is Language.ENGLISH and c.permalink is None


def test_the_phone_number_never_shows_in_repr_or_ids(platform: WhatsAppPlatform) -> None:
    for name in ("webhook/text_with_context.json", "webhook/batch_mixed.json", "webhook/other_types.json"):
        for raw in platform.split(_load(name), "up_wa"):
            c = platform.normalize(raw)
            assert c.author.phone and c.author.phone not in repr(c) and c.author.phone not in c.author.id


def test_a_batch_splits_into_one_post_per_message_without_reactions_or_statuses(platform: WhatsAppPlatform) -> None:
    body = _load("webhook/batch_mixed.json")
    posts = platform.split(body, "up_wa")
    assert [p.external_id[-8:] for p in posts] == ["MDAwMDIA", "MDAwMDMA", "MDAwMDUA"]   # image, voice, location
    image, voice, location = (platform.normalize(p) for p in posts)
    assert image.text == "Charbagh ke bahar 2 ghante se jam hai"
    assert image.media[0].type is MediaType.IMAGE and image.media[0].id == "1500000000000001"
    assert voice.text == "" and voice.media[0].type is MediaType.AUDIO and voice.author.name == "मीना देवी"
    assert location.location is not None and (location.location.latitude, location.location.longitude) == (
        26.8467, 80.9462)
    assert location.location.place_name == location.text == "Hazratganj Chauraha — Hazratganj, Lucknow"
    # each stored payload is a one-message delivery with the sender's own contact only
    stored = orjson.loads(posts[1].payload)
    value = stored["entry"][0]["changes"][0]["value"]
    assert len(value["messages"]) == 1 and value["contacts"] == [
        {"profile": {"name": "मीना देवी"}, "wa_id": "919800000003", "user_id": "IN.7000000000000000005"}]
    assert value["metadata"]["phone_number_id"] == "800000000000002" and "statuses" not in value
    assert platform.delivery_reports(body) == []                 # a receipt without our token: nothing


def test_stored_payloads_replay_under_the_same_key_and_normalize_the_same(platform: WhatsAppPlatform) -> None:
    for post in platform.split(_load("webhook/batch_mixed.json"), "up_wa"):
        again, = platform.split(post.payload, "up_wa")
        assert again.external_id == post.external_id and again.payload == post.payload
        a, b = platform.normalize(post), platform.normalize(again.model_copy(update={"received_at": post.received_at}))
        assert a.model_dump(exclude={"id"}) == b.model_dump(exclude={"id"})


def test_user_without_a_phone_number_is_known_by_the_bsuid(platform: WhatsAppPlatform) -> None:
    raw, = platform.split(_load("webhook/username_user.json"), None)
    c = platform.normalize(raw)
    assert c.author.id == "IN.7000000000000000042" and c.author.phone is None
    assert c.author.handle == "neha.lko" and c.author.name == "Neha"
    assert c.text == "Talk to an officer"


def test_other_types_and_the_skipped_ones(platform: WhatsAppPlatform) -> None:
    posts = platform.split(_load("webhook/other_types.json"), "up_wa")
    assert len(posts) == 4                                       # the system message is not a post
    shared, document, button, unsupported = (platform.normalize(p) for p in posts)
    # no BSUID in this (pre-2026) delivery: the author id is a pseudonym of the number
    assert shared.author.id == phone_pseudonym("919800000005") and shared.author.id.startswith("wa:")
    assert shared.text == "Witness Ramesh" and "98000" not in shared.model_dump_json(exclude={"author"})
    assert document.text == "FIR ki copy" and document.media[0].type is MediaType.DOCUMENT
    assert button.text == "Still not resolved" and button.thread.reply_to is not None
    assert unsupported.text == "" and unsupported.media == ()


def test_failed_status_is_a_delivery_failure_not_a_post(platform: WhatsAppPlatform) -> None:
    body = _load("webhook/status_failed.json")
    assert platform.split(body, "up_wa") == []
    failure, = platform.delivery_reports(body)
    assert failure.platform_id == "wamid.HBgMOTExMTQwMDAwMDAwFQIAERgSQUNLMDAwMDAwMDAwMDAwMDIA"
    assert failure.error is not None and failure.error.startswith("WhatsApp delivery failed: 131047 Re-engagement message: Message failed")


def test_statuses_carrying_our_token_confirm_the_reply(platform: WhatsAppPlatform) -> None:
    body = _load("webhook/status_sent_with_token.json")
    assert platform.split(body, "up_wa") == []                    # receipts never become complaints
    wamid = "wamid.HBgMOTExMTQwMDAwMDAwFQIAERgSQUNLMDAwMDAwMDAwMDAwMDMA"
    # sent and delivered confirm the reply the token names; a status without a token says nothing
    assert platform.delivery_reports(body) == [DeliveryReport(wamid, "shikayat:42")] * 2


def test_own_number_is_authored_by_our_business(platform: WhatsAppPlatform, make_channel: Any) -> None:
    raw, = platform.split(_load("own/own_number.json"), "up_wa")
    c = platform.normalize(raw)
    settings = make_channel().settings
    assert c.author.id == "800000000000002" and c.author.id in platform.own_account_ids(settings)
    other = settings.model_copy(update={"own_user_ids": ["919811111111", "IN.7000000000000000099"]})
    own = platform.own_account_ids(other)
    assert {phone_pseudonym("919811111111"), "IN.7000000000000000099"} <= own


def test_echoes_and_other_fields_are_not_posts(platform: WhatsAppPlatform) -> None:
    body = orjson.loads(_load("webhook/text_with_context.json"))
    body["entry"][0]["changes"][0]["field"] = "smb_message_echoes"
    assert platform.split(orjson.dumps(body), None) == []


@pytest.mark.parametrize(("mutate", "error"), [
    (lambda m: m.update(timestamp="yesterday"), "timestamp 'yesterday' is not unix seconds"),
    (lambda m: m.update(timestamp="99999999999999999999"), "out of range"),
    (lambda m: [m.pop("from"), m.pop("from_user_id")], "no sender"),
    (lambda m: m.update(type="location", location={"latitude": 126.0, "longitude": 80.0}), "not a coordinate"),
])
def test_unreadable_message_is_a_clear_error(platform: WhatsAppPlatform, mutate: object, error: str) -> None:
    body = orjson.loads(_load("webhook/text_with_context.json"))
    value = body["entry"][0]["changes"][0]["value"]
    value.pop("contacts")
    mutate(value["messages"][0])  # type: ignore[operator]
    raw, = platform.split(orjson.dumps(body), None)
    with pytest.raises(UnparseablePayload, match=error):
        platform.normalize(raw)


def test_message_without_id_is_kept_under_a_hash_and_dead_lettered_alone(platform: WhatsAppPlatform) -> None:
    body = orjson.loads(_load("webhook/batch_mixed.json"))
    del body["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    posts = platform.split(orjson.dumps(body), None)
    assert posts[0].external_id.startswith("sha256:") and len(posts) == 3
    with pytest.raises(UnparseablePayload, match="no id"):
        platform.normalize(posts[0])
    assert platform.normalize(posts[1]).external_id == posts[1].external_id


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"object": "page", "entry": []}',
                                  b'{"object": "whatsapp_business_account"}'])
def test_a_body_that_is_not_a_whatsapp_delivery_is_refused(platform: WhatsAppPlatform, body: bytes) -> None:
    with pytest.raises(UnparseablePayload):
        platform.split(body, None)


def test_raw_post_for_a_delivery_without_messages_is_unreadable(platform: WhatsAppPlatform) -> None:
    raw = RawPost(platform="whatsapp", external_id="x", payload=_load("webhook/status_failed.json"))
    with pytest.raises(UnparseablePayload, match="no message"):
        platform.normalize(raw)
