"""A fake Instagram professional account on the Graph API, for tests, end-to-end runs and
``shikayat demo``. Built on :mod:`shikayat_facebook.fakegraph` (versioned paths, tokens and
``appsecret_proof``, the error envelope, usage headers, cursor paging, scripted failures).

Endpoints (documented shapes): ``GET /{v}/{ig-user-id}/media``, ``GET /{v}/{media-id}/comments``
(with nested ``replies``), ``GET /{v}/{comment-id}/replies``, ``GET /{v}/{ig-user-id}?fields=
mentioned_comment.comment_id(…){…}`` / ``mentioned_media.media_id(…){…}``,
``POST /{v}/{comment-id}/replies`` (public reply; comments on our media only),
``POST /{v}/{ig-user-id}/mentions`` (reply where we were @mentioned) and
``POST /{v}/{ig-user-id or page-id}/messages`` (DMs and private replies, one per comment; text of
at most 1,000 UTF-8 bytes, as documented). The API reference gives comments no length; the fake
refuses those longer than Instagram's own 2,200-character comment box.

Every citizen action (:meth:`FakeInstagram.add_comment`, :meth:`~FakeInstagram.mention_in_comment`,
:meth:`~FakeInstagram.mention_in_caption`, :meth:`~FakeInstagram.add_message`) returns the webhook
delivery Meta would send; :attr:`FakeInstagram.webhooks` signs and sends deliveries to the
daemon. Our own replies queue their ``comments`` / echo deliveries in :attr:`FakeInstagram.outbox`.

    python -m shikayat_instagram.fake --port 8902     # a server with demo traffic, for manual use
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from shikayat_facebook.fakegraph import (
    FakeGraph,
    iso,
    json_body,
    run_fake,
)

IG_USER_ID = "17841400000000001"
USERNAME = "uppolice"
COMMENT_LIMIT = 2200
MESSAGE_BYTES = 1000
_LOOKUP = re.compile(r"^(mentioned_comment\.comment_id|mentioned_media\.media_id)\((\d+)\)\{(.*)\}$")


def _wanted(fields: str) -> set[str]:
    """Top-level names of a ``fields`` parameter (``a,b{c,d},e`` → a, b, e)."""
    names, depth, current = set(), 0, ""
    for ch in fields:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            names.add(current.strip())
            current = ""
            continue
        if depth == 0 and ch not in "{}":
            current += ch
    if current.strip():
        names.add(current.strip())
    return names


async def _params(request: Request) -> dict[str, str]:
    """A POST's parameters: the query string, then a JSON or form body (Graph accepts all three)."""
    params = dict(request.query_params)
    raw = await request.body()
    if raw:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = dict(parse_qsl(raw.decode("utf-8", "replace")))
        if isinstance(body, dict):
            params.update({k: str(v) for k, v in body.items() if isinstance(v, str | int)})
    return params


