"""A fake Facebook Page on the Graph API, for tests, end-to-end runs and ``shikayat demo``.

Endpoints (documented shapes): ``GET /{v}/{page-id}/feed``, ``GET /{v}/{page-id}/tagged``
(public posts by others that tag the Page; ``from`` left out, as Meta does for people's posts),
``GET /{v}/{page-id}/conversations`` (``platform=messenger``, newest first, no time paging,
``messages.limit(N){…}`` nested newest first), ``GET /{v}/{object-id}/comments``
(``filter=stream|toplevel``, ``order``, ``since``), ``POST /{v}/{object-id}/comments`` (a public
reply), ``POST /{v}/{page-id}/messages`` (Messenger and private replies, one private reply per
comment). Every citizen action (:meth:`FakeFacebook.add_post`, :meth:`~FakeFacebook.add_comment`,
:meth:`~FakeFacebook.tag_page`, :meth:`~FakeFacebook.add_message`, :meth:`~FakeFacebook.edit`,
:meth:`~FakeFacebook.remove`) returns the webhook delivery Meta would send; :attr:`FakeFacebook.webhooks` signs and sends
deliveries to the daemon, and our own replies queue their feed / echo deliveries too.

    python -m shikayat_facebook.fake --port 8901     # a server with demo traffic, for manual use
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from shikayat_facebook.fakegraph import (
    FakeGraph,
    emit_forever,
    iso,
    json_body,
    run_fake,
)

PAGE_ID = "100000000000001"
PAGE_NAME = "UP Police"
_PRIVATE_REPLY_LIMIT = 7 * 24 * 3600


@dataclass
class FakeFacebook(FakeGraph):
    page_id: str = PAGE_ID
    page_name: str = PAGE_NAME
    posts: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    tagged: list[dict[str, Any]] = field(default_factory=list)
    """Posts by people on their own timelines that tag the Page."""
    messages: list[dict[str, Any]] = field(default_factory=list)
    """Messages our Page sent (Messenger replies and private replies)."""
    conversations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Messenger conversations by PSID: every message both ways, oldest first."""
    outbox: list[dict[str, Any]] = field(default_factory=list)
    """Deliveries produced by our own actions (replies, echoes), not sent unless asked."""

    def __post_init__(self) -> None:
        self.usage_object = self.page_id
        self._seq = 0
        self._people: dict[str, dict[str, str]] = {}
        super().__post_init__()

    # -- state ------------------------------------------------------------------------------------
    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def person(self, name: str) -> dict[str, str]:
        """A citizen with a stable app-scoped id."""
        with self.lock:
            if name not in self._people:
                self._people[name] = {"id": str(7_000_000_000_000_000 + len(self._people) + 1), "name": name}
            return self._people[name]

    def _delivery(self, value: dict[str, Any], field_name: str = "feed") -> dict[str, Any]:
        return {"object": "page", "entry": [{"id": self.page_id, "time": int(time.time()),
                                             "changes": [{"field": field_name, "value": value}]}]}

    def _feed_value(self, obj: dict[str, Any], verb: str, when: float) -> dict[str, Any]:
        value: dict[str, Any] = {"from": obj["from"], "verb": verb, "created_time": int(when),
                                 "post_id": obj.get("post_id", obj["id"])}
        if "post_id" in obj:
            value.update(item="comment", comment_id=obj["id"], parent_id=obj["parent_id"])
        else:
            value["item"] = "status"
        if verb != "remove":
            value["message"] = obj["message"]
        return value

    def add_post(self, author: str, text: str, *, by_page: bool = False) -> dict[str, Any]:
        """A visitor post on the Page (or the Page's own with ``by_page``); returns its delivery."""
        with self.lock:
            now = time.time()
            who = {"id": self.page_id, "name": self.page_name} if by_page else self.person(author)
            post = {"id": f"{self.page_id}_{900_000_000_000 + self._next()}", "message": text, "from": who,
                    "created": now, "created_time": iso(now)}
            post["permalink_url"] = f"https://www.facebook.com/{post['id']}"
            self.posts.append(post)
            return self._delivery(self._feed_value(post, "add", now))

    def add_comment(self, post_id: str, author: str, text: str, *, parent_id: str | None = None,
                    by_page: bool = False) -> dict[str, Any]:
        """A comment on ``post_id`` (a reply to ``parent_id`` when given); returns its delivery."""
        with self.lock:
            now = time.time()
            who = {"id": self.page_id, "name": self.page_name} if by_page else self.person(author)
            part = post_id.split("_")[-1]
            comment = {"id": f"{part}_{800_000_000_000 + self._next()}", "message": text, "from": who,
                       "created": now, "created_time": iso(now), "post_id": post_id,
                       "parent_id": parent_id or post_id}
            comment["permalink_url"] = f"https://www.facebook.com/{post_id}?comment_id={comment['id']}"
            self.comments.append(comment)
            return self._delivery(self._feed_value(comment, "add", now))

    def tag_page(self, author: str, text: str) -> dict[str, Any]:
        """``author`` posts on their own timeline tagging the Page; returns the ``mention`` delivery."""
        with self.lock:
            now = time.time()
            who = self.person(author)
            post = {"id": f"{who['id']}_{600_000_000_000 + self._next()}", "message": f"{self.page_name} {text}",
                    "from": who, "created": now, "created_time": iso(now),
                    "message_tags": [{"id": self.page_id, "name": self.page_name, "type": "page", "offset": 0,
                                      "length": len(self.page_name)}]}
            post["permalink_url"] = f"https://www.facebook.com/{post['id']}"
            self.tagged.append(post)
            value = {"item": "post", "verb": "add", "post_id": post["id"], "sender_id": who["id"],
                     "sender_name": who["name"], "message": post["message"], "created_time": int(now)}
            return self._delivery(value, "mention")

    def _converse(self, psid: str, mid: str, text: str, sender: dict[str, str], when: float,
                  attachments: list[dict[str, Any]] | None = None) -> None:
        """Keep a Messenger message in its conversation, as the conversations edge reads it."""
        message: dict[str, Any] = {"id": mid, "message": text, "from": sender, "created": when,
                                   "created_time": iso(when)}
        if attachments:
            message["attachments"] = {"data": [
                {"id": f"{900 + i}", "image_data": {"url": a["payload"]["url"]}} if a.get("type") == "image"
                else {"id": f"{900 + i}", "file_url": a.get("payload", {}).get("url")}
                for i, a in enumerate(attachments)]}
        self.conversations.setdefault(psid, []).append(message)

    def add_message(self, author: str, text: str, *, attachments: list[dict[str, Any]] | None = None,
                    echo: bool = False) -> dict[str, Any]:
        """A Messenger message from ``author`` to the Page; returns its delivery."""
        with self.lock:
            now_ms = int(time.time() * 1000)
            psid = self.person(author)["id"]
            message: dict[str, Any] = {"mid": f"m_FAKE{self._next():012d}", "text": text}
            if attachments:
                message["attachments"] = attachments
            sender, recipient = (self.page_id, psid) if echo else (psid, self.page_id)
            if echo:
                message["is_echo"] = True
            event = {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": now_ms,
                     "message": message}
            who = {"id": self.page_id, "name": self.page_name} if echo else self.person(author)
            self._converse(psid, message["mid"], text, who, now_ms / 1000, attachments)
            return {"object": "page", "entry": [{"id": self.page_id, "time": now_ms, "messaging": [event]}]}

    def find(self, object_id: str) -> dict[str, Any] | None:
        return next((o for o in [*self.posts, *self.tagged, *self.comments] if o["id"] == object_id), None)

    def edit(self, object_id: str, text: str) -> dict[str, Any]:
        """The author edits a post or comment; returns the ``edited`` delivery."""
        with self.lock:
            obj = self.find(object_id)
            assert obj is not None, object_id
            obj["message"] = text
            return self._delivery(self._feed_value(obj, "edited", time.time()))

    def remove(self, object_id: str) -> dict[str, Any]:
        """The author deletes a post or comment; returns the ``remove`` delivery."""
        with self.lock:
            obj = self.find(object_id)
            assert obj is not None, object_id
            self.posts = [p for p in self.posts if p["id"] != object_id]
            self.tagged = [p for p in self.tagged if p["id"] != object_id]
            self.comments = [c for c in self.comments if c["id"] != object_id]
            return self._delivery(self._feed_value(obj, "remove", time.time()))

    @property
    def replies(self) -> list[dict[str, Any]]:
        """Everything our Page said back: public comments, private replies, Messenger messages."""
        with self.lock:
            return [c for c in self.comments if c["from"]["id"] == self.page_id] + list(self.messages)

    # -- HTTP -----------------------------------------------------------------------------------
    @staticmethod
    def _public(obj: dict[str, Any], fields: str) -> dict[str, Any]:
        wanted = {f.split("{")[0] for f in fields.split(",")} if fields else {"id", "message", "created_time"}
        out = {k: v for k, v in obj.items() if k in wanted and k not in ("post_id", "parent_id")}
        if "parent" in wanted and obj.get("parent_id") and obj["parent_id"] != obj.get("post_id"):
            out["parent"] = {"id": obj["parent_id"]}
        out["id"] = obj["id"]
        return out

    @staticmethod
    def _since(request: Request) -> float:
        value = request.query_params.get("since", "")
        return float(value) if value.replace(".", "", 1).isdigit() else 0.0

    def routes(self) -> Sequence[BaseRoute]:
        fake = self

        def page_posts(request: Request, edge: str, posts: list[dict[str, Any]], *,
                       hide_author: bool = False) -> Response:
            with fake.lock:
                if denied := fake.gate(request, edge):
                    return denied
                if request.path_params["page"] != fake.page_id:
                    return fake.error(100, f"(#100) Tried accessing nonexisting field ({edge})")
                since = fake._since(request)
                items = sorted((p for p in posts if p["created"] >= since), key=lambda p: p["created"],
                               reverse=True)
                fields = request.query_params.get("fields", "")
                shown = [fake._public(p, fields) for p in items]
                if hide_author:
                    shown = [{k: v for k, v in post.items() if k != "from"} for post in shown]
                return fake.page(request, shown)

        async def feed(request: Request) -> Response:
            return page_posts(request, "feed", fake.posts)

        async def tagged(request: Request) -> Response:
            # Meta gives `from` of a person's post only to its author
            return page_posts(request, "tagged", fake.tagged, hide_author=True)

        async def conversations(request: Request) -> Response:
            with fake.lock:
                if denied := fake.gate(request, "conversations"):
                    return denied
                if request.path_params["page"] != fake.page_id:
                    return fake.error(100, "(#100) Tried accessing nonexisting field (conversations)")
                if request.query_params.get("platform", "messenger") != "messenger":
                    return fake.error(100, "(#100) platform must be one of: messenger, instagram")
                nested = _nested(request.query_params.get("fields", ""), "messages")
                found = sorted(fake.conversations.items(), key=lambda kv: kv[1][-1]["created"], reverse=True)
                items = []
                for psid, thread in found:
                    conversation: dict[str, Any] = {"id": f"t_{psid}", "updated_time": thread[-1]["created_time"]}
                    if nested is not None:
                        limit, fields = nested
                        newest = [fake._public(m, fields) for m in reversed(thread)]
                        conversation["messages"] = {"data": newest[:limit]}
                        if len(newest) > limit:
                            rest = request.url.replace(path=f"/{fake.version}/t_{psid}/messages", query=f"limit={limit}")
                            conversation["messages"]["paging"] = {"next": str(rest)}
                    items.append(conversation)
                return fake.page(request, items)

        async def comments(request: Request) -> Response:
            oid = request.path_params["object"]
            if request.method == "POST":
                body = await json_body(request)
                with fake.lock:
                    if denied := fake.gate(request, "reply", body):
                        return denied
                    return fake._reply(oid, body)
            with fake.lock:
                if denied := fake.gate(request, "comments"):
                    return denied
                target = fake.find(oid)
                if target is None:
                    return fake.error(100, f"(#100) Object with ID '{oid}' does not exist", subcode=33)
                stream = request.query_params.get("filter") == "stream"
                since = fake._since(request)
                if "post_id" in target:
                    found = [c for c in fake.comments if c["parent_id"] == oid]
                else:
                    found = [c for c in fake.comments if c["post_id"] == oid and (stream or c["parent_id"] == oid)]
                found = [c for c in found if c["created"] >= since]
                found.sort(key=lambda c: c["created"],
                           reverse=request.query_params.get("order") == "reverse_chronological")
                fields = request.query_params.get("fields", "")
                return fake.page(request, [fake._public(c, fields) for c in found])

        async def messages(request: Request) -> Response:
            body = await json_body(request)
            with fake.lock:
                if denied := fake.gate(request, "messages", body):
                    return denied
                return fake._send_message(request.path_params["page"], body)

        return [
            Route("/{version}/{page}/feed", feed),
            Route("/{version}/{page}/tagged", tagged),
            Route("/{version}/{page}/conversations", conversations),
            Route("/{version}/{page}/messages", messages, methods=["POST"]),
            Route("/{version}/{object}/comments", comments, methods=["GET", "POST"]),
        ]

    def _reply(self, oid: str, body: dict[str, Any]) -> Response:
        message = body.get("message")
        target = self.find(oid)
        if target is None:
            return self.error(100, f"(#100) Object with ID '{oid}' does not exist", subcode=33)
        if not isinstance(message, str) or not message:
            return self.error(100, "(#100) Missing message or attachment")
        post_id = target.get("post_id", target["id"])
        delivery = self.add_comment(post_id, self.page_name, message, parent_id=oid, by_page=True)
        self.outbox.append(delivery)
        return self.respond({"id": self.comments[-1]["id"]})

    def _send_message(self, page: str, body: dict[str, Any]) -> Response:
        if page != self.page_id:
            return self.error(100, "(#100) Invalid page id")
        recipient: dict[str, Any] = body["recipient"] if isinstance(body.get("recipient"), dict) else {}
        message: dict[str, Any] = body["message"] if isinstance(body.get("message"), dict) else {}
        text = message.get("text")
        if not isinstance(text, str) or not text:
            return self.error(100, "(#100) Param message must be non-empty")
        if len(text) > 2000:
            return self.error(100, "(#100) Length of param message[text] must be less than or equal to 2000")
        if "id" in recipient:
            psid = str(recipient["id"])
            if psid not in {p["id"] for p in self._people.values()}:
                return self.error(100, "(#100) No matching user found", subcode=2018001)
            kind, target = "messenger", psid
        elif "comment_id" in recipient or "post_id" in recipient:
            target = str(recipient.get("comment_id") or recipient.get("post_id"))
            obj = self.find(target)
            if obj is None:
                return self.error(100, f"(#100) Object with ID '{target}' does not exist", subcode=33)
            if any(m["private_reply_to"] == target for m in self.messages):
                return self.error(10, "(#10) This message has already been replied to privately",
                                  subcode=2018108)
            if time.time() - obj["created"] > _PRIVATE_REPLY_LIMIT:
                return self.error(10, "(#10) This message is sent outside of allowed window", subcode=2018278)
            kind, psid = "private", obj["from"]["id"]
        else:
            return self.error(100, "(#100) param recipient must be non-empty")
        mid = f"m_OUT{self._next():012d}"
        sent = {"message_id": mid, "recipient_id": psid, "text": text, "kind": kind,
                "private_reply_to": target if kind == "private" else None,
                "messaging_type": body.get("messaging_type")}
        self.messages.append(sent)
        if kind == "messenger":
            self._converse(psid, mid, text, {"id": self.page_id, "name": self.page_name}, time.time())
        echo = self._echo(psid, text, sent["message_id"], message.get("metadata"))
        self.outbox.append(echo)
        return self.respond({"recipient_id": psid, "message_id": sent["message_id"]})

    def _echo(self, psid: str, text: str, mid: str, metadata: Any) -> dict[str, Any]:
        """The ``message_echoes`` delivery of a message our Page sent (``metadata`` echoed)."""
        now_ms = int(time.time() * 1000)
        message: dict[str, Any] = {"mid": mid, "text": text, "is_echo": True, "app_id": 1_517_776_481_860_111}
        if isinstance(metadata, str) and metadata:
            message["metadata"] = metadata
        event = {"sender": {"id": self.page_id}, "recipient": {"id": psid}, "timestamp": now_ms,
                 "message": message}
        return {"object": "page", "entry": [{"id": self.page_id, "time": now_ms, "messaging": [event]}]}


