"""Checks of a platform's fetcher and replier over ``httpx.MockTransport`` serving fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from shikayat.complaint import utcnow
from shikayat.errors import (
    AuthError,
    FatalError,
    PlatformError,
    RateLimited,
    RetryableError,
    UnparseablePayload,
)
from shikayat.platforms import Capability, Channel, Page, Platform, ReplyIntent
from shikayat.testing import _harness as h
from shikayat.testing._base import SuiteBase


def _expected_kind(status: int) -> tuple[type[PlatformError], ...]:
    if status == 401:
        return (AuthError,)
    if status == 429:
        return (RateLimited,)
    if status >= 500:
        return (RetryableError,)
    return (FatalError,)


def _where(request: httpx.Request) -> str:
    """A request's URL and body, as text to look for the reply in."""
    return str(request.url) + request.content.decode("utf-8", "replace")


class HttpChecks(SuiteBase):
    # -- fetching ---------------------------------------------------------------------------------
    def _fetch_setup(self, at_least: int = 1) -> tuple[Platform, Channel, list[Path]]:
        platform = self.make_platform()
        self._needs(platform, Capability.FETCH)
        files = self._files(self.config.fetch_dir, at_least=at_least,
                            why="the suite needs the API's responses for a walk of pages")
        return platform, self.make_channel(platform), files

    def _walk(self, platform: Platform, channel: Channel, api: h.MockAPI, limit: int,
              cursor: dict[str, str] | None = None) -> list[tuple[int, Page]]:
        """Fetch until a page says no more follow: (requests made so far, page) per page."""

        async def go() -> list[tuple[int, Page]]:
            pages: list[tuple[int, Page]] = []
            position = cursor
            async with api.client() as client:
                fetcher = platform.fetcher(channel, client)
                for _ in range(limit):
                    page = await fetcher.fetch(position)
                    pages.append((len(api.requests), page))
                    assert h.roundtrip(page.cursor) == page.cursor, f"cursor is not JSON-safe: {page.cursor!r}"
                    position = page.cursor
                    if not page.more:
                        return pages
            pytest.fail(f"the fetcher still said more=True after {limit} pages")

        return h.run(go())

    def test_fetch_pages_until_done(self) -> None:
        """Fetching from no cursor walks every fixture response, one per request, and stops with
        ``more=False`` after the last; every fetched post is keyed, belongs to the channel and
        either normalizes, is refused with UnparseablePayload (a dead letter) or is a
        notification refused with NotAPost (ignored); at least one normalizes.

        Troubleshooting: ``Fetcher.fetch`` reads one page per call; ``more`` is true only when
        the API says another page follows now. Cursors are ``dict[str, str]`` (stored as JSON).
        Split a page into one RawPost per post, each with the ``includes`` it needs, so a post
        normalizes on its own.
        """
        platform, channel, files = self._fetch_setup()
        api = h.serve_in_order(files, self.config.response_headers)
        pages = self._walk(platform, channel, api, limit=len(files) + 1)
        assert len(api.requests) == len(files), (
            f"the walk stopped after {len(api.requests)} of {len(files)} fixture responses")
        posts = [p for _, page in pages for p in page.posts]
        assert posts, "no posts were fetched"
        readable = 0
        for raw in posts:
            assert raw.external_id and raw.platform == platform.name and raw.channel == channel.name, raw
            try:
                readable += self._read(platform, raw) is not None
            except UnparseablePayload:
                pass
        assert readable, "no fetched post could be normalized"

    def test_fetch_resumes_from_cursor(self) -> None:
        """A new fetcher given a cursor saved mid-walk makes exactly the requests the old one
        would have made next and fetches the same posts; and a finished round loses and
        duplicates nothing: the next round, from the cursor saved after the last page and
        against an API answering as before, ends and keys every post it fetches exactly as the
        first round did, so the inbox (unique on platform and key) stores nothing twice.

        A platform may start every round over with the same first request (a reconciliation
        pass over an API without a ``since`` filter, such as Instagram's comments edge): the
        overlap is harmless because the inbox key absorbs it. What must not happen is a re-read
        post under a new key (a second complaint) or a round that never ends.

        Troubleshooting: keep all paging state in the cursor (page token, the newest id seen,
        which stream is being walked, when the last round started), never on the fetcher
        object: the daemon may restart between any two pages. Key a post by the platform's own
        id, never by the round, the page or the time it was read. After a walk ends, the cursor
        should remember where it ended (X's ``since_id``, the start of the last round) so the
        next round reads no more than it must.
        """
        platform, channel, files = self._fetch_setup(at_least=2)
        headers = self.config.response_headers
        whole = h.serve_in_order(files, headers)
        pages = self._walk(platform, channel, whole, limit=len(files) + 1)
        used_first, first = pages[0]
        if not first.more:
            pytest.fail("the first fetch fixture must say that more pages follow")
        resumed = h.serve_in_order(files, headers, start=used_first)
        again = self._walk(self.make_platform(), channel, resumed, limit=len(files) + 1,
                           cursor=h.roundtrip(first.cursor))
        expected = [h.request_key(r) for r in whole.requests[used_first:]]
        assert [h.request_key(r) for r in resumed.requests] == expected
        assert [p.external_id for _, page in again for p in page.posts] == \
            [p.external_id for _, page in pages[1:] for p in page.posts]
        # the next round, from the cursor saved after the last page, the API answering as before
        first_round = [p for _, page in pages for p in page.posts]
        repeat = h.serve_in_order(files, headers)
        later = self._walk(self.make_platform(), channel, repeat, limit=len(files) + 1,
                           cursor=h.roundtrip(pages[-1][1].cursor))
        next_round = [p for _, page in later for p in page.posts]
        known = {(p.platform, p.external_id) for p in first_round}
        rekeyed = sorted(p.external_id for p in next_round if (p.platform, p.external_id) not in known)
        assert not rekeyed, (f"the next round fetched the same API answers under new keys {rekeyed}: "
                             "each would become a second complaint")

    def test_fetch_detects_cursor_loop(self) -> None:
        """When the API answers every request with the same page (its next-page token never
        moves), the fetcher stops: it raises a FatalError or returns ``more=False`` within a
        few pages, instead of asking for the same page forever.

        Troubleshooting: compare the API's next-page token with the one you sent and raise
        ``FatalError`` when they are equal. (Core's poller also refuses to refetch a page at
        once when a fetcher returns the cursor it was given with ``more=True``, but then the
        channel only limps along one page per poll interval.)
        """
        platform, channel, files = self._fetch_setup()
        api = h.serve_in_order(files, self.config.response_headers, repeat_first=True)

        async def go() -> str:
            cursor: dict[str, str] | None = None
            async with api.client() as client:
                fetcher = platform.fetcher(channel, client)
                for attempt in range(6):
                    try:
                        page = await fetcher.fetch(cursor)
                    except FatalError:
                        return "raised"
                    if not page.more:
                        if attempt == 0:
                            pytest.fail("the first fetch fixture must say that more pages follow")
                        return "stopped"
                    if page.cursor == cursor:
                        pytest.fail("the fetcher returned the cursor it was given with more=True; "
                                    "detect the repeated page token and raise FatalError")
                    cursor = page.cursor
            pytest.fail("the fetcher kept asking for the same page (6 pages, the API never moved on)")

        assert h.run(go()) in ("raised", "stopped")

    def _errors(self, call: Any, platform: Platform, channel: Channel) -> list[str]:
        """Statuses whose response did not raise the right error kind, as lines."""
        cfg = self.config
        wrong = []
        for status in cfg.error_statuses:
            api = h.MockAPI(lambda request, index, s=status: cfg.error_response(s, cfg.retry_after))

            async def go(api: h.MockAPI = api) -> BaseException | None:
                async with api.client() as client:
                    try:
                        await call(platform, channel, client)
                    except PlatformError as exc:
                        return exc
                return None

            error = h.run(go())
            kinds = _expected_kind(status)
            if not isinstance(error, kinds) or (status >= 500 and isinstance(error, RateLimited)):
                got = type(error).__name__ if error is not None else "no error"
                wrong.append(f"HTTP {status}: expected {' or '.join(k.__name__ for k in kinds)}, got {got}")
            elif isinstance(error, RateLimited):
                after = error.retry_after
                if after is None or not cfg.retry_after - 5 <= after <= cfg.retry_after + 5:
                    wrong.append(f"HTTP 429: retry_after should be about {cfg.retry_after}s, got {after}")
            if not api.requests:
                wrong.append(f"HTTP {status}: no request was made")
        return wrong

    def test_fetch_errors_are_classified(self) -> None:
        """A fetch answered with an HTTP error raises the right kind: 401 → AuthError, other
        4xx (403, 400) → FatalError, 429 → RateLimited with the time to wait, 5xx →
        RetryableError.

        Troubleshooting: map responses to errors in one function of your ``client.py`` and
        chain the cause. Read the wait from ``Retry-After`` or the platform's reset header
        (seconds from now). Shape ``SuiteConfig.error_response`` like your platform's real
        error responses (Meta sends rate limits as a 4xx with an error code).
        """
        platform = self.make_platform()
        self._needs(platform, Capability.FETCH)
        channel = self.make_channel(platform)

        async def fetch(platform: Platform, channel: Channel, client: httpx.AsyncClient) -> None:
            await platform.fetcher(channel, client).fetch(None)

        wrong = self._errors(fetch, platform, channel)
        assert not wrong, "\n".join(wrong)

    # -- replying ---------------------------------------------------------------------------------
    def _intent(self, platform: Platform) -> ReplyIntent:
        """An acknowledgement as the outbox worker hands it over right after the post arrived:
        with the author as stored (phone included) and their last post just now."""
        complaint = self._first_complaint(platform)
        return ReplyIntent(outbox_id=1, complaint_id=complaint.id, docket="SK-TEST-0001", kind="ack",
                           channel=h.CHANNEL, text="Complaint registered: SK-TEST-0001",
                           in_reply_to=complaint.external_id, recipient=complaint.author.id,
                           author=complaint.author, last_inbound_at=utcnow())

    def test_reply_sends_one_request(self) -> None:
        """``Replier.send`` sends the reply in exactly one request, carrying the reply's text
        and the post (or person) it answers, and returns the platform's id for the new reply.
        Requests that do not carry the reply (marking the answered message read, a lookup)
        may accompany it.

        Troubleshooting: send one request per reply, with no retries of your own (core's outbox
        retries, and asks ``find_sent`` first after an unknown outcome, or waits for the
        platform's report of ``intent.token`` where ``confirms_by_webhook``). Return
        ``SentReply(platform_id=<id from the response>)``; raise ``RetryableError`` if the
        response lacks it. Set ``SuiteConfig.reply_file``, ``reply_status`` and ``reply_id``.
        The suite answers every request with ``reply_file``.
        """
        platform = self.make_platform()
        self._needs(platform, Capability.REPLY)
        channel = self.make_channel(platform)
        cfg = self.config
        if cfg.reply_id is None:
            pytest.fail("set SuiteConfig.reply_id: the platform id in the reply fixture")
        body = (self.fixtures_dir / cfg.reply_file).read_bytes()
        api = h.MockAPI(lambda request, index: h.ok_response(body, cfg.response_headers, cfg.reply_status))
        intent = self._intent(platform)

        async def go() -> str:
            async with api.client() as client:
                return (await platform.replier(channel, client).send(intent)).platform_id

        assert h.run(go()) == cfg.reply_id
        made = [f"{r.method} {r.url}" for r in api.requests]
        replies = [where for where in map(_where, api.requests) if intent.text in where]
        assert replies, f"no request carried the reply text: {made}"
        assert len(replies) == 1, f"the reply was sent {len(replies)} times: {made}"
        assert intent.in_reply_to in replies[0] or intent.recipient in replies[0], \
            "the request names neither the post nor the person answered"

    def test_reply_errors_are_classified(self) -> None:
        """A reply answered with an HTTP error raises the right kind (as for fetching): 401 →
        AuthError, other 4xx → FatalError, 429 → RateLimited with the wait, 5xx →
        RetryableError; the outbox retries only the retryable ones.

        Troubleshooting: route the replier's requests through the same error-mapping function
        as the fetcher. A platform policy refusal (duplicate content, outside a messaging
        window) is a FatalError: retrying cannot help.
        """
        platform = self.make_platform()
        self._needs(platform, Capability.REPLY)
        channel = self.make_channel(platform)
        intent = self._intent(platform)

        async def reply(platform: Platform, channel: Channel, client: httpx.AsyncClient) -> None:
            await platform.replier(channel, client).send(intent)

        wrong = self._errors(reply, platform, channel)
        assert not wrong, "\n".join(wrong)

