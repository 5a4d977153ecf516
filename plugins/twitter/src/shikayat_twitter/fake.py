"""A fake X API v2 server for tests, end-to-end runs and ``shikayat demo``.

It speaks the documented JSON of the endpoints Shikayat uses — mentions timeline, recent
search, create post, user posts, post lookup — with snowflake string ids, ``since_id`` and
page tokens, ``includes`` expansions, ``x-rate-limit-*`` headers, problem-format errors and the
duplicate-content refusal. Tests script failures with :meth:`FakeX.fail_next`.

    python -m shikayat_twitter.fake --port 8900     # a server with demo traffic, for manual use
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

OUR_ID = "1000000000000000001"
BASE_ID = 1_900_000_000_000_000_000


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _problem(status: int, title: str, detail: str, kind: str) -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": kind, "status": status}


@dataclass
class _Window:
    limit: int
    remaining: int
    reset: int


@dataclass
class FakeX:
    """State of the fake platform. Thread-safe: the server runs in another thread."""

    handle: str = "uppolice"
    our_id: str = OUR_ID
    bearer_tokens: set[str] = field(default_factory=lambda: {"fake-bearer"})
    user_token: str = "fake-user-token"
    rate_limit: int = 450
    window_seconds: int = 900
    create_latency: float = 0.0
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    _next: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self._windows: dict[str, _Window] = {}
        self._failures: dict[str, list[tuple[int, float | None, str]]] = {}
        self.add_user(self.our_id, self.handle, "UP Police")
        self.app = self._build_app()

    # -- state ----------------------------------------------------------------------------
    def add_user(self, user_id: str, username: str, name: str) -> dict[str, Any]:
        with self.lock:
            user = {"id": user_id, "username": username, "name": name}
            self.users[user_id] = user
            return user

    def user(self, username: str) -> dict[str, Any]:
        """The user with this handle, created on first use with a stable id."""
        with self.lock:
            for u in self.users.values():
                if u["username"].lower() == username.lower():
                    return u
            uid = str(1_100_000_000_000_000_000 + len(self.users))
            return self.add_user(uid, username, username.replace("_", " ").title())

    def _new_id(self) -> str:
        self._next += 1
        return str(BASE_ID + self._next * 4096)

    def add_post(self, author: str, text: str, *, reply_to: str | None = None, quote_of: str | None = None,
                 repost_of: str | None = None, lang: str | None = None, **fields: Any) -> dict[str, Any]:
        """Publish a post by ``author`` (a handle); @mentions and #hashtags become entities."""
        with self.lock:
            user = self.user(author)
            pid = self._new_id()
            post: dict[str, Any] = {"id": pid, "text": text, "author_id": user["id"], "created_at": _now_iso(),
                                    "edit_history_tweet_ids": [pid], "conversation_id": pid}
            if lang:
                post["lang"] = lang
            refs = []
            for kind, ref in (("replied_to", reply_to), ("quoted", quote_of), ("retweeted", repost_of)):
                if ref:
                    refs.append({"type": kind, "id": ref})
                    if kind == "replied_to":
                        parent = self._get(ref)
                        post["conversation_id"] = parent["conversation_id"] if parent else ref
                        post["in_reply_to_user_id"] = parent["author_id"] if parent else None
            if refs:
                post["referenced_tweets"] = refs
            entities: dict[str, Any] = {}
            mentions = [{"start": m.start(), "end": m.end(), "username": m.group(1),
                         "id": self.user(m.group(1))["id"]} for m in re.finditer(r"@(\w+)", text)]
            tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in re.finditer(r"#(\w+)", text)]
            if mentions:
                entities["mentions"] = mentions
            if tags:
                entities["hashtags"] = tags
            if entities:
                post["entities"] = entities
            post.update(fields)
            self.posts.append(post)
            return post

    def add_malformed_post(self, author: str = "broken_client", text: str = "@uppolice help") -> dict[str, Any]:
        """A mention whose ``created_at`` cannot be read (it must become a dead letter)."""
        post = self.add_post(author, text)
        with self.lock:
            post["created_at"] = "not a date"
        return post

    def _get(self, pid: str) -> dict[str, Any] | None:
        for p in self.posts:
            if p["id"] == pid:
                return p
        return None

    def mentions(self) -> list[dict[str, Any]]:
        with self.lock:
            return [p for p in self.posts if self._mentions_us(p)]

    @property
    def replies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [p for p in self.posts if p["author_id"] == self.our_id]

    def fail_next(self, endpoint: str, status: int, *, times: int = 1, reset_in: float | None = None,
                  kind: str | None = None) -> None:
        """Answer the next ``times`` requests to ``endpoint`` (mentions, search, create,
        user_tweets, lookup) with ``status``."""
        with self.lock:
            self._failures.setdefault(endpoint, []).extend([(status, reset_in, kind or "")] * times)

    def requests_to(self, endpoint_path_part: str) -> list[tuple[str, str, dict[str, str], Any]]:
        with self.lock:
            return [r for r in self.requests if endpoint_path_part in r[1]]

    def _mentions_us(self, post: dict[str, Any]) -> bool:
        return any(m["username"].lower() == self.handle.lower()
                   for m in (post.get("entities") or {}).get("mentions", []))

    # -- HTTP -----------------------------------------------------------------------------
    def _respond(self, endpoint: str, status: int, body: Any) -> Response:
        now = int(time.time())
        w = self._windows.get(endpoint)
        if w is None or w.reset <= now:
            w = self._windows[endpoint] = _Window(self.rate_limit, self.rate_limit, now + self.window_seconds)
        headers = {"x-rate-limit-limit": str(w.limit), "x-rate-limit-remaining": str(max(w.remaining, 0)),
                   "x-rate-limit-reset": str(w.reset)}
        return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)

    def _gate(self, request: Request, endpoint: str, *, user: bool = False) -> Response | None:
        """Auth, scripted failures and rate limits; None lets the request through."""
        self.requests.append((request.method, request.url.path, dict(request.query_params), None))
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ")
        allowed = {self.user_token} if user else self.bearer_tokens | {self.user_token}
        if not auth.startswith("Bearer ") or token not in allowed:
            return self._respond(endpoint, 401, _problem(401, "Unauthorized", "Unauthorized", "about:blank"))
        now = int(time.time())
        w = self._windows.get(endpoint)
        if w is None or w.reset <= now:
            w = self._windows[endpoint] = _Window(self.rate_limit, self.rate_limit, now + self.window_seconds)
        queued = self._failures.get(endpoint)
        if queued:
            status, reset_in, kind = queued.pop(0)
            if status == 429:
                w.remaining = 0
                w.reset = math.ceil(time.time() + (reset_in or 1))
                kind = kind or "https://api.x.com/2/problems/rate-limit-exceeded"
                return self._respond(endpoint, 429, _problem(429, "Too Many Requests", "Too Many Requests", kind))
            return self._respond(endpoint, status, _problem(status, "Scripted failure", f"scripted {status}",
                                                            kind or "about:blank"))
        if w.remaining <= 0:
            return self._respond(endpoint, 429, _problem(429, "Too Many Requests", "Too Many Requests",
                                                         "https://api.x.com/2/problems/rate-limit-exceeded"))
        w.remaining -= 1
        return None

    def _includes(self, posts: list[dict[str, Any]], params: dict[str, str]) -> dict[str, Any]:
        expansions = set(params.get("expansions", "").split(","))
        users: dict[str, dict[str, Any]] = {}
        tweets: dict[str, dict[str, Any]] = {}
        for p in posts:
            if "author_id" in expansions and p["author_id"] in self.users:
                users[p["author_id"]] = self.users[p["author_id"]]
            if "entities.mentions.username" in expansions:
                for m in (p.get("entities") or {}).get("mentions", []):
                    u = self.user(m["username"])
                    users[u["id"]] = u
            if "referenced_tweets.id" in expansions:
                for r in p.get("referenced_tweets", []):
                    ref = self._get(r["id"])
                    if ref is not None:
                        tweets[ref["id"]] = ref
                        if ref["author_id"] in self.users:
                            users[ref["author_id"]] = self.users[ref["author_id"]]
        out: dict[str, Any] = {}
        if users:
            out["users"] = list(users.values())
        if tweets:
            out["tweets"] = list(tweets.values())
        return out

    def _page(self, endpoint: str, matching: list[dict[str, Any]], params: dict[str, str], token_param: str,
              min_results: int) -> Response:
        try:
            max_results = int(params.get("max_results", "10"))
        except ValueError:
            max_results = 0
        if not min_results <= max_results <= 100:
            return self._respond(endpoint, 400, _problem(400, "Invalid Request",
                                                         f"max_results must be between {min_results} and 100",
                                                         "https://api.x.com/2/problems/invalid-request"))
        newest_first = sorted(matching, key=lambda p: int(p["id"]), reverse=True)
        if params.get("since_id"):
            newest_first = [p for p in newest_first if int(p["id"]) > int(params["since_id"])]
        if params.get("until_id"):
            newest_first = [p for p in newest_first if int(p["id"]) < int(params["until_id"])]
        token = params.get(token_param) or params.get("pagination_token")
        if token:
            before = int(base64.urlsafe_b64decode(token.encode()).decode())
            newest_first = [p for p in newest_first if int(p["id"]) < before]
        page, rest = newest_first[:max_results], newest_first[max_results:]
        meta: dict[str, Any] = {"result_count": len(page)}
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = page
            includes = self._includes(page, params)
            if includes:
                body["includes"] = includes
            meta["newest_id"], meta["oldest_id"] = page[0]["id"], page[-1]["id"]
            if rest:
                meta["next_token"] = base64.urlsafe_b64encode(page[-1]["id"].encode()).decode()
        return self._respond(endpoint, 200, body)

    @staticmethod
    def _matches(post: dict[str, Any], query: str, users: dict[str, dict[str, Any]]) -> bool:
        text = post["text"].lower()
        terms = re.findall(r'-?"[^"]+"|\S+', query)
        positive = []
        for term in terms:
            low = term.lower()
            if low == "or":
                continue
            if low == "-is:retweet":
                if any(r["type"] == "retweeted" for r in post.get("referenced_tweets", [])):
                    return False
            elif low.startswith("-from:"):
                if users.get(post["author_id"], {}).get("username", "").lower() == low[6:]:
                    return False
            elif low.startswith("lang:"):
                if post.get("lang") != low[5:]:
                    return False
            else:
                positive.append(low.strip('"'))
        return not positive or any(t in text for t in positive)

    def _build_app(self) -> Starlette:
        fake = self

        async def mentions(request: Request) -> Response:
            with fake.lock:
                if denied := fake._gate(request, "mentions"):
                    return denied
                if request.path_params["id"] not in fake.users:
                    return fake._respond("mentions", 404, _problem(404, "Not Found Error", "user not found",
                                                                   "https://api.x.com/2/problems/resource-not-found"))
                params = dict(request.query_params)
                handle = fake.users[request.path_params["id"]]["username"].lower()
                matching = [p for p in fake.posts if any(
                    m["username"].lower() == handle for m in (p.get("entities") or {}).get("mentions", []))]
                return fake._page("mentions", matching, params, "pagination_token", 5)

        async def search(request: Request) -> Response:
            with fake.lock:
                if denied := fake._gate(request, "search"):
                    return denied
                params = dict(request.query_params)
                query = params.get("query", "")
                if not query or len(query) > 512:
                    return fake._respond("search", 400, _problem(400, "Invalid Request", "query is required (≤512)",
                                                                 "https://api.x.com/2/problems/invalid-request"))
                matching = [p for p in fake.posts if fake._matches(p, query, fake.users)]
                return fake._page("search", matching, params, "next_token", 10)

        async def create(request: Request) -> Response:
            body = await request.body()
            if fake.create_latency:
                await asyncio.sleep(fake.create_latency)
            with fake.lock:
                if denied := fake._gate(request, "create", user=True):
                    return denied
                fake.requests[-1] = (*fake.requests[-1][:3], orjson.loads(body))
                data = orjson.loads(body)
                text = data.get("text", "")
                if any(p["author_id"] == fake.our_id and p["text"] == text for p in fake.posts):
                    return fake._respond("create", 403, _problem(
                        403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.",
                        "about:blank"))
                reply_to = (data.get("reply") or {}).get("in_reply_to_tweet_id")
                post = fake.add_post(fake.handle, text, reply_to=reply_to)
                return fake._respond("create", 201, {"data": {"id": post["id"], "text": text,
                                                              "edit_history_tweet_ids": [post["id"]]}})

        async def user_tweets(request: Request) -> Response:
            with fake.lock:
                if denied := fake._gate(request, "user_tweets"):
                    return denied
                uid = request.path_params["id"]
                own = [p for p in fake.posts if p["author_id"] == uid]
                return fake._page("user_tweets", own, dict(request.query_params), "pagination_token", 5)

        async def lookup(request: Request) -> Response:
            with fake.lock:
                if denied := fake._gate(request, "lookup"):
                    return denied
                post = fake._get(request.path_params["id"])
                if post is None:
                    return fake._respond("lookup", 404, _problem(404, "Not Found Error", "Could not find tweet",
                                                                 "https://api.x.com/2/problems/resource-not-found"))
                body: dict[str, Any] = {"data": post}
                includes = fake._includes([post], dict(request.query_params))
                if includes:
                    body["includes"] = includes
                return fake._respond("lookup", 200, body)

        return Starlette(routes=[
            Route("/2/users/{id}/mentions", mentions),
            Route("/2/tweets/search/recent", search),
            Route("/2/tweets", create, methods=["POST"]),
            Route("/2/users/{id}/tweets", user_tweets),
            Route("/2/tweets/{id}", lookup),
        ])


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # pragma: no cover - older uvicorn
        pass

    def capture_signals(self):  # type: ignore[no-untyped-def]
        import contextlib

        return contextlib.nullcontext()


