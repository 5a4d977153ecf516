"""The Meta webhook scheme shared by Facebook Pages, Instagram and WhatsApp.

* Handshake: ``GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`` → 200 with the
  raw challenge when the token matches (constant-time), else rejected.
* Signature: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``, checked
  over the raw bytes before anything parses them.
* Deliveries: ``{"object": ..., "entry": [{"id", "time", "changes": [{"field", "value"}] |
  "messaging": [...]}]}``. :func:`delivery_items` flattens one delivery into
  :class:`DeliveryItem` s (one per change or messaging event) and :func:`single_delivery`
  rebuilds a one-item delivery in the same documented shape — what each inbox row stores, so a
  stored payload can be replayed through ``split`` and gives the same key.
* Echoes: a message our Page or account sent comes back as a messaging event with
  ``message.is_echo`` (Messenger ``message_echoes``, Instagram messaging), carrying the Send
  API's ``message.metadata`` string; :func:`echo_reports` turns those carrying our reply token
  into confirmations of the reply (its ``mid`` is the ``message_id`` the send returned).

A platform subclasses :class:`MetaWebhookReceiver` and implements :meth:`~MetaWebhookReceiver.split`
(usually by calling its platform's splitter).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from shikayat.errors import UnparseablePayload
from shikayat.platforms import DeliveryReport, WebhookReceiver, WebhookResponse
from shikayat.webhooks import verify_hmac_sha256, verify_hub_handshake

SIGNATURE_HEADER = "X-Hub-Signature-256"
MESSAGING = "messaging"
"""The ``field`` name :class:`DeliveryItem` uses for an ``entry[].messaging[]`` event."""


def handshake(query: Mapping[str, str], verify_token: str) -> WebhookResponse:
    """Answer Meta's verification GET: echo ``hub.challenge`` or raise WebhookRejected."""
    return verify_hub_handshake(query, verify_token=verify_token)


def verify_signature(headers: Mapping[str, str], body: bytes, app_secret: str) -> None:
    """Check ``X-Hub-Signature-256`` over the raw body; raise WebhookRejected if it fails."""
    verify_hmac_sha256(headers, body, secret=app_secret.encode("utf-8"), header=SIGNATURE_HEADER,
                       encoding="hex")


@dataclass(frozen=True)
class DeliveryItem:
    """One change or messaging event of a delivery, with the entry it came in."""

    object: str
    entry_id: str
    entry_time: int | None
    field: str
    """The change's ``field`` (``feed``, ``mention``, ``comments``…) or ``messaging``."""
    value: dict[str, Any]
    """The change's ``value``, or the messaging event itself."""


