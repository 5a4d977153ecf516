"""The platform conformance suite: :class:`PlatformSuite`, a base class of named checks.

A plugin's test module subclasses it in a few lines (see :mod:`shikayat.testing`). Each check
is a test method whose docstring ends with a *Troubleshooting* paragraph for plugin authors.
Checks for a capability the platform lacks skip. Overriding a check is allowed only with
``@pytest.mark.xfail(reason=...)``; :meth:`PlatformSuite.test_overridden_checks_are_marked_xfail`
enforces it.
"""

from __future__ import annotations

import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from shikayat.complaint import Complaint, RawPost
from shikayat.errors import (
    AuthError,
    FatalError,
    PlatformError,
    RateLimited,
    RetryableError,
    UnparseablePayload,
)
from shikayat.hookspecs import PROJECT
from shikayat.pipeline import Pipeline
from shikayat.platforms import (
    Capability,
    Channel,
    ChannelSettings,
    Fetcher,
    Page,
    Platform,
    Replier,
    ReplyIntent,
    WebhookReceiver,
)
from shikayat.plugins import check_platform, load_plugins
from shikayat.testing import _harness as h
from shikayat.testing.config import SuiteConfig

CHECKS: tuple[str, ...] = (
    "test_entry_point_resolves",
    "test_capabilities_match_overrides",
    "test_payloads_normalize",
    "test_normalize_is_deterministic",
    "test_own_traffic_is_ignored",
    "test_webhook_handshake",
    "test_webhook_rejects_bad_signatures",
    "test_webhook_deliveries_are_stored_once",
    "test_fetch_pages_until_done",
    "test_fetch_resumes_from_cursor",
    "test_fetch_detects_cursor_loop",
    "test_fetch_errors_are_classified",
    "test_reply_sends_one_request",
    "test_reply_errors_are_classified",
    "test_overridden_checks_are_marked_xfail",
)
"""Every check of the suite, in the order they run."""


def _expected_kind(status: int) -> tuple[type[PlatformError], ...]:
    if status == 401:
        return (AuthError,)
    if status == 429:
        return (RateLimited,)
    if status >= 500:
        return (RetryableError,)
    return (FatalError,)


