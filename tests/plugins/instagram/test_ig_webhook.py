"""The webhook receiver: handshake, signature over raw bytes, splitting, mention stubs, replay."""

from __future__ import annotations

import orjson
import pytest
from ig_support import APP_SECRET, IG_USER_ID, VERIFY_TOKEN, fixture, fixture_bytes

from shikayat import Channel, PostRemoved, UnparseablePayload, WebhookRejected
from shikayat.webhooks import hmac_sha256
from shikayat_instagram import InstagramPlatform
from shikayat_instagram.split import Mention


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac_sha256(secret.encode(), body, "hex")}


def test_handshake_echoes_the_challenge_only_for_our_token(channel: Channel) -> None:
    receiver = InstagramPlatform().webhook(channel)
    ok = receiver.handshake({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert (ok.status, ok.body) == (200, b"1158201444")
    for query in ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
                  {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
                  {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN}):
        with pytest.raises(WebhookRejected):
            receiver.handshake(query)


def test_signature_is_checked_over_the_raw_bytes(channel: Channel) -> None:
    receiver = InstagramPlatform().webhook(channel)
    body = fixture_bytes("webhook/comments_batch.json")
    receiver.verify(signed(body), body)
    reencoded = orjson.dumps(orjson.loads(body))                  # same JSON, other bytes
    with pytest.raises(WebhookRejected):
        receiver.verify(signed(body), reencoded)
    with pytest.raises(WebhookRejected):
        receiver.verify(signed(body, "another-secret"), body)
    with pytest.raises(WebhookRejected):
        receiver.verify({}, body)


def test_a_batch_splits_into_one_post_per_comment_with_stable_keys(channel: Channel) -> None:
    receiver = InstagramPlatform().webhook(channel)
    body = fixture_bytes("webhook/comments_batch.json")
    first, again = receiver.split(body), receiver.split(body)
    assert [p.external_id for p in first] == ["17900000000000002", "17900000000000005", "17900000000000007"]
    assert [(p.external_id, p.payload) for p in first] == [(p.external_id, p.payload) for p in again]
    assert all(p.channel == "lko_ig" and p.platform == "instagram" for p in first)
    # each stored payload is a one-item delivery that splits to the same key again
    for post in first:
        [back] = InstagramPlatform().split(post.payload, "lko_ig")
        assert (back.external_id, back.payload) == (post.external_id, post.payload)


def test_messaging_keeps_messages_and_drops_echoes_and_receipts(channel: Channel) -> None:
    posts = InstagramPlatform().webhook(channel).split(fixture_bytes("webhook/messaging.json"))
    assert [p.external_id for p in posts] == ["aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAw"]


def test_an_unsent_message_is_kept_as_its_removal_reactions_and_other_fields_are_not_stored(
        channel: Channel) -> None:
    delivery = {"object": "instagram", "entry": [{"id": IG_USER_ID, "time": 1, "messaging": [
        {"sender": {"id": "6"}, "recipient": {"id": IG_USER_ID}, "timestamp": 1,
         "message": {"mid": "m_gone", "is_deleted": True}},
        {"sender": {"id": "6"}, "recipient": {"id": IG_USER_ID}, "timestamp": 1,
         "reaction": {"mid": "m_1", "action": "react", "reaction": "love"}}],
        "changes": [{"field": "story_insights", "value": {"media_id": "1", "impressions": 4}}]}]}
    platform = InstagramPlatform()
    [notice] = platform.webhook(channel).split(orjson.dumps(delivery))
    assert notice.external_id == "m_gone:removed"
    with pytest.raises(PostRemoved) as removal:
        platform.normalize(notice)
    assert (removal.value.external_id, removal.value.removed_by) == ("m_gone", "6")


def test_mentions_are_stored_as_stubs_and_queued_for_the_channels_fetcher(channel: Channel) -> None:
    platform = InstagramPlatform()
    receiver = platform.webhook(channel)
    body = fixture_bytes("webhook/mentions.json")
    posts = receiver.split(body)
    receiver.split(body)                                            # a redelivery queues nothing new
    assert [p.external_id for p in posts] == ["mention:17900000000000098", "mention:media:17950000000000097"]
    queue = platform.mention_queue("lko_ig")
    assert queue.take(10) == [Mention("17950000000000099", "17900000000000098"), Mention("17950000000000097")]
    assert len(platform.mention_queue("another_channel")) == 0


def test_a_delivery_for_another_object_or_garbage_is_unparseable(channel: Channel) -> None:
    receiver = InstagramPlatform().webhook(channel)
    page = orjson.dumps({"object": "page", "entry": []})
    for body in (page, b"{", b'{"object": "instagram"}'):
        with pytest.raises(UnparseablePayload):
            receiver.split(body)
    no_id = {"object": "instagram", "entry": [{"id": IG_USER_ID, "changes": [{"field": "comments",
                                                                          "value": {"text": "x"}}]}]}
    with pytest.raises(UnparseablePayload, match="no comment id"):
        receiver.split(orjson.dumps(no_id))


def test_replay_splits_deliveries_and_reads_under_the_same_keys() -> None:
    ig = InstagramPlatform()
    webhook_keys = {p.external_id for p in ig.split(fixture_bytes("webhook/comments_batch.json"))}
    read_keys = set()
    for page in ("fetch/02_comments_page1.json", "fetch/03_comments_page2.json"):
        comments = fixture(page)["data"]
        comments += [r for c in comments for r in c.get("replies", {}).get("data", [])]
        for comment in comments:
            payload = orjson.dumps({"comment": comment, "media": {"id": "17950000000000004"}})
            read_keys |= {p.external_id for p in ig.split(payload)}
    assert {"17900000000000002", "17900000000000005"} <= webhook_keys & read_keys
    with pytest.raises(UnparseablePayload, match="neither"):
        ig.split(b'{"data": {"id": "1"}}')


def test_an_unsent_direct_message_keeps_its_case_with_its_text_tombstoned(channel: Channel, db_url: str) -> None:
    """Through the real pipeline and store: the unsend notice, delivered after the message,
    tombstones it; the case and its acknowledgement stay."""
    from shikayat.complaint import TOMBSTONE
    from shikayat.pipeline import Pipeline
    from shikayat.plugins import load_plugins
    from shikayat.units import UnitsDirectory

    plugins = load_plugins()
    store = plugins.open_store(db_url)
    store.migrate()
    receiver = InstagramPlatform().webhook(channel)

    def event(message: dict[str, object]) -> bytes:
        return orjson.dumps({"object": "instagram", "entry": [{"id": IG_USER_ID, "time": 1, "messaging": [
            {"sender": {"id": "6000000000000007"}, "recipient": {"id": IG_USER_ID}, "timestamp": 1767225600000,
             "message": message}]}]})

    try:
        pipeline = Pipeline(store=store, plugins=plugins, units=UnitsDirectory(), channels={channel.name: channel})
        store.add_raw(receiver.split(event({"mid": "m_dm1", "text": "Aminabad me mobile chheena gaya"})))
        pipeline.drain()
        store.add_raw(receiver.split(event({"mid": "m_dm1", "is_deleted": True})))
        assert pipeline.drain().removed == 1
        (dm,) = store.iter_complaints()
        assert dm.external_id == "m_dm1" and dm.text == TOMBSTONE and dm.removed_at is not None
        assert store.stats()["outbox_pending"] == 1
        assert [e.detail["removed_by"] for e in store.events(dm.id) if e.kind == "complaint.removed"] == [
            "6000000000000007"]
    finally:
        store.close()