@dataclass
class RunningFakeX:
    fake: FakeX
    server: uvicorn.Server
    thread: threading.Thread
    base_url: str

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def run_fake_x(fake: FakeX, host: str = "127.0.0.1", port: int = 0) -> RunningFakeX:
    """Serve ``fake`` on loopback in a background thread (port 0: any free port)."""
    import socket

    sock = socket.socket()
    sock.bind((host, port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(fake.app, log_level="warning", lifespan="off", access_log=False)
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="fake-x", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake X server did not start")
        time.sleep(0.01)
    return RunningFakeX(fake, server, thread, f"http://{host}:{port}")


def main() -> None:  # pragma: no cover - manual use
    from shikayat_twitter.traffic import Traffic

    parser = argparse.ArgumentParser(description="A fake X API v2 server with demo traffic.")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=1.0, help="new posts per second")
    args = parser.parse_args()
    fake = FakeX()
    running = run_fake_x(fake, port=args.port)
    print(f"fake X API at {running.base_url} (bearer 'fake-bearer', user token 'fake-user-token', "
          f"our user id {OUR_ID})")
    traffic = Traffic(fake, seed=args.seed)
    try:
        while True:
            traffic.emit(max(1, int(args.rate)))
            time.sleep(1)
    except KeyboardInterrupt:
        running.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