@dataclass
class FakeInstagram(FakeGraph):
    ig_user_id: str = IG_USER_ID
    username: str = USERNAME
    page_id: str | None = None
    """Facebook Login flavour: DMs are sent through this Page's /messages edge."""
    media: list[dict[str, Any]] = field(default_factory=list)
    """Our account's media, oldest first."""
    foreign_media: list[dict[str, Any]] = field(default_factory=list)
    """Other accounts' media where we were @mentioned."""
    comments: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    """Messages our account sent (DMs and private replies)."""
    outbox: list[dict[str, Any]] = field(default_factory=list)
    """Deliveries produced by our own actions (replies, echoes), not sent unless asked."""

    def __post_init__(self) -> None:
        self.usage_object = self.ig_user_id
        self._seq = 0
        self._people: dict[str, str] = {}
        self._private_replied: set[str] = set()
        super().__post_init__()

    # -- state ------------------------------------------------------------------------------------
    def _id(self, base: int) -> str:
        self._seq += 1
        return str(base + self._seq)

    def person(self, username: str) -> str:
        """A citizen's IGSID, stable per username."""
        with self.lock:
            if username not in self._people:
                self._people[username] = str(6_000_000_000_000_000 + len(self._people) + 1)
            return self._people[username]

    def _delivery(self, field_name: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"object": "instagram", "entry": [{"id": self.ig_user_id, "time": int(time.time()),
                                                  "changes": [{"field": field_name, "value": value}]}]}

    def add_media(self, caption: str, *, product: str = "FEED") -> dict[str, Any]:
        """A post on our own account (citizens comment under it)."""
        with self.lock:
            now = time.time()
            mid = self._id(17_950_000_000_000_000)
            item = {"id": mid, "caption": caption, "media_type": "VIDEO" if product == "REELS" else "IMAGE",
                    "media_product_type": product, "permalink": f"https://www.instagram.com/p/Fk{mid[-8:]}/",
                    "timestamp": iso(now), "username": self.username, "created": now}
            self.media.append(item)
            return item

    def latest_media(self) -> dict[str, Any]:
        with self.lock:
            return self.media[-1] if self.media else self.add_media("Lucknow Police — apni shikayat yahan likhein")

    def _comment(self, media: dict[str, Any], username: str, text: str, parent_id: str | None,
                 user_id: str) -> dict[str, Any]:
        now = time.time()
        comment: dict[str, Any] = {"id": self._id(17_900_000_000_000_000), "text": text, "timestamp": iso(now),
                                   "username": username, "from": {"id": user_id, "username": username},
                                   "media_id": media["id"], "created": now}
        if parent_id:
            comment["parent_id"] = parent_id
        self.comments.append(comment)
        return comment

    def _comment_value(self, comment: dict[str, Any], media: dict[str, Any]) -> dict[str, Any]:
        value: dict[str, Any] = {"id": comment["id"], "text": comment["text"], "from": comment["from"],
                                 "media": {"id": media["id"], "media_product_type": media["media_product_type"]}}
        if comment.get("parent_id"):
            value["parent_id"] = comment["parent_id"]
        return value

    def add_comment(self, username: str, text: str, *, media_id: str | None = None,
                    parent_id: str | None = None) -> dict[str, Any]:
        """A citizen comments on our media (a reply to ``parent_id`` when given); returns the
        ``comments`` delivery."""
        with self.lock:
            media = self._media(media_id) if media_id else self.latest_media()
            assert media is not None, media_id
            comment = self._comment(media, username, text, parent_id, self.person(username))
            return self._delivery("comments", self._comment_value(comment, media))

    def mention_in_comment(self, username: str, text: str, *, owner: str = "lucknow_news") -> dict[str, Any]:
        """A citizen @mentions us in a comment under another account's media; returns the
        ``mentions`` delivery (ids only)."""
        with self.lock:
            media = self._foreign(owner, f"{owner} ki post")
            comment = self._comment(media, username, text, None, self.person(username))
            return self._delivery("mentions", {"media_id": media["id"], "comment_id": comment["id"]})

    def mention_in_caption(self, username: str, caption: str) -> dict[str, Any]:
        """A citizen @mentions us in their own post's caption; returns the ``mentions`` delivery."""
        with self.lock:
            media = self._foreign(username, caption, new=True)
            return self._delivery("mentions", {"media_id": media["id"]})

    def _foreign(self, owner: str, caption: str, *, new: bool = False) -> dict[str, Any]:
        if not new:
            for m in self.foreign_media:
                if m["username"] == owner:
                    return m
        now = time.time()
        mid = self._id(17_960_000_000_000_000)
        media = {"id": mid, "caption": caption, "media_type": "IMAGE", "media_product_type": "FEED",
                 "media_url": f"https://scontent.cdninstagram.example/{mid}.jpg",
                 "permalink": f"https://www.instagram.com/p/Fx{mid[-8:]}/", "timestamp": iso(now),
                 "username": owner, "created": now}
        self.foreign_media.append(media)
        return media

    def add_message(self, username: str, text: str | None, *, attachments: list[dict[str, Any]] | None = None,
                    echo: bool = False) -> dict[str, Any]:
        """A direct message from ``username`` (ours to them with ``echo``); returns the delivery."""
        with self.lock:
            now_ms = int(time.time() * 1000)
            igsid = self.person(username)
            message: dict[str, Any] = {"mid": f"aWdfZAG1faXRlbTpGYWtl{self._id(0):0>12}"}
            if text is not None:
                message["text"] = text
            if attachments:
                message["attachments"] = attachments
            if echo:
                message["is_echo"] = True
            sender, recipient = (self.ig_user_id, igsid) if echo else (igsid, self.ig_user_id)
            event = {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": now_ms,
                     "message": message}
            return {"object": "instagram", "entry": [{"id": self.ig_user_id, "time": now_ms, "messaging": [event]}]}

    def _media(self, media_id: str) -> dict[str, Any] | None:
        return next((m for m in [*self.media, *self.foreign_media] if m["id"] == media_id), None)

    def find_comment(self, comment_id: str) -> dict[str, Any] | None:
        return next((c for c in self.comments if c["id"] == comment_id), None)

    def ours(self, media_id: str) -> bool:
        return any(m["id"] == media_id for m in self.media)

    @property
    def replies(self) -> list[dict[str, Any]]:
        """Everything our account said back: comment replies, mention replies and messages."""
        with self.lock:
            return [c for c in self.comments if c["from"]["id"] == self.ig_user_id] + list(self.messages)

    # -- HTTP -----------------------------------------------------------------------------------
    @staticmethod
    def _public(obj: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
        out = {k: v for k, v in obj.items() if k in wanted and k not in ("created", "media_id")}
        out["id"] = obj["id"]
        return out

    def _comment_out(self, comment: dict[str, Any], fields: str) -> dict[str, Any]:
        wanted = _wanted(fields) if fields else {"id", "text", "timestamp"}
        out = self._public(comment, wanted)
        if "replies" in wanted:
            nested = re.search(r"replies\{([^}]*)\}", fields)
            sub = _wanted(nested.group(1)) if nested else {"id", "text", "timestamp"}
            found = [self._public(c, sub) for c in self.comments if c.get("parent_id") == comment["id"]]
            if found:
                out["replies"] = {"data": found}
        if "media" in wanted:
            media = self._media(comment["media_id"]) or {"id": comment["media_id"]}
            nested = re.search(r"media\{([^}]*)\}", fields)
            out["media"] = self._public(media, _wanted(nested.group(1)) if nested else {"id"})
        return out

    def _lookup(self, request: Request) -> Response:
        match = _LOOKUP.match(request.query_params.get("fields", ""))
        if request.path_params["object"] != self.ig_user_id or match is None:
            return self.error(100, "(#100) Tried accessing nonexisting field")
        edge, target, fields = match.groups()
        if edge.startswith("mentioned_comment"):
            comment = self.find_comment(target)
            if comment is None or self.username.lower() not in comment["text"].lower():
                return self.error(100, f"(#100) Object with ID '{target}' does not exist", subcode=33)
            return self.respond({"mentioned_comment": self._comment_out(comment, fields), "id": self.ig_user_id})
        media = self._media(target)
        if media is None or self.ours(target):
            return self.error(100, f"(#100) Object with ID '{target}' does not exist", subcode=33)
        return self.respond({"mentioned_media": self._public(media, _wanted(fields)), "id": self.ig_user_id})

    def _our_comment(self, media: dict[str, Any], text: str, parent_id: str | None) -> dict[str, Any]:
        comment = self._comment(media, self.username, text, parent_id, self.ig_user_id)
        self.outbox.append(self._delivery("comments", self._comment_value(comment, media)))
        return comment

    def routes(self) -> Sequence[BaseRoute]:
        fake = self

        async def node(request: Request) -> Response:
            with fake.lock:
                if denied := fake.gate(request, "lookup"):
                    return denied
                return fake._lookup(request)

        async def media(request: Request) -> Response:
            with fake.lock:
                if denied := fake.gate(request, "media"):
                    return denied
                if request.path_params["object"] != fake.ig_user_id:
                    return fake.error(100, "(#100) Tried accessing nonexisting field (media)")
                wanted = _wanted(request.query_params.get("fields", "id"))
                items = []
                for m in reversed(fake.media):
                    out = fake._public(m, wanted)
                    if "comments_count" in wanted:
                        out["comments_count"] = sum(1 for c in fake.comments if c["media_id"] == m["id"])
                    items.append(out)
                return fake.page(request, items)

        async def comments(request: Request) -> Response:
            oid = request.path_params["object"]
            with fake.lock:
                if denied := fake.gate(request, "comments"):
                    return denied
                if fake._media(oid) is None:
                    return fake.error(100, f"(#100) Object with ID '{oid}' does not exist", subcode=33)
                fields = request.query_params.get("fields", "")
                top = [c for c in fake.comments if c["media_id"] == oid and not c.get("parent_id")]
                return fake.page(request, [fake._comment_out(c, fields) for c in top])

        async def replies(request: Request) -> Response:
            oid = request.path_params["object"]
            if request.method == "POST":
                params = await _params(request)
                with fake.lock:
                    if denied := fake.gate(request, "reply", params):
                        return denied
                    return fake._reply(oid, params.get("message", ""))
            with fake.lock:
                if denied := fake.gate(request, "replies"):
                    return denied
                if fake.find_comment(oid) is None:
                    return fake.error(100, f"(#100) Object with ID '{oid}' does not exist", subcode=33)
                fields = request.query_params.get("fields", "")
                found = [fake._comment_out(c, fields) for c in fake.comments if c.get("parent_id") == oid]
                return fake.page(request, found)

        async def mentions(request: Request) -> Response:
            params = await _params(request)
            with fake.lock:
                if denied := fake.gate(request, "mention_reply", params):
                    return denied
                return fake._mention_reply(request.path_params["object"], params)

        async def messages(request: Request) -> Response:
            body = await json_body(request)
            with fake.lock:
                if denied := fake.gate(request, "messages", body):
                    return denied
                return fake._message(request.path_params["object"], body)

        return [
            Route("/{version}/{object}", node, methods=["GET"]),
            Route("/{version}/{object}/media", media, methods=["GET"]),
            Route("/{version}/{object}/comments", comments, methods=["GET"]),
            Route("/{version}/{object}/replies", replies, methods=["GET", "POST"]),
            Route("/{version}/{object}/mentions", mentions, methods=["POST"]),
            Route("/{version}/{object}/messages", messages, methods=["POST"]),
        ]

    def _reply(self, comment_id: str, text: str) -> Response:
        target = self.find_comment(comment_id)
        if target is None or not self.ours(target["media_id"]):
            return self.error(100, "(#100) Unsupported post request. Object with ID "
                                   f"'{comment_id}' does not exist or cannot be replied to", subcode=33)
        if not text:
            return self.error(100, "(#100) The parameter message is required")
        if len(text) > COMMENT_LIMIT:
            return self.error(100, f"(#100) The comment is longer than {COMMENT_LIMIT} characters")
        media = self._media(target["media_id"])
        assert media is not None
        reply = self._our_comment(media, text, target.get("parent_id") or target["id"])
        return self.respond({"id": reply["id"]})

    def _mention_reply(self, account: str, params: dict[str, str]) -> Response:
        if account != self.ig_user_id:
            return self.error(100, "(#100) Tried accessing nonexisting field (mentions)")
        media = self._media(params.get("media_id", ""))
        text = params.get("message", "")
        if media is None or self.ours(media["id"]):
            return self.error(100, "(#100) media_id does not name a media where the account was mentioned")
        if not text or len(text) > COMMENT_LIMIT:
            return self.error(100, f"(#100) message is required and at most {COMMENT_LIMIT} characters")
        comment_id = params.get("comment_id")
        if comment_id and self.find_comment(comment_id) is None:
            return self.error(100, f"(#100) Object with ID '{comment_id}' does not exist", subcode=33)
        reply = self._comment(media, self.username, text, comment_id, self.ig_user_id)
        return self.respond({"id": reply["id"]})

    def _message(self, sender: str, body: dict[str, Any]) -> Response:
        if sender not in (self.ig_user_id, self.page_id):
            return self.error(100, "(#100) Tried accessing nonexisting field (messages)")
        recipient = body.get("recipient") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        text = message.get("text") if isinstance(message, dict) else None
        if not isinstance(recipient, dict) or not isinstance(text, str) or not text:
            return self.error(100, "(#100) recipient and message.text are required")
        if len(text.encode()) > MESSAGE_BYTES:
            return self.error(100, f"(#100) Message text must be UTF-8 and {MESSAGE_BYTES} bytes or less")
        if "comment_id" in recipient:
            comment = self.find_comment(str(recipient["comment_id"]))
            if comment is None:
                return self.error(100, "(#100) The comment does not exist", subcode=33)
            if comment["id"] in self._private_replied:
                return self.error(10, "(#10) This message is sent outside of allowed window or the comment "
                                      "already has a private reply", subcode=2534022)
            self._private_replied.add(comment["id"])
            igsid = comment["from"]["id"]
        elif isinstance(recipient.get("id"), str) and recipient["id"] in self._people.values():
            igsid = recipient["id"]
        else:
            return self.error(100, "(#100) No matching user found", subcode=2534014)
        mid = f"aWdfZAG1faXRlbTpPdXJz{self._id(0):0>12}"
        self.messages.append({"mid": mid, "to": igsid, "text": text, "recipient": recipient})
        username = next(u for u, i in self._people.items() if i == igsid)
        echo = self.add_message(username, text, echo=True)
        echo["entry"][0]["messaging"][0]["message"]["mid"] = mid
        if isinstance(message.get("metadata"), str) and message["metadata"]:
            echo["entry"][0]["messaging"][0]["message"]["metadata"] = message["metadata"]
        self.outbox.append(echo)
        return self.respond({"recipient_id": igsid, "message_id": mid})


def main() -> None:  # pragma: no cover - manual use
    from shikayat_instagram.traffic import InstagramTraffic

    parser = argparse.ArgumentParser(description="A fake Instagram Graph API with demo traffic.")
    parser.add_argument("--port", type=int, default=8902)
    args = parser.parse_args()
    fake = FakeInstagram()
    InstagramTraffic(fake).emit(20)
    running = run_fake(fake.app, name="fake-instagram", port=args.port)
    print(f"fake Instagram Graph API on {running.base_url}/{fake.version} (Ctrl-C stops)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        running.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
