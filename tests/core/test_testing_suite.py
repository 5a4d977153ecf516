"""The conformance suite itself: its guard, its documentation, and that each check fails for a
platform that breaks the promise it checks (a suite that cannot fail proves nothing)."""

from __future__ import annotations

import inspect
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from shikayat.complaint import Complaint, RawPost
from shikayat.errors import NotAPost, RetryableError, UnparseablePayload
from shikayat.platforms import (
    Channel,
    ChannelSettings,
    Fetcher,
    Page,
    Replier,
    ReplyIntent,
    SentReply,
)
from shikayat.testing import CHECKS, PlatformSuite, SuiteConfig
from shikayat.testing.fakes import (
    FakeFetcher,
    FakePlatform,
    FakeReceiver,
    FakeReplier,
    _Client,
    fake_handshake_query,
    sign_fake,
)
from shikayat.types import Cursor

FIXTURES = Path(__file__).parent / "fixtures" / "fake"


class _FakeSuite(PlatformSuite):
    """The fake platform's suite (as in test_conformance_fake.py), not collected itself."""

    platform_class = FakePlatform
    settings = {"platform": "fake", "account_id": "police", "webhook_secret": "conformance-secret"}
    fixtures_dir = FIXTURES
    in_process = True
    config = SuiteConfig(reply_status=201, reply_id="r77", sign=sign_fake, handshake_query=fake_handshake_query,
                         handshake_token_param="token")

Failed = pytest.fail.Exception


def _suite(platform_class: type[FakePlatform], **attrs: Any) -> PlatformSuite:
    cls = type("Broken", (_FakeSuite,), {"platform_class": platform_class, **attrs})
    return cls()


def _fails(check: Callable[..., None], *args: Any) -> str:
    with pytest.raises((Failed, AssertionError)) as info:
        check(*args)
    return str(info.value)


# -- the guard and the docs ---------------------------------------------------------------------

def test_checks_list_every_test_method() -> None:
    methods = [n for n, _ in inspect.getmembers(PlatformSuite, inspect.isfunction) if n.startswith("test_")]
    assert sorted(methods) == sorted(CHECKS)


@pytest.mark.parametrize("name", CHECKS)
def test_every_check_ends_with_troubleshooting(name: str) -> None:
    doc = inspect.getdoc(getattr(PlatformSuite, name)) or ""
    last = doc.split("\n\n")[-1]
    assert last.startswith("Troubleshooting:") and len(last) > 60, name


def test_guard_refuses_an_unmarked_override() -> None:
    class Sneaky(_FakeSuite):
        def test_payloads_normalize(self) -> None:
            pass

    assert "test_payloads_normalize" in _fails(Sneaky().test_overridden_checks_are_marked_xfail)


def test_guard_refuses_an_xfail_without_reason() -> None:
    class Vague(_FakeSuite):
        @pytest.mark.xfail
        def test_payloads_normalize(self) -> None:
            pass

    assert "test_payloads_normalize" in _fails(Vague().test_overridden_checks_are_marked_xfail)


def test_guard_accepts_an_xfail_with_reason() -> None:
    class Honest(_FakeSuite):
        @pytest.mark.xfail(reason="normalizer rewrite in progress")
        def test_payloads_normalize(self) -> None:
            raise AssertionError

    Honest().test_overridden_checks_are_marked_xfail()


# -- each check catches the bug it is about --------------------------------------------------------

def test_a_fetcher_that_never_notices_a_repeated_token_is_caught() -> None:
    class Naive(FakeFetcher):
        async def fetch(self, cursor: Cursor | None) -> Page:
            after = (cursor or {}).get("after", "0")
            body = await self.client.call("GET", "/posts", params={"after": after})
            posts = [RawPost(platform="fake", external_id=p["id"], channel=self.client.channel.name,
                             payload=orjson.dumps(p)) for p in body["posts"]]
            return Page(posts, {"after": body["next"]}, more=body["more"])

    class Looping(FakePlatform):
        def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
            return Naive(_Client(client, channel))

    suite = _suite(Looping)
    suite.test_fetch_pages_until_done()                       # a normal walk still passes
    assert "raise FatalError" in _fails(suite.test_fetch_detects_cursor_loop)


