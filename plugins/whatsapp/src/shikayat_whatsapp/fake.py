"""A fake WhatsApp Cloud API for tests, end-to-end runs and ``shikayat demo``.

Built on :class:`shikayat_facebook.fakegraph.FakeGraph` (versioned paths, bearer token and
``appsecret_proof``, the Graph error envelope, usage headers, scripted failures with
:meth:`~FakeGraph.fail_next`) and its :class:`~shikayat_facebook.fakegraph.WebhookSender`
(signed ``X-Hub-Signature-256`` deliveries). Endpoints, in the documented shapes:

* ``POST /{v}/{phone-number-id}/messages`` — ``type: text`` (body ≤ 4,096 characters) and
  ``type: template`` (only approved name + language pairs, with their variable count; errors
  132001 / 132000), addressed by ``to`` (phone) or ``recipient`` (BSUID); answers
  ``{"messaging_product", "contacts", "messages": [{"id": "wamid…"}]}``. Like the real API it
  accepts free text outside the 24-hour window and reports **131047** later, in a ``failed``
  status; a number that is not on WhatsApp fails later with 131026. A second message to the
  same person within ``pair_interval`` seconds is refused with **131056** (pair rate limit).
  ``{"status": "read", "message_id": …}`` marks a received message read (unknown id: 131009).
* ``GET /{v}/{media-id}`` — the media's short-lived URL, MIME type, SHA-256 and size.

Every citizen action (:meth:`FakeWhatsApp.text`, :meth:`~FakeWhatsApp.media`,
:meth:`~FakeWhatsApp.location`, :meth:`~FakeWhatsApp.button_reply`, :meth:`~FakeWhatsApp.reaction`…)
returns the delivery Meta would POST; :meth:`combine` batches several into one. Status receipts of
our messages (sent, delivered, and failed where the platform would fail them; each echoing the
send's ``biz_opaque_callback_data``) are queued in :attr:`FakeWhatsApp.statuses`; with
``auto_statuses`` they are sent to :attr:`webhooks`' target ``status_delay`` seconds after the
send, and retried while the target does not answer 2xx (as Meta retries).
:meth:`~FakeWhatsApp.failed_status` builds a failed status for any wamid.

    python -m shikayat_whatsapp.fake --port 8902 --webhook http://127.0.0.1:8787/webhooks/up_whatsapp
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from shikayat_facebook.fakegraph import FakeGraph, emit_forever, json_body, run_fake

WABA_ID = "900000000000001"
PHONE_NUMBER_ID = "800000000000002"
DISPLAY_NUMBER = "911140000000"
WINDOW_SECONDS = 24 * 3600
TEMPLATES = {("complaint_update", "en"): 2, ("complaint_update", "hi"): 2}
"""Approved templates: (name, language) → number of body variables."""


@dataclass
class Citizen:
    name: str
    wa_id: str | None
    user_id: str
    username: str | None = None


@dataclass
class FakeWhatsApp(FakeGraph):
    tokens: set[str] = field(default_factory=lambda: {"fake-system-user-token"})
    waba_id: str = WABA_ID
    phone_number_id: str = PHONE_NUMBER_ID
    display_phone_number: str = DISPLAY_NUMBER
    templates: dict[tuple[str, str], int] = field(default_factory=lambda: dict(TEMPLATES))
    pair_interval: float = 0.0
    """Seconds between two messages to the same person (0: no pair limit)."""
    auto_statuses: bool = False
    """Send status receipts to the webhook target as they happen (a background thread)."""
    status_delay: float = 0.0
    """Seconds between a send and its status receipts (``auto_statuses``)."""
    sent: list[dict[str, Any]] = field(default_factory=list)
    """Messages our number sent: wamid, to / recipient, type, text or template, at."""
    received: list[dict[str, Any]] = field(default_factory=list)
    """Messages citizens sent us (the ``messages[]`` objects), with read marks."""
    statuses: list[dict[str, Any]] = field(default_factory=list)
    """Status deliveries produced by our sends, in order."""
    media_store: dict[str, dict[str, Any]] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)
    """Phone numbers that are not WhatsApp users (sends to them fail later with 131026)."""

    def __post_init__(self) -> None:
        self.usage_object = self.waba_id
        self._seq = 0
        self._citizens: dict[str, Citizen] = {}
        self._last_inbound: dict[str, float] = {}
        self._last_sent: dict[str, float] = {}
        self.read: set[str] = set()
        super().__post_init__()

    # -- people and ids ----------------------------------------------------------------------------
    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def wamid(self) -> str:
        raw = f"{self.phone_number_id}:{self._next():010d}".encode()
        return "wamid." + base64.b64encode(b"HBgM" + raw).decode()

    def citizen(self, name: str, *, phone: bool = True, username: str | None = None) -> Citizen:
        """A person with a stable number (``91…``) and BSUID; ``phone=False``: a username user
        whose number WhatsApp withholds."""
        with self.lock:
            if name not in self._citizens:
                n = len(self._citizens) + 1
                self._citizens[name] = Citizen(name, f"9198{n:08d}" if phone else None,
                                               f"IN.{7_000_000_000_000_000_000 + n}", username)
            return self._citizens[name]

    def _by_address(self, to: str | None, recipient: str | None) -> Citizen | None:
        for c in self._citizens.values():
            if (to and c.wa_id == to) or (recipient and c.user_id == recipient):
                return c
        return None

    # -- deliveries ------------------------------------------------------------------------------------
    def _value(self, **parts: Any) -> dict[str, Any]:
        return {"messaging_product": "whatsapp",
                "metadata": {"display_phone_number": self.display_phone_number,
                             "phone_number_id": self.phone_number_id}, **parts}

    def _delivery(self, value: dict[str, Any]) -> dict[str, Any]:
        return {"object": "whatsapp_business_account",
                "entry": [{"id": self.waba_id, "changes": [{"field": "messages", "value": value}]}]}

    def message(self, who: str | Citizen, kind: str, content: dict[str, Any] | None = None, *,
                reply_to: str | None = None, at: float | None = None, forwarded: bool = False,
                phone: bool = True) -> dict[str, Any]:
        """A message of ``kind`` from a citizen; returns its delivery."""
        with self.lock:
            person = who if isinstance(who, Citizen) else self.citizen(who, phone=phone)
            when = time.time() if at is None else at
            msg: dict[str, Any] = {"id": self.wamid(), "timestamp": str(int(when)), "type": kind}
            if person.wa_id:
                msg["from"] = person.wa_id
            msg["from_user_id"] = person.user_id
            if content is not None:
                msg[kind] = content
            context: dict[str, Any] = {}
            if reply_to:
                context.update({"from": self.display_phone_number, "id": reply_to})
            if forwarded:
                context["forwarded"] = True
            if context:
                msg["context"] = context
            profile: dict[str, Any] = {"name": person.name}
            if person.username:
                profile["username"] = person.username
            contact: dict[str, Any] = {"profile": profile, "user_id": person.user_id}
            if person.wa_id:
                contact["wa_id"] = person.wa_id
            if kind != "reaction":
                self.received.append(msg)
                self._last_inbound[person.user_id] = max(self._last_inbound.get(person.user_id, 0.0), when)
            return self._delivery(self._value(contacts=[contact], messages=[msg]))

    def text(self, who: str | Citizen, body: str, **kw: Any) -> dict[str, Any]:
        return self.message(who, "text", {"body": body}, **kw)

    def media(self, who: str | Citizen, kind: str, *, caption: str | None = None, mime_type: str | None = None,
              **kw: Any) -> dict[str, Any]:
        """An image / video / audio (a voice note) / document / sticker; the media is kept for lookup."""
        with self.lock:
            media_id = str(1_500_000_000_000_000 + self._next())
            mime = mime_type or {"image": "image/jpeg", "video": "video/mp4", "audio": "audio/ogg; codecs=opus",
                                 "document": "application/pdf", "sticker": "image/webp"}[kind]
            digest = hashlib.sha256(media_id.encode()).hexdigest()
            self.media_store[media_id] = {"id": media_id, "mime_type": mime, "sha256": digest,
                                          "file_size": 20_000 + int(media_id[-4:]), "messaging_product": "whatsapp"}
            content: dict[str, Any] = {"id": media_id, "mime_type": mime, "sha256": digest}
            if caption:
                content["caption"] = caption
            if kind == "audio":
                content["voice"] = True
            return self.message(who, kind, content, **kw)

    def location(self, who: str | Citizen, latitude: float, longitude: float, *, name: str | None = None,
                 address: str | None = None, **kw: Any) -> dict[str, Any]:
        content: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if name:
            content["name"] = name
        if address:
            content["address"] = address
        return self.message(who, "location", content, **kw)

    def button_reply(self, who: str | Citizen, button_id: str, title: str, **kw: Any) -> dict[str, Any]:
        return self.message(who, "interactive", {"type": "button_reply",
                                                 "button_reply": {"id": button_id, "title": title}}, **kw)

    def reaction(self, who: str | Citizen, message_id: str, emoji: str = "👍") -> dict[str, Any]:
        return self.message(who, "reaction", {"message_id": message_id, "emoji": emoji})

    def own_message(self, body: str) -> dict[str, Any]:
        """A message whose sender is our own business number (e.g. a test from the handset)."""
        with self.lock:
            msg = {"from": self.display_phone_number, "id": self.wamid(), "timestamp": str(int(time.time())),
                   "type": "text", "text": {"body": body}}
            contact = {"profile": {"name": "UP Police"}, "wa_id": self.display_phone_number}
            return self._delivery(self._value(contacts=[contact], messages=[msg]))

    def status(self, wamid: str, state: str, recipient: str, *, errors: list[dict[str, Any]] | None = None,
               at: float | None = None, callback_data: str | None = None) -> dict[str, Any]:
        status: dict[str, Any] = {"id": wamid, "status": state, "timestamp": str(int(time.time() if at is None else at)),
                                  "recipient_id": recipient}
        if callback_data:
            status["biz_opaque_callback_data"] = callback_data
        if errors:
            status["errors"] = errors
        return self._delivery(self._value(statuses=[status]))

    def failed_status(self, wamid: str, code: int = 131026, title: str = "Message undeliverable",
                      details: str = "The recipient could not be reached") -> dict[str, Any]:
        """A ``failed`` status for any of our wamids (e.g. the citizen blocked the number)."""
        sent = next((m for m in self.sent if m["id"] == wamid), None)
        recipient = (sent or {}).get("to") or (sent or {}).get("recipient") or "0"
        errors = [{"code": code, "title": title, "message": title, "error_data": {"details": details}}]
        return self.status(wamid, "failed", recipient, errors=errors,
                           callback_data=(sent or {}).get("biz_opaque_callback_data"))

    @staticmethod
    def combine(deliveries: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Several deliveries as one POST: their messages, contacts and statuses in one change."""
        first = deliveries[0]
        value = dict(first["entry"][0]["changes"][0]["value"])
        for key in ("contacts", "messages", "statuses"):
            merged = [x for d in deliveries for x in d["entry"][0]["changes"][0]["value"].get(key, [])]
            if merged:
                value[key] = merged
        return {"object": first["object"],
                "entry": [{"id": first["entry"][0]["id"], "changes": [{"field": "messages", "value": value}]}]}

    def replies_to(self, who: str | Citizen) -> list[dict[str, Any]]:
        """Our messages to one citizen (by phone or by BSUID)."""
        person = who if isinstance(who, Citizen) else self.citizen(who)
        with self.lock:
            return [m for m in self.sent
                    if (person.wa_id and m.get("to") == person.wa_id) or m.get("recipient") == person.user_id]

    # -- HTTP -----------------------------------------------------------------------------------
    def routes(self) -> Sequence[BaseRoute]:
        fake = self

        async def messages(request: Request) -> Response:
            body = await json_body(request)
            with fake.lock:
                if denied := fake.gate(request, "messages", body):
                    return denied
                if request.path_params["number"] != fake.phone_number_id:
                    return fake.error(100, "(#100) Invalid parameter: unknown phone number id", subcode=33)
                if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
                    return fake.error(100, "(#100) The parameter messaging_product is required.")
                if body.get("status") == "read":
                    return fake._mark_read(body)
                return fake._send(body)

        async def media(request: Request) -> Response:
            with fake.lock:
                if denied := fake.gate(request, "media"):
                    return denied
                item = fake.media_store.get(request.path_params["media"])
                if item is None:
                    return fake.error(100, "(#100) Unsupported get request. Object does not exist", subcode=33)
                url = f"{request.base_url}media-download/{item['id']}?token=fake"
                return fake.respond({**item, "url": url})

        return [
            Route("/{version}/{number}/messages", messages, methods=["POST"]),
            Route("/{version}/{media}", media, methods=["GET"]),
        ]

    def _emit_statuses(self, statuses: list[dict[str, Any]]) -> None:
        if self.status_delay:
            time.sleep(self.status_delay)
        self.webhooks.send_retrying(statuses)

    def _mark_read(self, body: dict[str, Any]) -> Response:
        wamid = body.get("message_id")
        if not any(m["id"] == wamid for m in self.received):
            return self.error(131009, "(#131009) Parameter value is not valid")
        self.read.add(str(wamid))
        return self.respond({"success": True})

    def _send(self, body: dict[str, Any]) -> Response:
        to, recipient = body.get("to"), body.get("recipient")
        if not to and not recipient:
            return self.error(100, "(#100) The parameter to is required.")
        callback = body.get("biz_opaque_callback_data")
        if callback is not None and (not isinstance(callback, str) or len(callback) > 512):
            return self.error(100, "(#100) Param biz_opaque_callback_data must be a string of at most 512 "
                                   "characters.")
        kind = body.get("type", "text")
        record: dict[str, Any] = {"type": kind, "at": time.time()}
        if callback:
            record["biz_opaque_callback_data"] = callback
        if to:
            record["to"] = str(to)
        else:
            record["recipient"] = str(recipient)
        if kind == "text":
            text = (body.get("text") or {}).get("body") if isinstance(body.get("text"), dict) else None
            if not isinstance(text, str) or not text:
                return self.error(100, "(#100) The parameter text['body'] is required.")
            if len(text) > 4096:
                return self.error(100, "(#100) Param text['body'] must be at most 4096 characters long.")
            record["text"] = text
            record["context"] = (body.get("context") or {}).get("message_id")
        elif kind == "template":
            template = body.get("template") if isinstance(body.get("template"), dict) else {}
            name = template.get("name")
            lang = (template.get("language") or {}).get("code")
            wanted = self.templates.get((str(name), str(lang)))
            if wanted is None:
                return self.error(132001, f"(#132001) Template name does not exist in the translation: {name} ({lang})")
            params = [p.get("text") for c in template.get("components") or [] if c.get("type") == "body"
                      for p in c.get("parameters") or []]
            if len(params) != wanted:
                return self.error(132000, f"(#132000) Number of parameters does not match the expected number "
                                          f"of params ({len(params)} given, {wanted} expected)")
            record.update(template=name, language=lang, parameters=params)
        else:
            return self.error(100, f"(#100) This fake does not send messages of type {kind!r}")
        person = self._by_address(record.get("to"), record.get("recipient"))
        key = person.user_id if person else str(to or recipient)
        now = time.time()
        if self.pair_interval and now - self._last_sent.get(key, 0.0) < self.pair_interval:
            return self.error(131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit")
        self._last_sent[key] = now
        wamid = self.wamid()
        record["id"] = wamid
        self.sent.append(record)
        address = str(to or recipient)
        statuses = [self.status(wamid, "sent", address, callback_data=callback)]
        if person is None or (to and str(to) in self.unreachable):
            statuses.append(self.status(wamid, "failed", address, callback_data=callback, errors=[{
                "code": 131026, "title": "Message undeliverable",
                "error_data": {"details": "The recipient is not a WhatsApp user"}}]))
        elif kind == "text" and now - self._last_inbound.get(person.user_id, 0.0) > WINDOW_SECONDS:
            statuses.append(self.status(wamid, "failed", address, callback_data=callback, errors=[{
                "code": 131047, "title": "Re-engagement message",
                "error_data": {"details": "Message failed to send because more than 24 hours have passed "
                                          "since the customer last replied to this number."}}]))
        else:
            statuses.append(self.status(wamid, "delivered", address, callback_data=callback))
        self.statuses += statuses
        if self.auto_statuses and self.webhooks.target:
            threading.Thread(target=self._emit_statuses, args=(statuses,), daemon=True).start()
        contact: dict[str, Any] = {"input": address}
        if to:
            contact["wa_id"] = str(to)
        else:
            contact["user_id"] = str(recipient)
        return self.respond({"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]})


def main() -> None:  # pragma: no cover - manual use
    from shikayat_whatsapp.traffic import WhatsAppTraffic

    parser = argparse.ArgumentParser(description="A fake WhatsApp Cloud API with demo traffic.")
    parser.add_argument("--port", type=int, default=8902)
    parser.add_argument("--webhook", help="daemon URL to send signed deliveries to, e.g. "
                                          "http://127.0.0.1:8787/webhooks/up_whatsapp")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    fake = FakeWhatsApp(tokens={"fake-system-user-token"}, auto_statuses=True)
    fake.webhooks.target = args.webhook
    running = run_fake(fake.app, name="fake-whatsapp", port=args.port)
    print(f"fake WhatsApp Cloud API at {running.base_url}/{fake.version} (token 'fake-system-user-token', "
          f"app secret '{fake.app_secret}', phone number id {fake.phone_number_id})")
    traffic = WhatsAppTraffic(fake, seed=args.seed)
    emit_forever(running, traffic)


if __name__ == "__main__":  # pragma: no cover
    main()
