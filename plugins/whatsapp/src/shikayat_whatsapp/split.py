"""Which parts of a WhatsApp delivery are stored, and under which inbox key.

A delivery is ``{"object": "whatsapp_business_account", "entry": [{"id": <WABA id>, "changes":
[{"field": "messages", "value": {...}}]}]}``; one ``value`` may carry several ``messages`` and
``statuses`` (and one POST several entries and changes). Splitting keeps:

* every customer message of a ``messages`` change, one inbox post each, keyed by its ``wamid``
  (``messages[].id``); its payload is a one-message delivery in the same documented shape (the
  ``metadata``, the matching ``contacts`` entry and the message), so a stored payload replays
  through :func:`split_payload` under the same key. A message without an id is keyed by the
  SHA-256 of that payload and left to the normalizer, which dead-letters it alone.

Not stored as posts:

* ``statuses`` — receipts of *our* messages (sent / delivered / read / failed), reported by
  :func:`delivery_reports` instead: a ``failed`` one is a reply that was accepted and then not
  delivered (core marks the outbox row failed); any other one carrying the reply token our send
  put in ``biz_opaque_callback_data`` confirms that reply went out as that ``wamid`` (core marks
  a row still pending sent — how a reply whose send answer was lost is known to be out);
* reactions (an emoji on a message, or its removal): feedback, not a complaint;
* ``system`` messages (the user changed number) and ``request_welcome`` (a chat was opened);
* changes of other fields (``smb_message_echoes`` — our own messages echoed back —, template
  and account updates).

Messages from our own number are stored and then ignored by the pipeline: the normalizer makes
our own business (``metadata.phone_number_id``) their author.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from shikayat import DeliveryReport, RawPost, UnparseablePayload
from shikayat_facebook.metahook import DeliveryItem, delivery_items, load_delivery, single_delivery

logger = logging.getLogger(__name__)

PLATFORM = "whatsapp"
OBJECT = "whatsapp_business_account"
FIELD = "messages"
SKIPPED_TYPES = frozenset({"reaction", "system", "request_welcome"})
"""Message types that are not complaints (see the module docstring)."""


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UnparseablePayload(f"'{what}' is not a list")
    return value


def contact_for(contacts: list[Any], message: dict[str, Any]) -> dict[str, Any]:
    """The ``contacts[]`` entry of the message's sender (by phone, else by user id), or {}."""
    sender, user = message.get("from"), message.get("from_user_id")
    entries = [c for c in contacts if isinstance(c, dict)]
    for c in entries:
        if (sender and c.get("wa_id") == sender) or (user and c.get("user_id") == user):
            return c
    return entries[0] if len(entries) == 1 else {}


def _one_message_value(value: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: value[k] for k in ("messaging_product", "metadata") if k in value}
    contact = contact_for(_list(value.get("contacts"), "contacts"), message)
    if contact:
        out["contacts"] = [contact]
    out["messages"] = [message]
    return out


def _message_items(body: bytes) -> list[tuple[DeliveryItem, dict[str, Any]]]:
    """(item, message) for every customer message of the delivery's ``messages`` changes."""
    out = []
    for item in delivery_items(body, expected_object=OBJECT):
        if item.field != FIELD:
            continue
        for message in _list(item.value.get("messages"), "messages"):
            if not isinstance(message, dict):
                raise UnparseablePayload("a message is not an object")
            out.append((item, message))
    return out


def split_delivery(body: bytes, channel: str | None) -> list[RawPost]:
    """One delivery → one RawPost per customer message (see the module docstring)."""
    posts = []
    for item, message in _message_items(body):
        kind = message.get("type")
        if kind in SKIPPED_TYPES:
            logger.debug("skipping a %s message", kind)
            continue
        one = DeliveryItem(item.object, item.entry_id, item.entry_time, item.field,
                           _one_message_value(item.value, message))
        payload = single_delivery(one)
        wamid = message.get("id")
        key = wamid if isinstance(wamid, str) and wamid else "sha256:" + hashlib.sha256(payload).hexdigest()
        posts.append(RawPost(platform=PLATFORM, external_id=key, channel=channel, payload=payload))
    return posts


def split_payload(payload: bytes, channel: str | None) -> list[RawPost]:
    """A replayed payload: one webhook delivery body, as Meta POSTs it."""
    load_delivery(payload)
    return split_delivery(payload, channel)


def describe_errors(errors: Any) -> str:
    """``errors[]`` of a status as words: ``131047 Re-engagement message: <details>``."""
    parts = []
    for err in errors if isinstance(errors, list) else []:
        if not isinstance(err, dict):
            continue
        code = err.get("code")
        title = err.get("title") or err.get("message") or ""
        details = (err.get("error_data") or {}).get("details") if isinstance(err.get("error_data"), dict) else None
        text = f"{code} {title}".strip()
        if details and details != title:
            text += f": {details}"
        parts.append(text)
    return "; ".join(parts) or "failed (no reason given)"


def _status_report(status: dict[str, Any]) -> DeliveryReport | None:
    wamid, token = status.get("id"), status.get("biz_opaque_callback_data")
    if not isinstance(wamid, str) or not wamid:
        return None
    token = token if isinstance(token, str) and token else None
    if status.get("status") == "failed":
        return DeliveryReport(wamid, token, "WhatsApp delivery failed: " + describe_errors(status.get("errors")))
    return DeliveryReport(wamid, token) if token is not None else None


def delivery_reports(body: bytes) -> list[DeliveryReport]:
    """The delivery's statuses of our messages, in order: every ``failed`` one with its reason
    (code and title), and every other one that carries a reply token (a confirmation)."""
    reports = []
    for item in delivery_items(body, expected_object=OBJECT):
        if item.field != FIELD:
            continue
        for status in _list(item.value.get("statuses"), "statuses"):
            report = _status_report(status) if isinstance(status, dict) else None
            if report is not None:
                reports.append(report)
    return reports