class PlatformSuite:
    """Named conformance checks for one platform. Subclass it as ``Test<Name>Conformance``.

    Set ``platform_class``, ``settings`` (one channel's settings; secret fields may be inline
    test values) and ``fixtures_dir``; optionally ``config`` (:class:`SuiteConfig`) and
    ``in_process = True`` for a platform registered without an entry point.
    """

    platform_class: ClassVar[type[Platform]]
    settings: ClassVar[dict[str, Any]] = {}
    fixtures_dir: ClassVar[Path]
    config: ClassVar[SuiteConfig] = SuiteConfig()
    in_process: ClassVar[bool] = False
    """True for a platform registered only in-process (no entry point to check)."""
    entry_point_name: ClassVar[str | None] = None
    """The entry point's name in the ``shikayat`` group (None: the platform's name)."""

    # -- building blocks (not checks) ---------------------------------------------------------
    def make_platform(self) -> Platform:
        """A fresh platform instance (override if the constructor takes arguments)."""
        return self.platform_class()

    def make_channel(self, platform: Platform) -> Channel:
        return Channel(h.CHANNEL, platform.name, h.build_settings(platform, self.settings))

    def _needs(self, platform: Platform, capability: Capability) -> None:
        if capability not in platform.capabilities:
            pytest.skip(f"platform {platform.name!r} does not declare {capability.value!r}")

    def _files(self, sub: str, *, at_least: int = 1, why: str) -> list[Path]:
        files = h.fixture_files(self.fixtures_dir, sub)
        if len(files) < at_least:
            pytest.fail(f"{why}: put at least {at_least} *.json file(s) in {self.fixtures_dir / sub}")
        return files

    def _normalize(self, platform: Platform, raw: RawPost) -> Complaint:
        complaint = platform.normalize(raw)
        assert isinstance(complaint, Complaint), f"normalize() returned {type(complaint).__name__}"
        assert complaint.platform == platform.name, (complaint.platform, platform.name)
        assert complaint.external_id == raw.external_id, (
            f"normalize() gave external id {complaint.external_id!r} for a RawPost keyed "
            f"{raw.external_id!r}; the pipeline dead-letters such a post")
        Complaint.model_validate(complaint.model_dump())
        return complaint

    def _first_complaint(self, platform: Platform) -> Complaint:
        files = self._files(self.config.payloads_dir, why="the suite needs a recorded payload")
        posts = platform.split(files[0].read_bytes(), h.CHANNEL)
        assert posts, f"{files[0].name} split into no posts"
        return self._normalize(platform, posts[0])

    # -- plugin shape ---------------------------------------------------------------------------
    def test_entry_point_resolves(self) -> None:
        """The platform is provided through an installed ``shikayat`` entry point.

        ``load_plugins()`` must find the platform by name, as an instance of
        ``platform_class``, with the distribution and version that ``shikayat plugins`` shows.

        Troubleshooting: declare ``[project.entry-points.shikayat] <name> = "<pkg>.plugin"`` in
        your pyproject.toml, reinstall the distribution (entry points are read from installed
        metadata, so an edited pyproject.toml needs ``pip install -e .`` again), and make
        ``register_platforms()`` in that module return an instance of your platform class. Run
        ``shikayat plugins`` to see load failures.
        """
        if self.in_process:
            pytest.skip("registered only in-process (in_process = True): no entry point to resolve")
        name = self.entry_point_name or self.platform_class.name
        found = [ep for ep in entry_points(group=PROJECT) if ep.name == name]
        assert found, f"no installed entry point named {name!r} in the {PROJECT!r} group"
        plugins = load_plugins()
        failures = [f for f in plugins.failures if f.name == name]
        assert not failures, failures
        platform = plugins.platforms.get(self.platform_class.name)
        assert isinstance(platform, self.platform_class), (
            f"entry point {name!r} does not provide platform {self.platform_class.name!r} "
            f"as a {self.platform_class.__name__} (got {platform!r})")
        record = next(r for r in plugins.records if r.name == name)
        assert record.distribution and record.version, record

    def test_capabilities_match_overrides(self) -> None:
        """Declared capabilities match the methods the platform overrides, and each factory
        builds the right object for a channel with the suite's settings.

        Troubleshooting: ``capabilities`` must list exactly ``Capability.FETCH`` if you override
        ``fetcher``, ``Capability.REPLY`` for ``replier`` and ``Capability.WEBHOOK`` for
        ``webhook`` (or ``receiver_class``). A webhook platform must name its receiver class
        (``receiver_class = MyReceiver`` or annotate ``webhook() -> MyReceiver``) and that class
        must implement ``verify``. ``settings_model`` must subclass ``ChannelSettings`` and
        accept the suite's ``settings``.
        """
        platform = self.make_platform()
        problem = check_platform(platform)
        assert problem is None, problem
        assert issubclass(platform.settings_model, ChannelSettings)
        channel = self.make_channel(platform)
        client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(599)))
        try:
            if Capability.FETCH in platform.capabilities:
                assert isinstance(platform.fetcher(channel, client), Fetcher)
            if Capability.REPLY in platform.capabilities:
                assert isinstance(platform.replier(channel, client), Replier)
            if Capability.WEBHOOK in platform.capabilities:
                assert isinstance(platform.webhook(channel), WebhookReceiver)
        finally:
            h.run(client.aclose())

    # -- normalizing ----------------------------------------------------------------------------
    def test_payloads_normalize(self) -> None:
        """Every recorded payload splits into raw posts that normalize into valid Complaints.

        Each ``*.json`` in ``payloads_dir`` is what ``Platform.split`` accepts (one post, or one
        webhook delivery). Every post must normalize without error, keep the RawPost's external
        id and the platform's name, and survive a round trip through the Complaint model.

        Troubleshooting: record real payloads (secrets and personal data scrubbed) in the
        platform's documented shape. A normalizer must be pure: no I/O, no clock (use
        ``raw.received_at``), timezone-aware times, ids as opaque strings. Raise
        ``UnparseablePayload`` only for payloads that really cannot be read.
        """
        platform = self.make_platform()
        files = self._files(self.config.payloads_dir, why="the suite needs recorded payloads")
        count = 0
        for path, posts in h.split_all(platform, files, h.CHANNEL).items():
            for raw in posts:
                assert raw.platform == platform.name and raw.channel == h.CHANNEL, (path.name, raw)
                complaint = self._normalize(platform, raw)
                assert complaint.created_at.tzinfo is not None
                count += 1
        assert count, "the payload fixtures held no posts"

    def test_normalize_is_deterministic(self) -> None:
        """Splitting and normalizing the same payload twice gives the same external ids and the
        same complaint (apart from the generated internal id), so redeliveries dedupe.

        Troubleshooting: derive ``external_id`` from the platform's own id (or a hash of the
        raw bytes when there is none), never from the clock, a counter or a random value; keep
        ordering stable (no iteration over sets).
        """
        platform = self.make_platform()
        files = self._files(self.config.payloads_dir, why="the suite needs recorded payloads")
        for path in files:
            body = path.read_bytes()
            first, second = platform.split(body, h.CHANNEL), self.make_platform().split(body, h.CHANNEL)
            assert [p.external_id for p in first] == [p.external_id for p in second], path.name
            for a, b in zip(first, second, strict=True):
                b = b.model_copy(update={"received_at": a.received_at})
                ca, cb = platform.normalize(a), platform.normalize(b)
                assert ca.model_dump(exclude={"id", "received_at"}) == cb.model_dump(exclude={"id", "received_at"}), path.name

    def test_own_traffic_is_ignored(self, tmp_path: Path) -> None:
        """Posts written by our own account never become complaints.

        Every payload in ``own_dir`` must be authored by an id in ``own_account_ids(settings)``;
        a real pipeline over a SQLite store marks them ignored, while a citizen's payload (the
        first of ``payloads_dir``) becomes a complaint.

        Troubleshooting: return every id of our accounts on this channel from
        ``own_account_ids`` (the account's user id, a Page id, the business phone number id)
        and normalize the author to that same id. Echoes of our own messages (Meta
        ``is_echo``) and delivery receipts should not even be split into posts.
        """
        platform = self.make_platform()
        channel = self.make_channel(platform)
        own_ids = platform.own_account_ids(channel.settings)
        assert own_ids, "own_account_ids() is empty for the suite's settings"
        own_files = self._files(self.config.own_dir, why="the suite needs a post written by our account")
        own: list[RawPost] = [p for posts in h.split_all(platform, own_files, h.CHANNEL).values() for p in posts]
        assert own, "the own-traffic fixtures split into no posts"
        for raw in own:
            author = self._normalize(platform, raw).author.id
            assert author in own_ids, f"{raw.external_id}: author {author!r} is not one of {sorted(own_ids)}"
        citizen = self._files(self.config.payloads_dir, why="the suite needs a citizen's payload")[0]
        control = [p for p in platform.split(citizen.read_bytes(), h.CHANNEL)
                   if self._normalize(platform, p).author.id not in own_ids]
        assert control, f"{citizen.name} has no post by someone else"

        plugins = h.suite_plugins(platform)
        store = h.open_store(plugins, tmp_path / "own.db")
        try:
            store.add_raw([*own, *control], channel=h.CHANNEL)
            pipeline = Pipeline(store=store, plugins=plugins, units=h.empty_units(),
                                channels={channel.name: channel})
            result = pipeline.drain()
            own_keys = {p.external_id for p in own}
            stored = {c.external_id for c in store.iter_complaints()}
            assert not own_keys & stored, f"own posts became complaints: {sorted(own_keys & stored)}"
            assert result.ignored == len(own_keys), result
            assert {p.external_id for p in control} <= stored, "the citizen's post was not stored"
        finally:
            store.close()

    # -- webhooks ---------------------------------------------------------------------------------
    def _webhook_setup(self) -> tuple[Platform, Channel]:
        platform = self.make_platform()
        self._needs(platform, Capability.WEBHOOK)
        return platform, self.make_channel(platform)

    def _sign(self, body: bytes, settings: ChannelSettings, at: float) -> dict[str, str]:
        if self.config.sign is None:
            pytest.fail("set SuiteConfig.sign: (body, settings, unix time) -> signature headers")
        return dict(self.config.sign(body, settings, at))

    def test_webhook_handshake(self, tmp_path: Path) -> None:
        """The verification GET is answered through the daemon's HTTP app: the right token gets
        the expected answer (the echoed challenge), a wrong token or an empty query is rejected.

        Troubleshooting: implement ``WebhookReceiver.handshake``; for Meta's
        ``hub.mode/hub.verify_token/hub.challenge`` use ``shikayat.webhooks.verify_hub_handshake``.
        Raise ``WebhookRejected`` on any mismatch (the server answers 401). Set
        ``SuiteConfig.handshake_query`` (and ``handshake_answer`` if the answer is not the
        challenge itself, e.g. X's CRC ``response_token``).
        """
        platform, channel = self._webhook_setup()
        cfg = self.config
        if cfg.handshake_query is None:
            pytest.fail("set SuiteConfig.handshake_query: (settings, challenge) -> query")
        challenge = "conformance-challenge-8412"
        good = dict(cfg.handshake_query(channel.settings, challenge))
        queries = [good, {}]
        if cfg.handshake_token_param:
            queries.append({**good, cfg.handshake_token_param: "wrong-" + good[cfg.handshake_token_param]})
        plugins = h.suite_plugins(platform)
        store = h.open_store(plugins, tmp_path / "hook.db")

        async def send(client: httpx.AsyncClient) -> list[httpx.Response]:
            return [await client.get(f"/webhooks/{h.CHANNEL}", params=q) for q in queries]

        try:
            ok, *bad = h.run(h.call_webhook(store, channel, platform, send))
        finally:
            store.close()
        assert ok.status_code == 200, (ok.status_code, ok.text)
        assert ok.content == cfg.handshake_answer(channel.settings, challenge), ok.content
        for query, response in zip(queries[1:], bad, strict=True):
            assert 400 <= response.status_code < 500, (query, response.status_code, response.text)

    def test_webhook_rejects_bad_signatures(self, tmp_path: Path) -> None:
        """A delivery whose signature is missing, does not match the body, or (for platforms
        that sign a timestamp) is stale is answered 401 and stores nothing.

        Troubleshooting: check the signature in ``verify`` over the raw bytes before parsing,
        with ``shikayat.webhooks.verify_hmac_sha256`` (constant-time compare) and, if the
        platform signs a timestamp, ``check_timestamp``; raise ``WebhookRejected``. Never
        accept an unsigned delivery, not even in a "test mode".
        """
        platform, channel = self._webhook_setup()
        body = self._files(self.config.webhook_dir, why="the suite needs a webhook delivery")[0].read_bytes()
        now = time.time()
        cases = {"missing": {}, "tampered": self._sign(body + b" ", channel.settings, now)}
        if self.config.signature_max_age is not None:
            cases["stale"] = self._sign(body, channel.settings, now - self.config.signature_max_age - 600)
        plugins = h.suite_plugins(platform)
        store = h.open_store(plugins, tmp_path / "hook.db")

        async def send(client: httpx.AsyncClient) -> dict[str, int]:
            return {name: (await client.post(f"/webhooks/{h.CHANNEL}", content=body, headers=headers)).status_code
                    for name, headers in cases.items()}

        try:
            statuses = h.run(h.call_webhook(store, channel, platform, send))
            stored = h.inbox_total(store)
        finally:
            store.close()
        assert statuses == dict.fromkeys(cases, 401), statuses
        assert stored == 0, f"{stored} inbox row(s) stored from rejected deliveries"

    def test_webhook_deliveries_are_stored_once(self, tmp_path: Path) -> None:
        """Each signed delivery in ``webhook_dir`` is answered 200 only after its posts are in
        the inbox; sending every delivery twice stores each post once.

        Troubleshooting: ``split`` must return one RawPost per post/comment/message (none for
        receipts and echoes) keyed by the platform's id, the same on every redelivery; raise
        ``UnparseablePayload`` for a body that is not the platform's shape (it is kept as a
        dead letter). ``SuiteConfig.sign`` must produce the headers the platform would send.
        """
        platform, channel = self._webhook_setup()
        files = self._files(self.config.webhook_dir, why="the suite needs a webhook delivery")
        receiver = platform.webhook(channel)
        expected: set[str] = set()
        for path in files:
            for raw in receiver.split(path.read_bytes()):
                self._normalize(platform, raw)
                expected.add(raw.external_id)
        plugins = h.suite_plugins(platform)
        store = h.open_store(plugins, tmp_path / "hook.db")

        async def send(client: httpx.AsyncClient) -> list[int]:
            out = []
            for path in [*files, *files]:
                body = path.read_bytes()
                headers = self._sign(body, channel.settings, time.time())
                out.append((await client.post(f"/webhooks/{h.CHANNEL}", content=body, headers=headers)).status_code)
            return out

        try:
            statuses = h.run(h.call_webhook(store, channel, platform, send))
            stats = store.stats()
        finally:
            store.close()
        assert statuses == [200] * (2 * len(files)), statuses
        assert stats.get("inbox_dead", 0) == 0, stats
        assert stats.get("inbox_pending", 0) == len(expected), (stats, sorted(expected))

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
        either normalizes or is refused with UnparseablePayload (a dead letter).

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
                self._normalize(platform, raw)
                readable += 1
            except UnparseablePayload:
                pass
        assert readable, "no fetched post could be normalized"

    def test_fetch_resumes_from_cursor(self) -> None:
        """A new fetcher given a saved cursor makes exactly the request the old one would have
        made next, and a cursor saved after the last page does not start the walk over.

        Troubleshooting: keep all paging state in the cursor (page token, the newest id seen,
        which stream is being walked), never on the fetcher object: the daemon may restart
        between any two pages. After a walk ends, the cursor must remember where it ended
        (e.g. X's ``since_id``, Meta's ``after`` or last ``created_time``).
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
        # after the walk: the saved cursor must not start from the beginning again
        done = pages[-1][1].cursor
        later = h.serve_in_order(files[-1:], headers)
        self._walk(self.make_platform(), channel, later, limit=1, cursor=h.roundtrip(done))
        assert h.request_key(later.requests[0]) != h.request_key(whole.requests[0]), (
            "fetching from the cursor saved after the last page repeated the very first request")

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
        complaint = self._first_complaint(platform)
        return ReplyIntent(outbox_id=1, complaint_id=complaint.id, docket="SK-TEST-0001", kind="ack",
                           channel=h.CHANNEL, text="Complaint registered: SK-TEST-0001",
                           in_reply_to=complaint.external_id, recipient=complaint.author.id)

    def test_reply_sends_one_request(self) -> None:
        """``Replier.send`` makes exactly one request, carrying the reply's text and the post
        (or person) it answers, and returns the platform's id for the new reply.

        Troubleshooting: send one request per reply, with no retries of your own (core's outbox
        retries, and asks ``find_sent`` first after an unknown outcome). Return
        ``SentReply(platform_id=<id from the response>)``; raise ``RetryableError`` if the
        response lacks it. Set ``SuiteConfig.reply_file``, ``reply_status`` and ``reply_id``.
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
        assert len(api.requests) == 1, [f"{r.method} {r.url}" for r in api.requests]
        sent = api.requests[0]
        where = str(sent.url) + sent.content.decode("utf-8", "replace")
        assert intent.text in where, "the reply text is not in the request"
        assert intent.in_reply_to in where or intent.recipient in where, \
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

    # -- the guard --------------------------------------------------------------------------------
    def test_overridden_checks_are_marked_xfail(self) -> None:
        """A subclass that overrides a suite check marks the override
        ``@pytest.mark.xfail(reason=...)``, so a skipped promise stays visible in every run.

        Troubleshooting: do not replace a check to make it pass. Set ``SuiteConfig`` knobs, or
        fix the plugin; if the platform truly cannot meet a check yet, override it with
        ``@pytest.mark.xfail(reason="why, and the issue that tracks it")`` and keep the body.
        """
        unmarked = []
        for name in CHECKS:
            mine, base = getattr(type(self), name), getattr(PlatformSuite, name)
            if mine is base:
                continue
            marks = [m for m in getattr(mine, "pytestmark", []) if m.name == "xfail"]
            if not any(str(m.kwargs.get("reason", "")).strip() for m in marks):
                unmarked.append(name)
        if unmarked:
            pytest.fail(f"{type(self).__name__} overrides suite checks without "
                        f"@pytest.mark.xfail(reason=...): {', '.join(unmarked)}")
