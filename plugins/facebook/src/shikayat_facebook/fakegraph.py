"""The core of the fake Meta servers (Facebook here; Instagram and WhatsApp build on it).

* :class:`FakeGraph` — a Graph API app on loopback: versioned paths, bearer tokens and
  ``appsecret_proof``, the error envelope, ``X-App-Usage`` / ``X-Business-Use-Case-Usage``
  headers, cursor paging (``paging.cursors`` + ``paging.next``) and scriptable failures
  (:meth:`FakeGraph.fail_next`). A subclass adds its routes in :meth:`FakeGraph.routes`.
* :class:`WebhookSender` — sends signed deliveries (``X-Hub-Signature-256``) to a URL such as
  the daemon's ``/webhooks/<channel>``, keeps every body so it can be redelivered, and can send
  a batch out of order or with a bad signature.
* :func:`run_fake` — serve an app on loopback in a background thread.
"""

from __future__ import annotations

import base64
import contextlib
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from shikayat.webhooks import hmac_sha256


def iso(ts: float) -> str:
    """A Graph read time: ISO 8601 with ``+0000``."""
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def error_body(code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException",
               transient: bool | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"message": message, "type": kind, "code": code,
                           "fbtrace_id": "Fake" + base64.b32encode(message.encode()[:10]).decode().strip("=")}
    if subcode is not None:
        err["error_subcode"] = subcode
    if transient is not None:
        err["is_transient"] = transient
    return {"error": err}


@dataclass
class _Failure:
    code: int
    status: int
    subcode: int | None
    regain_minutes: int | None
    message: str


