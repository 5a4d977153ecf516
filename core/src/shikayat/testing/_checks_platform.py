"""Checks of a platform's shape and its normalizer (no HTTP): entry point, capabilities,
payloads, determinism, own traffic."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest

from shikayat.complaint import RawPost
from shikayat.hookspecs import PROJECT
from shikayat.pipeline import Pipeline
from shikayat.platforms import Capability, ChannelSettings, Fetcher, Replier, WebhookReceiver
from shikayat.plugins import check_platform, load_plugins
from shikayat.testing import _harness as h
from shikayat.testing._base import SuiteBase


class PlatformChecks(SuiteBase):
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
        """Every recorded payload splits into raw posts that normalize into valid Complaints
        (or, for a notification that is no post, are refused with ``NotAPost``); at least one
        is a real post.

        Each ``*.json`` in ``payloads_dir`` is what ``Platform.split`` accepts (one post, or one
        webhook delivery). Every post must normalize without error, keep the RawPost's external
        id and the platform's name, and survive a round trip through the Complaint model.

        Troubleshooting: record real payloads (secrets and personal data scrubbed) in the
        platform's documented shape. A normalizer must be pure: no I/O, no clock (use
        ``raw.received_at``), timezone-aware times, ids as opaque strings. Raise
        ``UnparseablePayload`` only for payloads that really cannot be read, and ``NotAPost``
        for a stored notification whose post is fetched and stored under its own key (an
        Instagram mention stub); the pipeline then marks it ignored instead of dead.
        """
        platform = self.make_platform()
        files = self._files(self.config.payloads_dir, why="the suite needs recorded payloads")
        count = notifications = 0
        for path, posts in h.split_all(platform, files, h.CHANNEL).items():
            for raw in posts:
                assert raw.platform == platform.name and raw.channel == h.CHANNEL, (path.name, raw)
                complaint = self._read(platform, raw)
                if complaint is None:
                    notifications += 1
                    continue
                assert complaint.created_at.tzinfo is not None
                count += 1
        assert count, (f"the payload fixtures held no post that normalizes into a complaint "
                       f"({notifications} notification(s) raised NotAPost)")

    def test_normalize_is_deterministic(self) -> None:
        """Splitting and normalizing the same payload twice gives the same external ids and the
        same complaint (apart from the generated internal id), so redeliveries dedupe.

        Troubleshooting: derive ``external_id`` from the platform's own id (or a hash of the
        raw bytes when there is none), never from the clock, a counter or a random value; keep
        ordering stable (no iteration over sets). A notification must raise ``NotAPost`` every
        time, not only sometimes.
        """
        platform = self.make_platform()
        files = self._files(self.config.payloads_dir, why="the suite needs recorded payloads")
        for path in files:
            body = path.read_bytes()
            first, second = platform.split(body, h.CHANNEL), self.make_platform().split(body, h.CHANNEL)
            assert [p.external_id for p in first] == [p.external_id for p in second], path.name
            for a, b in zip(first, second, strict=True):
                b = b.model_copy(update={"received_at": a.received_at})
                ca, cb = self._read(platform, a), self._read(platform, b)
                if ca is None or cb is None:
                    assert ca is None and cb is None, f"{path.name}: {a.external_id} is a post only once"
                    continue
                assert ca.model_dump(exclude={"id", "received_at"}) == cb.model_dump(exclude={"id", "received_at"}), path.name

    def test_own_traffic_is_ignored(self, tmp_path: Path) -> None:
        """Posts written by our own account never become complaints.

        Every payload in ``own_dir`` must be authored by an id in ``own_account_ids(settings)``;
        a real pipeline over a SQLite store marks them ignored, while a citizen's payload (the
        first of ``payloads_dir`` with a post by someone else) becomes a complaint.

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
        control: list[RawPost] = []
        for citizen in self._files(self.config.payloads_dir, why="the suite needs a citizen's payload"):
            control = [p for p in platform.split(citizen.read_bytes(), h.CHANNEL)
                       if (c := self._read(platform, p)) is not None and c.author.id not in own_ids]
            if control:
                break
        assert control, "no payload holds a post by someone else"

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

