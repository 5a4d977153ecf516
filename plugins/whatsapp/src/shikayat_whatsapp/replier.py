"""Replies through ``POST /{phone-number-id}/messages``: free text inside the customer-service
window, an approved template outside it.

**The window.** WhatsApp accepts free-form messages only within 24 hours of the customer's
latest message. Core hands the replier ``ReplyIntent.last_inbound_at`` — the newest
``created_at`` (WhatsApp's own timestamp) of the author's complaints on this channel, every
message they sent included, repeats and non-complaints too — so the replier decides from what
the store knows, without asking the platform:

* window open (``now - last_inbound_at < window_hours - window_margin_minutes``): a ``text``
  message quoting the citizen's message (``context.message_id``);
* window closed (a closure message days later): the channel's approved template
  (``template_name``, ``template_language`` or ``template_language_hindi`` for a reply written in
  Devanagari), its body variables filled from ``template_parameters`` (the reference, the reply text);
* unknown (no time given): text first.

If the text is refused with **131047** (re-engagement: the window closed after all), the same
``send`` retries once as the template and stops there: a template is never retried as text, and
a channel without a template fails the reply permanently with that reason.

**The address.** The author's phone number (``to``) when the store has it, which Meta prefers;
else a business-scoped user id (``recipient``). After an acknowledgement is accepted, the
citizen's message is marked read (``status: read``) when ``mark_read`` is on; that call is
best-effort and never fails the reply.

HTTP 200 only means *accepted*: a later ``failed`` status webhook (see
:func:`shikayat_whatsapp.split.delivery_reports`) marks the reply failed. The returned id is
the message's ``wamid``. The Cloud API cannot list sent messages, so :meth:`find_sent` cannot
look (the default); instead every send carries the reply token in ``biz_opaque_callback_data``,
which WhatsApp echoes in the message's status webhooks. A reply whose send outcome was lost
(:meth:`confirms_by_webhook`) waits for its ``sent`` status before it is sent again.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shikayat import (
    Channel,
    FatalError,
    Language,
    PlatformError,
    Replier,
    ReplyIntent,
    RetryableError,
    SentReply,
)
from shikayat.complaint import detect_language
from shikayat_facebook.graph import GraphClient
from shikayat_whatsapp.normalize import BSUID
from shikayat_whatsapp.settings import WhatsAppSettings

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096
PARAMETER_LIMIT = 1000
"""Characters of one template body variable (the whole body allows 1,024)."""
RE_ENGAGEMENT = "131047"


def template_parameter(text: str) -> str:
    """A template variable: no newlines or tabs, at most four spaces in a row, bounded."""
    flat = re.sub(r"[\r\n\t]+", " ", text)
    flat = re.sub(r" {4,}", "   ", flat).strip()
    return flat if len(flat) <= PARAMETER_LIMIT else flat[: PARAMETER_LIMIT - 1] + "…"


class WhatsAppReplier(Replier):
    def __init__(self, channel: Channel, graph: GraphClient, *, clock: Callable[[], float] = time.time) -> None:
        settings = channel.settings
        assert isinstance(settings, WhatsAppSettings)
        self.channel = channel
        self.settings = settings
        self.graph = graph
        self.clock = clock

    # -- deciding --------------------------------------------------------------------------
    def window_open(self, intent: ReplyIntent) -> bool | None:
        """Whether free text may be sent now (None: the store did not know)."""
        if intent.last_inbound_at is None:
            return None
        s = self.settings
        left = timedelta(hours=s.window_hours) - timedelta(minutes=s.window_margin_minutes)
        now = datetime.fromtimestamp(self.clock(), tz=UTC)
        return now - intent.last_inbound_at < left

    def _address(self, intent: ReplyIntent) -> dict[str, str]:
        phone = intent.author.phone if intent.author is not None else None
        if phone:
            return {"to": phone}
        if BSUID.match(intent.recipient):
            return {"recipient": intent.recipient}
        raise FatalError(f"reply {intent.outbox_id}: the author has neither a phone number nor a "
                         "business-scoped user id to send to")

    def text_body(self, intent: ReplyIntent) -> dict[str, Any]:
        body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual",
                                **self._address(intent), "type": "text",
                                "text": {"body": intent.text[:TEXT_LIMIT], "preview_url": False},
                                "biz_opaque_callback_data": intent.token}
        if intent.in_reply_to.startswith("wamid."):
            body["context"] = {"message_id": intent.in_reply_to}
        return body

    def template_body(self, intent: ReplyIntent) -> dict[str, Any]:
        s = self.settings
        if s.template_name is None:
            raise FatalError(f"reply {intent.outbox_id} ({intent.docket}): outside WhatsApp's 24-hour window "
                             f"and channel {self.channel.name!r} has no template_name to send instead")
        hindi = s.template_language_hindi and detect_language(intent.text) in (Language.HINDI, Language.MIXED)
        values = {"reference": intent.docket, "text": template_parameter(intent.text)}
        return {"messaging_product": "whatsapp", "recipient_type": "individual", **self._address(intent),
                "type": "template", "template": {
                    "name": s.template_name,
                    "language": {"code": s.template_language_hindi if hindi else s.template_language},
                    "components": [{"type": "body", "parameters": [
                        {"type": "text", "text": values[p]} for p in s.template_parameters]}],
                }, "biz_opaque_callback_data": intent.token}

    # -- sending ---------------------------------------------------------------------------
    def confirms_by_webhook(self, intent: ReplyIntent) -> bool:
        """Always: statuses echo ``biz_opaque_callback_data`` and nothing can be looked up."""
        return True

    async def _post(self, body: dict[str, Any]) -> SentReply:
        answer = await self.graph.post(f"{self.settings.phone_number_id}/messages", json=body)
        messages = answer.get("messages")
        first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
        wamid = first.get("id")
        if not isinstance(wamid, str) or not wamid:
            raise RetryableError("WhatsApp Cloud API messages: the response has no message id")
        return SentReply(platform_id=wamid)

    async def send(self, intent: ReplyIntent) -> SentReply:
        if self.window_open(intent) is not False:
            try:
                sent = await self._post(self.text_body(intent))
            except FatalError as exc:
                if exc.code != RE_ENGAGEMENT:
                    raise
                logger.info("reply %d: outside the customer-service window (131047); sending the template",
                            intent.outbox_id)
            else:
                await self._mark_read(intent)
                return sent
        sent = await self._post(self.template_body(intent))
        await self._mark_read(intent)
        return sent

    async def _mark_read(self, intent: ReplyIntent) -> None:
        if not self.settings.mark_read or intent.kind != "ack" or not intent.in_reply_to.startswith("wamid."):
            return
        try:
            await self.graph.post(f"{self.settings.phone_number_id}/messages", json={
                "messaging_product": "whatsapp", "status": "read", "message_id": intent.in_reply_to})
        except PlatformError as exc:
            logger.warning("reply %d: could not mark the message read: %s", intent.outbox_id, exc)
