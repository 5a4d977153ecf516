"""The replier over httpx.MockTransport: free text inside the 24-hour window, the approved template
outside it, 131047 → template once, addressing by phone or BSUID, mark-as-read, error kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from shikayat import AuthError, Author, FatalError, RateLimited, ReplyIntent, RetryableError
from shikayat_whatsapp.platform import WhatsAppPlatform, graph_client
from shikayat_whatsapp.replier import WhatsAppReplier, template_parameter

FIXTURES = Path(__file__).parent / "fixtures" / "reply"
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
WAMID_IN = "wamid.HBgMOTE5ODAwMDAwMDAxFQIAEhgUM0EwMDAwMDAwMDAwMDAwMDAwMDEA"
SENT_ID = "wamid.HBgMOTE5ODAwMDAwMDAxFQIAERgSUkVQTFkwMDAwMDAwMDAwMDEA"
PHONE = "919800000001"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class _Graph:
    """Answers from a script of (status, body) per call and records every request body."""

    def __init__(self, *answers: tuple[int, bytes]) -> None:
        self.answers = list(answers)
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        self.bodies.append(orjson.loads(request.content))
        assert request.headers["authorization"] == "Bearer fake-system-user-token"
        status, body = self.answers.pop(0) if self.answers else (200, _fixture("read.json"))
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})


def _intent(*, last: datetime | None = NOW - timedelta(hours=2), author: Author | None = None,
            text: str = "Your complaint is registered, reference SK-7K3M-Q2ZD.", kind: str = "ack",
            recipient: str = "IN.7000000000000000003") -> ReplyIntent:
    return ReplyIntent(outbox_id=7, complaint_id="c1", docket="SK-7K3M-Q2ZD", kind=kind, channel="up_wa",
                       text=text, in_reply_to=WAMID_IN, recipient=recipient,
                       author=author if author is not None else Author(id=recipient, phone=PHONE),
                       last_inbound_at=last)


async def _send(make_channel: Any, graph: _Graph, intent: ReplyIntent, **settings: Any) -> str:
    channel = make_channel(**settings)
    async with httpx.AsyncClient(transport=httpx.MockTransport(graph)) as client:
        replier = WhatsAppReplier(channel, graph_client(channel, client), clock=lambda: NOW.timestamp())
        return (await replier.send(intent)).platform_id


async def test_inside_the_window_free_text_quotes_the_message_then_marks_it_read(make_channel: Any) -> None:
    graph = _Graph((200, _fixture("sent.json")), (200, _fixture("read.json")))
    assert await _send(make_channel, graph, _intent()) == SENT_ID
    send, read = graph.bodies
    assert graph.paths == ["/v23.0/800000000000002/messages"] * 2
    assert send == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": PHONE, "type": "text",
                    "text": {"body": "Your complaint is registered, reference SK-7K3M-Q2ZD.", "preview_url": False},
                    "context": {"message_id": WAMID_IN}, "biz_opaque_callback_data": "shikayat:7"}
    assert read == {"messaging_product": "whatsapp", "status": "read", "message_id": WAMID_IN}


async def test_outside_the_window_the_template_carries_the_reference(make_channel: Any) -> None:
    graph = _Graph((200, _fixture("sent.json")))
    closure = _intent(last=NOW - timedelta(days=3), kind="closure",
                      text="Action taken on SK-7K3M-Q2ZD:\n\nthe phone was recovered.")
    assert await _send(make_channel, graph, closure) == SENT_ID
    body, = graph.bodies                                          # a closure marks nothing read
    assert body["type"] == "template" and body["to"] == PHONE and "context" not in body
    assert body["biz_opaque_callback_data"] == "shikayat:7"       # echoed in its status webhooks
    assert body["template"] == {"name": "complaint_update", "language": {"code": "en"}, "components": [
        {"type": "body", "parameters": [{"type": "text", "text": "SK-7K3M-Q2ZD"},
                                        {"type": "text", "text": "Action taken on SK-7K3M-Q2ZD: the phone was recovered."}]}]}


async def test_hindi_reply_uses_the_hindi_template_and_the_margin_counts(make_channel: Any) -> None:
    graph = _Graph((200, _fixture("sent.json")))
    hindi = _intent(last=NOW - timedelta(hours=23, minutes=50), kind="closure",
                    text="आपकी शिकायत SK-7K3M-Q2ZD पर कार्रवाई पूरी हुई।")
    await _send(make_channel, graph, hindi)                       # 10 minutes left < 15 minutes margin
    assert graph.bodies[0]["template"]["language"] == {"code": "hi"}
    graph = _Graph((200, _fixture("sent.json")))
    await _send(make_channel, graph, hindi, window_margin_minutes=0)
    assert graph.bodies[0]["type"] == "text"


async def test_131047_falls_back_to_the_template_once(make_channel: Any) -> None:
    graph = _Graph((400, _fixture("error_outside_window.json")), (200, _fixture("sent.json")))
    assert await _send(make_channel, graph, _intent(last=None, kind="closure")) == SENT_ID
    assert [b["type"] for b in graph.bodies] == ["text", "template"]
    assert {b["biz_opaque_callback_data"] for b in graph.bodies} == {"shikayat:7"}


async def test_a_refused_template_is_never_retried_as_text(make_channel: Any) -> None:
    graph = _Graph((400, _fixture("error_outside_window.json")), (400, _fixture("error_outside_window.json")))
    with pytest.raises(FatalError, match="131047"):
        await _send(make_channel, graph, _intent(last=None))
    assert [b["type"] for b in graph.bodies] == ["text", "template"]
    graph = _Graph((400, _fixture("error_outside_window.json")))
    with pytest.raises(FatalError, match="131047"):
        await _send(make_channel, graph, _intent(last=NOW - timedelta(days=2)))
    assert [b["type"] for b in graph.bodies] == ["template"]


async def test_without_a_template_a_closed_window_fails_without_a_request(make_channel: Any) -> None:
    graph = _Graph()
    with pytest.raises(FatalError, match="outside WhatsApp's 24-hour window and channel 'up_wa' has no template"):
        await _send(make_channel, graph, _intent(last=NOW - timedelta(days=2)), template_name=None)
    assert graph.bodies == []


async def test_user_without_a_phone_is_addressed_by_bsuid(make_channel: Any) -> None:
    graph = _Graph((200, _fixture("sent.json")))
    await _send(make_channel, graph, _intent(author=Author(id="IN.7000000000000000042")), mark_read=False)
    body, = graph.bodies
    assert body["recipient"] == "IN.7000000000000000003" and "to" not in body


async def test_no_address_at_all_is_permanent(make_channel: Any) -> None:
    with pytest.raises(FatalError, match="neither a phone number nor a business-scoped user id"):
        await _send(make_channel, _Graph(), _intent(author=Author(id="wa:0011223344556677"),
                                                    recipient="wa:0011223344556677"))


async def test_a_failed_mark_read_does_not_fail_the_reply(make_channel: Any) -> None:
    graph = _Graph((200, _fixture("sent.json")), (400, b'{"error": {"code": 131009, "message": "bad id"}}'))
    assert await _send(make_channel, graph, _intent()) == SENT_ID


@pytest.mark.parametrize(("name", "status", "kind"), [
    ("error_pair_limit.json", 400, RateLimited),
    ("error_token_expired.json", 400, AuthError),
])
async def test_errors_map_onto_core_kinds(make_channel: Any, name: str, status: int, kind: type[Exception]) -> None:
    with pytest.raises(kind):
        await _send(make_channel, _Graph((status, _fixture(name))), _intent())


@pytest.mark.parametrize(("code", "kind"), [
    (130429, RateLimited), (131056, RateLimited), (131048, RateLimited), (80007, RateLimited),
    (190, AuthError), (200, AuthError), (131000, RetryableError), (131026, FatalError), (131051, FatalError),
    (132001, FatalError), (132000, FatalError), (131031, FatalError), (368, FatalError), (100, FatalError),
])
async def test_whatsapp_codes_through_the_shared_graph_mapping(make_channel: Any, code: int,
                                                               kind: type[Exception]) -> None:
    body = orjson.dumps({"error": {"code": code, "message": f"(#{code}) scripted", "type": "OAuthException"}})
    with pytest.raises(kind) as info:
        await _send(make_channel, _Graph((400, body)), _intent(last=NOW - timedelta(days=2)))
    assert type(info.value) is kind or (kind is FatalError and not isinstance(info.value, AuthError))
    assert getattr(info.value, "code", None) == str(code)


async def test_a_response_without_a_message_id_is_retryable(make_channel: Any) -> None:
    with pytest.raises(RetryableError, match="no message id"):
        await _send(make_channel, _Graph((200, b'{"messaging_product": "whatsapp", "messages": []}')), _intent())


def test_template_parameters_are_flattened_and_bounded() -> None:
    assert template_parameter("a\nb\t\tc     d") == "a b c   d"
    assert len(template_parameter("x" * 5000)) == 1000


def test_fit_reply_keeps_4096_characters() -> None:
    fitted = WhatsAppPlatform().fit_reply("क" * 5000)
    assert len(fitted) == 4096 and fitted.endswith("…")
    assert WhatsAppPlatform().fit_reply("short") == "short"




async def test_a_lost_send_waits_for_its_status_instead_of_being_looked_up(make_channel: Any) -> None:
    channel = make_channel()
    async with httpx.AsyncClient(transport=httpx.MockTransport(_Graph())) as client:
        replier = WhatsAppReplier(channel, graph_client(channel, client))
        assert replier.confirms_by_webhook(_intent()) is True
        assert await replier.find_sent(_intent(last=None)) is None
