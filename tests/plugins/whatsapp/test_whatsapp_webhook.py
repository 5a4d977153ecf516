"""The receiver behind core's webhook route, against a real store: hub handshake, signature over
the raw bytes, messages stored once, a failed status marking our reply failed; settings errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from shikayat import Author, Complaint, ConfigError, RawPost
from shikayat.config import build_config
from shikayat.plugins import Plugins
from shikayat.store import OutboxEntry, Processed, Store
from shikayat.types import Status
from shikayat.web import create_app
from shikayat.webhooks import WebhookRoutes, hmac_sha256

FIXTURES = Path(__file__).parent / "fixtures" / "webhook"
FAILED_WAMID = "wamid.HBgMOTExMTQwMDAwMDAwFQIAERgSQUNLMDAwMDAwMDAwMDAwMDIA"


@pytest.fixture
def client(store: Store, plugins: Plugins, make_channel: Any) -> httpx.AsyncClient:
    routes = WebhookRoutes()
    routes.register(make_channel(), plugins.platform("whatsapp"))
    app = create_app(store, routes, readiness=lambda: {"ready": True})
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://daemon")


def _signed(body: bytes, secret: str = "fake-app-secret") -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac_sha256(secret.encode(), body, "hex"),
            "Content-Type": "application/json"}


async def test_hub_handshake(client: httpx.AsyncClient) -> None:
    ok = await client.get("/webhooks/up_wa", params={"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                                     "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    bad = await client.get("/webhooks/up_wa", params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                                      "hub.challenge": "1"})
    assert bad.status_code == 401


async def test_messages_are_stored_once_and_a_bad_signature_stores_nothing(client: httpx.AsyncClient,
                                                                           store: Store) -> None:
    body = (FIXTURES / "batch_mixed.json").read_bytes()
    forged = await client.post("/webhooks/up_wa", content=body, headers=_signed(body, "not-the-app-secret"))
    assert forged.status_code == 401 and store.stats()["inbox_pending"] == 0
    reencoded = body.replace(b"\n", b"")                     # the signature is over the raw bytes
    assert (await client.post("/webhooks/up_wa", content=reencoded, headers=_signed(body))).status_code == 401
    r = await client.post("/webhooks/up_wa", content=body, headers=_signed(body))
    assert r.status_code == 200 and r.json() == {"received": 3}
    assert (await client.post("/webhooks/up_wa", content=body, headers=_signed(body))).status_code == 200
    assert store.stats()["inbox_pending"] == 3


async def test_failed_status_marks_our_sent_reply_failed(client: httpx.AsyncClient, store: Store) -> None:
    store.add_raw([RawPost(platform="whatsapp", external_id="wamid.IN1", channel="up_wa", payload=b"{}")])
    item, = store.claim_inbox(1, owner="t", lease_seconds=30)
    c = Complaint(platform="whatsapp", external_id="wamid.IN1", docket="SK-1", channel="up_wa",
                  author=Author(id="IN.7000000000000000003", phone="919800000001"), text="chain chheen li",
                  created_at=item.received_at)
    store.save_outcomes([Processed(item.id, c, outbox=[
        OutboxEntry("ack", "up_wa", "wamid.IN1", c.author.id, "registered")])])
    row, = store.claim_outbox(1, owner="t", lease_seconds=30)
    store.mark_sent(row.id, FAILED_WAMID)
    body = (FIXTURES / "status_failed.json").read_bytes()
    r = await client.post("/webhooks/up_wa", content=body, headers=_signed(body))
    assert r.status_code == 200 and r.json() == {"received": 0}
    stats = store.stats()
    assert stats["outbox_failed"] == 1
    assert sum(v for k, v in stats.items() if k.startswith("inbox_")) == 1      # statuses are no posts
    event, = [e for e in store.events(c.id) if e.kind == "reply.undelivered"]
    assert event.detail["platform_id"] == FAILED_WAMID and "131047 Re-engagement message" in event.detail["error"]
    back = store.get_complaint(c.id)
    assert back is not None and back.status is Status.NEW


def _config(plugins: Plugins, tmp_path: Path, **section: Any) -> Any:
    raw = {"storage": {"url": "sqlite:///x.db"}, "channels": {"wa": {
        "platform": "whatsapp", "phone_number_id": "800000000000002", "access_token": "env:WA_TOKEN",
        "app_secret": "env:WA_SECRET", "verify_token": "env:WA_VERIFY", **section}}}
    return build_config(raw, plugins, base=tmp_path)


def test_settings_errors_name_section_key_and_problem(plugins: Plugins, tmp_path: Path, make_channel: Any) -> None:
    make_channel()                                              # sets the env variables
    assert _config(plugins, tmp_path).channels["wa"].settings.template_parameters == ["reference", "text"]
    with pytest.raises(ConfigError) as info:
        _config(plugins, tmp_path, phone_number_id="+91 800", template_parameters=["text"],
                access_token="EAAG-inline-token", window_hours=48)
    text = str(info.value)
    assert "[channels.wa] phone_number_id" in text and "[channels.wa] template_parameters" in text
    assert "must include 'reference'" in text and "[channels.wa] window_hours" in text
    assert "[channels.wa] access_token" in text and "EAAG-inline-token" not in text