def load_delivery(body: bytes) -> dict[str, Any]:
    """The delivery's JSON object; UnparseablePayload when it is not one."""
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UnparseablePayload(f"delivery is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise UnparseablePayload("delivery is not a JSON object")
    if not isinstance(obj.get("object"), str):
        raise UnparseablePayload("delivery has no 'object'")
    if not isinstance(obj.get("entry"), list):
        raise UnparseablePayload("delivery has no 'entry' list")
    return obj


def delivery_items(body: bytes, *, expected_object: str | None = None) -> list[DeliveryItem]:
    """Flatten one delivery into its changes and messaging events, in delivery order.

    Entries carry ``changes[]`` (``field``/``value``), ``messaging[]`` (Messenger and Instagram
    messaging), or — in some Instagram samples — ``field``/``value`` directly; all three are
    read. Raises UnparseablePayload for a body that is not a delivery, or of another object.
    """
    obj = load_delivery(body)
    kind = obj["object"]
    if expected_object is not None and kind != expected_object:
        raise UnparseablePayload(f"delivery is for object {kind!r}, not {expected_object!r}")
    items: list[DeliveryItem] = []
    for number, entry in enumerate(obj["entry"]):
        if not isinstance(entry, dict):
            raise UnparseablePayload(f"entry {number} is not an object")
        entry_id = entry.get("id")
        if not isinstance(entry_id, str | int) or isinstance(entry_id, bool):
            raise UnparseablePayload(f"entry {number} has no id")
        when = entry.get("time")
        entry_time = when if isinstance(when, int) and not isinstance(when, bool) else None
        changes = entry.get("changes")
        if changes is None and "field" in entry and "value" in entry:
            changes = [{"field": entry["field"], "value": entry["value"]}]
        for change in changes if isinstance(changes, list) else []:
            if isinstance(change, dict) and isinstance(change.get("field"), str) \
                    and isinstance(change.get("value"), dict):
                items.append(DeliveryItem(kind, str(entry_id), entry_time, change["field"],
                                          change["value"]))
        messaging = entry.get(MESSAGING)
        for event in messaging if isinstance(messaging, list) else []:
            if isinstance(event, dict):
                items.append(DeliveryItem(kind, str(entry_id), entry_time, MESSAGING, event))
    return items


def single_delivery(item: DeliveryItem) -> bytes:
    """A delivery body holding only ``item``, in the documented shape (deterministic bytes)."""
    entry: dict[str, Any] = {"id": item.entry_id}
    if item.entry_time is not None:
        entry["time"] = item.entry_time
    if item.field == MESSAGING:
        entry[MESSAGING] = [item.value]
    else:
        entry["changes"] = [{"field": item.field, "value": item.value}]
    return orjson.dumps({"object": item.object, "entry": [entry]}, option=orjson.OPT_SORT_KEYS)


def echo_reports(body: bytes, *, expected_object: str) -> list[DeliveryReport]:
    """Confirmations of our replies: every echoed message (``is_echo``) with a ``mid`` and a
    ``metadata`` string, in delivery order (core ignores metadata that is not a reply token).
    A replayed payload that is not a delivery (a polled read) reports nothing."""
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return []                                   # split reports the unreadable payload
    if not isinstance(obj, dict) or ("object" not in obj and "entry" not in obj):
        return []
    reports = []
    for item in delivery_items(body, expected_object=expected_object):
        message = item.value.get("message") if item.field == MESSAGING else None
        if not isinstance(message, dict) or message.get("is_echo") is not True:
            continue
        mid, metadata = message.get("mid"), message.get("metadata")
        if isinstance(mid, str) and mid and isinstance(metadata, str) and metadata:
            reports.append(DeliveryReport(mid, metadata))
    return reports


class MetaWebhookReceiver(WebhookReceiver):
    """Handshake and signature check of the Meta scheme; subclasses implement ``split``."""

    def __init__(self, *, verify_token: str, app_secret: str) -> None:
        if not verify_token:
            raise ValueError("a Meta webhook needs a verify token")
        if not app_secret:
            raise ValueError("a Meta webhook needs the app secret to check signatures")
        self._verify_token = verify_token
        self._app_secret = app_secret

    def handshake(self, query: Mapping[str, str]) -> WebhookResponse:
        return handshake(query, self._verify_token)

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        verify_signature(headers, body, self._app_secret)


def meta_time(value: Any, *, what: str, millis: bool = False) -> datetime:
    """A Meta time: unix seconds (webhooks; digits as a string too), unix milliseconds
    (``millis``: Messenger and Instagram messaging) or ISO 8601 with an offset (Graph reads).
    Raises UnparseablePayload naming ``what``."""
    if isinstance(value, bool) or value is None:
        raise UnparseablePayload(f"{what} is missing or not a time")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000 if millis else value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise UnparseablePayload(f"{what} {value!r} is out of range") from None
    if isinstance(value, str):
        if value.isdigit():
            return meta_time(int(value), what=what, millis=millis)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise UnparseablePayload(f"{what} {value!r} is not an ISO 8601 time") from None
        if parsed.tzinfo is None:
            raise UnparseablePayload(f"{what} {value!r} has no timezone")
        return parsed
    raise UnparseablePayload(f"{what} is not a time")
