"""The daemon's HTTP server: health, readiness and the webhook route table.

* ``GET /healthz`` — the process is up (always 200 while serving).
* ``GET /readyz`` — 200 when the database answers with an up-to-date schema and every enabled
  channel is healthy; 503 otherwise, with each channel's state in the JSON body.
* ``GET /webhooks/<channel>`` — the platform's verification handshake.
* ``POST /webhooks/<channel>`` — a delivery: signature checked over the raw body (401 and
  nothing stored when it fails), then its posts are committed to the inbox, and only then
  answered 200. A body that passes the signature but cannot be split is kept as a dead letter.
  What the delivery reports about our replies (``Platform.delivery_reports``) is recorded in
  the outbox before the answer, too: a reply not delivered is marked failed, a reply the
  platform confirms (naming its outbox row by the reply token) is marked sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shikayat.complaint import RawPost
from shikayat.errors import UnparseablePayload, WebhookRejected
from shikayat.pipeline.reply import record_delivery_reports
from shikayat.platforms import DeliveryReport
from shikayat.store import Store
from shikayat.webhooks import WebhookRoutes

logger = logging.getLogger(__name__)


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def create_app(
    store: Store,
    routes: WebhookRoutes,
    *,
    readiness: Callable[[], dict[str, Any]],
    on_intake: Callable[[], None] = lambda: None,
) -> Starlette:
    """Build the app. ``readiness()`` returns ``{"ready": bool, ...details}``."""

    async def healthz(request: Request) -> Response:
        return _json({"status": "ok"})

    async def readyz(request: Request) -> Response:
        state = await asyncio.to_thread(readiness)
        return _json(state, 200 if state.get("ready") else 503)

    async def handshake(request: Request) -> Response:
        entry = routes.get(request.path_params["channel"])
        if entry is None:
            return _json({"error": "unknown channel"}, 404)
        try:
            answer = entry.receiver.handshake(dict(request.query_params))
        except WebhookRejected as exc:
            logger.warning("webhook handshake for %s rejected: %s", entry.channel.name, exc)
            return _json({"error": "rejected"}, 401)
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type)

    async def deliver(request: Request) -> Response:
        entry = routes.get(request.path_params["channel"])
        if entry is None:
            return _json({"error": "unknown channel"}, 404)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > routes.max_body_bytes:
            return _json({"error": "body too large"}, 413)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > routes.max_body_bytes:
                return _json({"error": "body too large"}, 413)
        try:
            entry.receiver.verify(request.headers, body)
        except WebhookRejected as exc:
            logger.warning("webhook delivery for %s rejected: %s", entry.channel.name, exc)
            return _json({"error": "invalid signature"}, 401)
        dead: list[tuple[RawPost, str]] = []
        reports: list[DeliveryReport] = []
        try:
            posts = entry.receiver.split(body)
            reports = entry.platform.delivery_reports(body)
        except UnparseablePayload as exc:
            posts = []
            key = "sha256:" + hashlib.sha256(body).hexdigest()
            raw = RawPost(platform=entry.platform.name, external_id=key, channel=entry.channel.name, payload=body)
            dead.append((raw, f"delivery could not be read: {exc}"))

        def commit() -> None:
            store.add_raw(posts, channel=entry.channel.name, dead=dead)
            record_delivery_reports(store, entry.platform.name, reports, channel=entry.channel.name)

        await asyncio.to_thread(commit)
        on_intake()
        return _json({"received": len(posts)})

    return Starlette(routes=[
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/webhooks/{channel}", handshake, methods=["GET"]),
        Route("/webhooks/{channel}", deliver, methods=["POST"]),
    ])