def test_a_fetcher_keeping_state_outside_the_cursor_is_caught() -> None:
    class Forgetful(FakeFetcher):
        def __init__(self, client: _Client) -> None:
            super().__init__(client)
            self.calls = 0

        async def fetch(self, cursor: Cursor | None) -> Page:
            self.calls += 1
            page = await super().fetch({"after": str(2 * (self.calls - 1))})   # position kept here
            return Page(page.posts, {"page": str(self.calls)}, more=page.more)

    class Stateful(FakePlatform):
        def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
            return Forgetful(_Client(client, channel))

    _fails(_suite(Stateful).test_fetch_resumes_from_cursor)


class _RoundCounting(FakeFetcher):
    """Counts finished rounds in the cursor (``rounds``) and starts every round over."""

    rekey = False

    async def fetch(self, cursor: Cursor | None) -> Page:
        state = dict(cursor or {})
        rounds = state.get("rounds", "0")
        page = await super().fetch({"after": state["after"]} if "after" in state else None)
        posts = [p.model_copy(update={"external_id": f"{p.external_id}#{rounds}"}) if self.rekey else p
                 for p in page.posts]
        if page.more:
            return Page(posts, {**(page.cursor or {}), "rounds": rounds}, more=True)
        return Page(posts, {"rounds": str(int(rounds) + 1)}, more=False)


def test_a_fetcher_that_starts_each_round_over_passes() -> None:
    """Reconciliation over an API without a ``since`` filter re-reads from the same first
    request every round; with stable keys the inbox absorbs the overlap, and that is allowed."""
    requests: list[str] = []

    class Restarting(FakePlatform):
        def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
            return _RoundCounting(_Client(client, channel))

    suite = _suite(Restarting)
    original = suite._walk

    def walk(*args: Any, **kwargs: Any) -> Any:
        pages = original(*args, **kwargs)
        requests.append(str(args[2].requests[0].url))
        return pages

    suite._walk = walk  # type: ignore[method-assign]
    suite.test_fetch_resumes_from_cursor()
    assert requests[0] == requests[-1], "the second round did not start over: this test proves nothing"


def test_a_fetcher_that_rekeys_what_it_rereads_is_caught() -> None:
    class Rekeying(_RoundCounting):
        rekey = True

    class Rekeys(FakePlatform):
        def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
            return Rekeying(_Client(client, channel))

    assert "under new keys ['f200#1'" in _fails(_suite(Rekeys).test_fetch_resumes_from_cursor)


def test_wrong_error_kinds_are_caught() -> None:
    def lenient(response: httpx.Response) -> RetryableError | None:
        return RetryableError("try again") if response.status_code >= 400 else None

    class Careless(FakePlatform):
        def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
            return FakeFetcher(_Client(client, channel, errors=lenient))

    message = _fails(_suite(Careless).test_fetch_errors_are_classified)
    assert "HTTP 401: expected AuthError, got RetryableError" in message
    assert "HTTP 429: expected RateLimited" in message and "HTTP 503" not in message


def test_a_receiver_that_accepts_anything_is_caught(tmp_path: Path) -> None:
    class Trusting(FakeReceiver):
        def verify(self, headers: Any, body: bytes) -> None:
            return None

    class Open(FakePlatform):
        receiver_class = Trusting

    assert "'missing': 200" in _fails(_suite(Open).test_webhook_rejects_bad_signatures, tmp_path)