@dataclass
class FakeGraph:
    """State and plumbing shared by the fake Meta servers. Thread-safe (the server runs in a
    thread): subclasses take ``self.lock`` around state changes."""

    version: str = "v23.0"
    tokens: set[str] = field(default_factory=lambda: {"fake-page-token"})
    app_secret: str = "fake-app-secret"
    usage_object: str = "0"
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    calls_per_percent: int = 50
    """Calls that add one percent to the usage headers' ``call_count``."""

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.webhooks = WebhookSender(self.app_secret)
        self._failures: dict[str, list[_Failure]] = {}
        self._calls = 0
        self.app = Starlette(routes=list(self.routes()))

    # -- to override ------------------------------------------------------------------------
    def routes(self) -> Sequence[BaseRoute]:
        return []

    # -- scripting ----------------------------------------------------------------------------
    def fail_next(self, endpoint: str, code: int, *, status: int = 400, subcode: int | None = None,
                  times: int = 1, regain_minutes: int | None = None, message: str | None = None) -> None:
        """Answer the next ``times`` calls to ``endpoint`` with Graph error ``code``.

        ``regain_minutes`` sets ``estimated_time_to_regain_access`` in the BUC header (throttles).
        """
        failure = _Failure(code, status, subcode, regain_minutes, message or f"(#{code}) scripted failure")
        with self.lock:
            self._failures.setdefault(endpoint, []).extend([failure] * times)

    def requests_to(self, part: str, method: str | None = None) -> list[tuple[str, str, dict[str, str], Any]]:
        with self.lock:
            return [r for r in self.requests if part in r[1] and (method is None or r[0] == method)]

    # -- plumbing for routes --------------------------------------------------------------------
    def usage_headers(self, *, throttled: bool = False, regain_minutes: int | None = None) -> dict[str, str]:
        percent = 100 if throttled else min(99, self._calls // max(self.calls_per_percent, 1))
        app = {"call_count": percent, "total_cputime": percent // 2, "total_time": percent // 2}
        buc = {self.usage_object: [{"type": "pages", "call_count": percent, "total_cputime": percent // 2,
                                    "total_time": percent // 2,
                                    "estimated_time_to_regain_access": regain_minutes or 0}]}
        return {"X-App-Usage": orjson.dumps(app).decode(), "X-Business-Use-Case-Usage": orjson.dumps(buc).decode()}

    def respond(self, body: Any, status: int = 200, **usage: Any) -> Response:
        return Response(orjson.dumps(body), status_code=status, media_type="application/json",
                        headers=self.usage_headers(**usage))

    def error(self, code: int, message: str, *, status: int = 400, subcode: int | None = None) -> Response:
        return self.respond(error_body(code, message, subcode=subcode), status)

    def gate(self, request: Request, endpoint: str, body: Any = None) -> Response | None:
        """Version, token, appsecret_proof and scripted failures; None lets the call through."""
        self.requests.append((request.method, request.url.path, dict(request.query_params), body))
        self._calls += 1
        if request.path_params.get("version") != self.version:
            return self.error(2635, f"Unknown or unsupported API version {request.path_params.get('version')}")
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else request.query_params.get(
            "access_token", "")
        if token not in self.tokens:
            return self.error(190, "Error validating access token: The session has been invalidated.",
                              subcode=460)
        proof = request.query_params.get("appsecret_proof")
        if proof is not None and proof != hmac_sha256(self.app_secret.encode(), token.encode(), "hex"):
            return self.error(100, "Invalid appsecret_proof provided in the API argument")
        queued = self._failures.get(endpoint)
        if queued:
            failure = queued.pop(0)
            throttled = failure.code in (4, 17, 32, 613, 80001, 80006)
            return self.respond(error_body(failure.code, failure.message, subcode=failure.subcode,
                                           kind="OAuthException" if failure.code < 500 else "FacebookApiException"),
                                failure.status, throttled=throttled, regain_minutes=failure.regain_minutes)
        return None

    def page(self, request: Request, items: list[dict[str, Any]], *, default_limit: int = 25) -> Response:
        """One page of ``items`` (already filtered and ordered) with Graph cursor paging."""
        try:
            limit = int(request.query_params.get("limit", default_limit))
        except ValueError:
            return self.error(100, "(#100) The parameter limit must be an integer")
        if not 1 <= limit <= 100:
            return self.error(100, "(#100) limit must be between 1 and 100")
        after = request.query_params.get("after")
        start = 0
        if after:
            try:
                start = int(base64.urlsafe_b64decode(after.encode()).decode()) + 1
            except (ValueError, UnicodeDecodeError):
                return self.error(100, "(#100) Invalid after cursor")
        chunk = items[start:start + limit]
        body: dict[str, Any] = {"data": chunk}
        if chunk:
            def cursor(i: int) -> str:
                return base64.urlsafe_b64encode(str(i).encode()).decode()

            paging: dict[str, Any] = {"cursors": {"before": cursor(start), "after": cursor(start + len(chunk) - 1)}}
            if start + len(chunk) < len(items):
                query = dict(request.query_params)
                query["after"] = paging["cursors"]["after"]
                paging["next"] = str(request.url.replace_query_params(**query))
            body["paging"] = paging
        return self.respond(body)


def merge_entries(group: list[dict[str, Any]]) -> dict[str, Any]:
    """One delivery carrying the entries of several (``{"object", "entry"}`` each)."""
    return {"object": group[0]["object"], "entry": [e for d in group for e in d["entry"]]}


@dataclass
class WebhookSender:
    """Sends signed Meta webhook deliveries to ``target`` and remembers them for redelivery."""

    app_secret: str
    target: str | None = None
    sent: list[tuple[bytes, int]] = field(default_factory=list)
    """Every (body, HTTP status) sent, in order; status 0 when the target could not be reached."""

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self._held: list[dict[str, Any]] = []

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac_sha256(self.app_secret.encode(), body, "hex")

    def send(self, delivery: dict[str, Any] | bytes, *, url: str | None = None, bad_signature: bool = False) -> int:
        """POST one delivery; returns the HTTP status (0: unreachable)."""
        body = delivery if isinstance(delivery, bytes) else orjson.dumps(delivery)
        url = url or self.target
        if url is None:
            raise RuntimeError("no webhook target: set WebhookSender.target first")
        signature = self.sign(body + b"tampered" if bad_signature else body)
        try:
            status = httpx.post(url, content=body, timeout=10, headers={
                "Content-Type": "application/json", "X-Hub-Signature-256": signature}).status_code
        except httpx.TransportError:
            status = 0
        with self.lock:
            self.sent.append((body, status))
        return status

    def send_all(self, deliveries: Sequence[dict[str, Any] | bytes], *, reverse: bool = False,
                 url: str | None = None) -> list[int]:
        """Send several deliveries (``reverse``: out of order, newest first)."""
        ordered = list(reversed(deliveries)) if reverse else list(deliveries)
        return [self.send(d, url=url) for d in ordered]

    def send_retrying(self, deliveries: Sequence[dict[str, Any] | bytes], *, interval: float = 0.5,
                      give_up: float = 60.0) -> list[int]:
        """Send each delivery, again every ``interval`` seconds while it is not answered 2xx (the
        daemon is down or restarting), for up to ``give_up`` seconds, as Meta retries a failed
        delivery; returns the last status of each."""
        statuses = []
        for delivery in deliveries:
            deadline = time.monotonic() + give_up
            status = self.send(delivery)
            while not 200 <= status < 300 and time.monotonic() < deadline:
                time.sleep(interval)
                status = self.send(delivery)
            statuses.append(status)
        return statuses

    @property
    def held(self) -> list[dict[str, Any]]:
        """Deliveries waiting for ``target`` (see :meth:`deliver_batched`)."""
        return list(self._held)

    def deliver_batched(self, deliveries: Sequence[dict[str, Any]], rng: random.Random, *,
                        combine: Callable[[list[dict[str, Any]]], dict[str, Any]] = merge_entries,
                        out_of_order: float = 0.3, redelivery: float = 0.2) -> None:
        """Deliver the way Meta does: held until ``target`` is known, then 1–3 deliveries combined
        per request, the requests sent out of order with probability ``out_of_order`` and the last
        one redelivered with probability ``redelivery``."""
        if self.target is None:
            self._held += deliveries
            return
        pending, self._held = self._held + list(deliveries), []
        batches: list[dict[str, Any]] = []
        while pending:
            size = rng.randint(1, 3)
            group, pending = pending[:size], pending[size:]
            batches.append(combine(group))
        reverse = out_of_order > 0 and len(batches) > 1 and rng.random() < out_of_order
        self.send_all(batches, reverse=reverse)
        if self.sent and rng.random() < redelivery:
            self.redeliver()

    def redeliver(self, index: int = -1, *, url: str | None = None) -> int:
        """Send an earlier delivery again, byte for byte (Meta retries the same way)."""
        with self.lock:
            body = self.sent[index][0]
        return self.send(body, url=url)


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # pragma: no cover - older uvicorn
        pass

    def capture_signals(self):  # type: ignore[no-untyped-def]
        return contextlib.nullcontext()


@dataclass
class RunningFake:
    app: Starlette
    server: uvicorn.Server
    thread: threading.Thread
    base_url: str

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


async def json_body(request: Request) -> dict[str, Any]:
    """A request's JSON object body; an empty or unreadable body reads as ``{}`` (the fake then
    answers with the Graph error the real API gives for missing parameters)."""
    raw = await request.body()
    try:
        body = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def emit_forever(running: RunningFake, traffic: Any, interval: float = 1.0) -> None:
    """Emit one post of ``traffic`` every ``interval`` seconds until Ctrl-C (``python -m`` use)."""
    try:
        while True:
            traffic.emit(1)
            time.sleep(interval)
    except KeyboardInterrupt:
        running.stop()


def run_fake(app: Starlette, *, name: str = "fake-graph", host: str = "127.0.0.1", port: int = 0) -> RunningFake:
    """Serve ``app`` on loopback in a background thread (port 0: any free port)."""
    sock = socket.socket()
    sock.bind((host, port))
    port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the {name} server did not start")
        time.sleep(0.01)
    return RunningFake(app, server, thread, f"http://{host}:{port}")


@contextlib.contextmanager
def serving(app: Starlette, *, name: str = "fake-graph") -> Iterator[RunningFake]:
    running = run_fake(app, name=name)
    try:
        yield running
    finally:
        running.stop()