def _nested(fields: str, edge: str) -> tuple[int, str] | None:
    """``edge.limit(N){sub,fields}`` in a Graph ``fields`` list → (N, "sub,fields"); None when
    the edge is not asked for. Nested braces are kept whole."""
    match = re.search(rf"(?:^|,){edge}(?:\.limit\((\d+)\))?", fields)
    if match is None:
        return None
    limit, rest = int(match.group(1) or 25), fields[match.end():]
    if not rest.startswith("{"):
        return limit, ""
    depth = 0
    for i, char in enumerate(rest):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return limit, rest[1:i]
    return limit, rest[1:]


def main() -> None:  # pragma: no cover - manual use
    from shikayat_facebook.traffic import FacebookTraffic

    parser = argparse.ArgumentParser(description="A fake Facebook Graph API server with demo traffic.")
    parser.add_argument("--port", type=int, default=8901)
    parser.add_argument("--webhook", help="daemon URL to send signed deliveries to, e.g. "
                                          "http://127.0.0.1:8080/webhooks/up_police_fb")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    fake = FakeFacebook()
    fake.webhooks.target = args.webhook
    running = run_fake(fake.app, name="fake-facebook", port=args.port)
    print(f"fake Graph API at {running.base_url}/{fake.version} (token 'fake-page-token', app secret "
          f"'{fake.app_secret}', page id {fake.page_id})")
    traffic = FacebookTraffic(fake, seed=args.seed)
    emit_forever(running, traffic)


if __name__ == "__main__":  # pragma: no cover
    main()