def test_a_handshake_that_ignores_the_token_is_caught(tmp_path: Path) -> None:
    class Echo(FakeReceiver):
        def handshake(self, query: Any) -> Any:
            from shikayat.platforms import WebhookResponse

            return WebhookResponse(200, query.get("challenge", "").encode())

    class Open(FakePlatform):
        receiver_class = Echo

    _fails(_suite(Open).test_webhook_handshake, tmp_path)


def test_a_stale_signature_must_be_refused_when_the_platform_signs_time(tmp_path: Path) -> None:
    """With ``signature_max_age`` set, a receiver that ignores the timestamp is caught."""
    from dataclasses import replace

    suite = _suite(FakePlatform, config=replace(_FakeSuite.config, signature_max_age=300.0))
    assert "'stale': 200" in _fails(suite.test_webhook_rejects_bad_signatures, tmp_path)


def test_own_posts_that_are_not_recognised_are_caught(tmp_path: Path) -> None:
    class Blind(FakePlatform):
        def own_account_ids(self, settings: ChannelSettings) -> frozenset[str]:
            return frozenset({"someone-else"})

    assert "is not one of" in _fails(_suite(Blind).test_own_traffic_is_ignored, tmp_path)


def test_random_external_ids_are_caught() -> None:
    class Random(FakePlatform):
        def split(self, payload: bytes, channel: str | None = None) -> list[RawPost]:
            return [p.model_copy(update={"external_id": uuid.uuid4().hex}) for p in super().split(payload, channel)]

        def normalize(self, raw: RawPost) -> Complaint:
            return super().normalize(raw).model_copy(update={"external_id": raw.external_id})

    _fails(_suite(Random).test_normalize_is_deterministic)


def test_a_normalizer_that_changes_the_key_is_caught() -> None:
    class Rekey(FakePlatform):
        def normalize(self, raw: RawPost) -> Complaint:
            return super().normalize(raw).model_copy(update={"external_id": "x" + raw.external_id})

    assert "dead-letters" in _fails(_suite(Rekey).test_payloads_normalize)


def test_a_replier_that_sends_twice_is_caught() -> None:
    class Twice(FakeReplier):
        async def send(self, intent: ReplyIntent) -> SentReply:
            await super().send(intent)
            return await super().send(intent)

    class Chatty(FakePlatform):
        def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
            return Twice(_Client(client, channel))

    assert "the reply was sent 2 times" in _fails(_suite(Chatty).test_reply_sends_one_request)


def test_a_request_beside_the_reply_is_allowed() -> None:
    """Marking the answered message read (WhatsApp) or a lookup is no second reply; the intent
    carries what the outbox worker gives: the author as stored and their last post's time."""
    seen: list[ReplyIntent] = []

    class MarksRead(FakeReplier):
        async def send(self, intent: ReplyIntent) -> SentReply:
            seen.append(intent)
            sent = await super().send(intent)
            await self.client.call("POST", "/read", json={"message_id": intent.in_reply_to})
            return sent

    class Reading(FakePlatform):
        def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
            return MarksRead(_Client(client, channel))

    _suite(Reading).test_reply_sends_one_request()
    (intent,) = seen
    assert intent.author is not None and intent.author.id == intent.recipient
    assert intent.last_inbound_at is not None and intent.last_inbound_at.tzinfo is not None


def test_a_replier_that_sends_no_reply_text_is_caught() -> None:
    class Mute(FakeReplier):
        async def send(self, intent: ReplyIntent) -> SentReply:
            body = await self.client.call("POST", "/replies", json={"in_reply_to": intent.in_reply_to})
            return SentReply(body["id"])

    class Silent(FakePlatform):
        def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
            return Mute(_Client(client, channel))

    assert "no request carried the reply text" in _fails(_suite(Silent).test_reply_sends_one_request)


