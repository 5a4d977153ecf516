"""``shikayat ingest`` of recorded status deliveries: a ``sent`` status carrying our reply token
confirms the reply it names, against a real store; the status never becomes a complaint."""

from __future__ import annotations


import orjson

from shikayat.complaint import Author, Complaint, RawPost, utcnow
from shikayat.platforms import reply_token
from shikayat.plugins import Plugins
from shikayat.replay import ingest_lines
from shikayat.store import OutboxEntry, Processed, Store
from shikayat_whatsapp.fake import FakeWhatsApp


def test_replayed_sent_status_confirms_the_reply_it_names(store: Store, plugins: Plugins) -> None:
    store.add_raw([RawPost(platform="whatsapp", external_id="wamid.IN1", channel="up_wa", payload=b"{}")])
    item, = store.claim_inbox(1, owner="t", lease_seconds=30)
    c = Complaint(platform="whatsapp", external_id="wamid.IN1", docket="SK-AAAA-0001",
                  author=Author(id="IN.7000000000000000001"), text="chain chheen li", created_at=utcnow())
    store.save_outcomes([Processed(item.id, c, outbox=[
        OutboxEntry("ack", "up_wa", "wamid.IN1", "IN.7000000000000000001", "registered")])])
    row, = store.claim_outbox(1, owner="dead", lease_seconds=30)           # accepted, then the crash
    wa = FakeWhatsApp()
    statuses = [wa.status("wamid.OUT1", "sent", "919800000001", callback_data=reply_token(row.id)),
                wa.status("wamid.OUT1", "delivered", "919800000001", callback_data=reply_token(row.id)),
                wa.status("wamid.OTHER", "sent", "919800000002", callback_data="another-app:1")]
    line = orjson.dumps({"platform": "whatsapp", "channel": "up_wa", "payload": FakeWhatsApp.combine(statuses)})
    report = ingest_lines([line, line], plugins, store)
    assert (report.posts, report.confirmed, report.undelivered, report.bad_lines) == (0, 1, 0, [])
    stats = store.stats()
    assert (stats["outbox_sent"], stats["outbox_pending"], stats["complaints"]) == (1, 0, 1)
    sent, = [e for e in store.events(c.id) if e.kind == "reply.sent"]
    assert sent.detail["platform_id"] == "wamid.OUT1" and sent.actor == "platform"