def test_checks_of_missing_capabilities_skip() -> None:
    from shikayat.platforms import Capability

    class PullOnly(FakePlatform):
        capabilities = frozenset({Capability.FETCH})
        receiver_class = None

        def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
            raise NotImplementedError

    suite = _suite(PullOnly)
    with pytest.raises(pytest.skip.Exception):
        suite.test_reply_sends_one_request()
    with pytest.raises(pytest.skip.Exception):
        suite.test_webhook_handshake(Path("unused"))
    # ... and the capability check notices that replier() is overridden but not declared
    assert "implements it" in _fails(suite.test_capabilities_match_overrides)


# -- notifications (NotAPost) are a valid outcome, but not the only one -----------------------------

class _Notifying(FakePlatform):
    """Stores a ``notice`` (a notification naming a post, like an Instagram mention stub) and
    refuses it with NotAPost when normalized."""

    def normalize(self, raw: RawPost) -> Complaint:
        if "notice" in orjson.loads(raw.payload):
            raise NotAPost(f"{raw.external_id} is a notice; its post is fetched separately")
        return super().normalize(raw)


def _with_notices(tmp_path: Path, *, only: bool = False, own: bool = False) -> Path:
    root = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, root)
    notice = orjson.dumps({"id": "n1", "notice": "mention in f100"})
    if only:
        for path in (root / "payloads").glob("*.json"):
            path.unlink()
    (root / "payloads" / "0_notice.json").write_bytes(notice)    # sorted first
    (root / "webhook" / "notice.json").write_bytes(orjson.dumps({"posts": [{"id": "n2", "notice": "f300"}]}))
    if own:
        (root / "own" / "notice.json").write_bytes(notice)
    return root


def test_notifications_are_a_valid_outcome(tmp_path: Path) -> None:
    suite = _suite(_Notifying, fixtures_dir=_with_notices(tmp_path))
    (tmp_path / "own").mkdir()
    (tmp_path / "hook").mkdir()
    suite.test_payloads_normalize()
    suite.test_normalize_is_deterministic()
    suite.test_own_traffic_is_ignored(tmp_path / "own")
    suite.test_webhook_deliveries_are_stored_once(tmp_path / "hook")   # n2 stored, then ignored
    suite.test_reply_sends_one_request()                               # answers f100, not the notice


def test_the_checks_really_normalize_the_notices(tmp_path: Path) -> None:
    """Without the notifying normalizer the same fixtures fail: the notice is no fake post."""
    suite = _suite(FakePlatform, fixtures_dir=_with_notices(tmp_path))
    with pytest.raises(UnparseablePayload, match="'author' is missing"):
        suite.test_payloads_normalize()


def test_payloads_of_notifications_only_are_caught(tmp_path: Path) -> None:
    suite = _suite(_Notifying, fixtures_dir=_with_notices(tmp_path, only=True))
    assert "1 notification(s) raised NotAPost" in _fails(suite.test_payloads_normalize)


def test_own_traffic_must_be_posts(tmp_path: Path) -> None:
    suite = _suite(_Notifying, fixtures_dir=_with_notices(tmp_path, own=True))
    (tmp_path / "own").mkdir()
    assert "must be a post" in _fails(suite.test_own_traffic_is_ignored, tmp_path / "own")


def test_a_delivered_post_the_pipeline_dead_letters_is_caught(tmp_path: Path) -> None:
    """An impure normalizer (it consumes state on the first read of a post) passes when the
    suite reads the delivery, but dead-letters the stored post in the real pipeline."""

    class OneShot(_Notifying):
        def __init__(self) -> None:
            super().__init__()
            self.read: set[str] = set()

        def normalize(self, raw: RawPost) -> Complaint:
            if raw.external_id in self.read:
                raise UnparseablePayload("its context was already used up")
            self.read.add(raw.external_id)
            return super().normalize(raw)

    suite = _suite(OneShot, fixtures_dir=_with_notices(tmp_path))
    (tmp_path / "hook").mkdir()
    assert "dead-lettered" in _fails(suite.test_webhook_deliveries_are_stored_once, tmp_path / "hook")
