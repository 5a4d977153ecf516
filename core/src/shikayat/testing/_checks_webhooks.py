"""Checks of a platform's webhook receiver, through the daemon's real HTTP app and store."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from shikayat.pipeline import Pipeline
from shikayat.platforms import Capability, Channel, ChannelSettings, Platform
from shikayat.testing import _harness as h
from shikayat.testing._base import SuiteBase


class WebhookChecks(SuiteBase):
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
        the inbox; sending every delivery twice stores each post once; and the pipeline then
        turns every stored post into a complaint, or marks it ignored (our own posts, and
        notifications the normalizer refuses with ``NotAPost``), never a dead letter. At least
        one delivered post must be a real post.

        Troubleshooting: ``split`` must return one RawPost per post/comment/message (none for
        receipts and echoes) keyed by the platform's id, the same on every redelivery; raise
        ``UnparseablePayload`` for a body that is not the platform's shape (it is kept as a
        dead letter). A notification that names a post without its text (an Instagram
        mention) may be stored verbatim under its own key and raise ``NotAPost`` when
        normalized, its post being fetched separately; a notice that a post was deleted raises
        ``PostRemoved`` (a ``NotAPost``) naming it. ``SuiteConfig.sign`` must produce the
        headers the platform would send.
        """
        platform, channel = self._webhook_setup()
        files = self._files(self.config.webhook_dir, why="the suite needs a webhook delivery")
        receiver = platform.webhook(channel)
        own_ids = platform.own_account_ids(channel.settings)
        expected: set[str] = set()
        citizens: set[str] = set()
        for path in files:
            for raw in receiver.split(path.read_bytes()):
                complaint = self._read(platform, raw)
                expected.add(raw.external_id)
                if complaint is not None and complaint.author.id not in own_ids:
                    citizens.add(raw.external_id)
        assert citizens, ("no delivery in the webhook fixtures holds a post by someone else "
                          "(every item was ours, or a notification raising NotAPost)")
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
            result = Pipeline(store=store, plugins=plugins, units=h.empty_units(),
                              channels={channel.name: channel}).drain()
            after = store.stats()
            stored = {c.external_id for c in store.iter_complaints()}
        finally:
            store.close()
        assert statuses == [200] * (2 * len(files)), statuses
        assert stats.get("inbox_dead", 0) == 0, stats
        assert stats.get("inbox_pending", 0) == len(expected), (stats, sorted(expected))
        assert after.get("inbox_dead", 0) == 0, (f"the pipeline dead-lettered {after['inbox_dead']} "
                                                 f"delivered post(s): {after}")
        assert stored == citizens, {"not stored": sorted(citizens - stored), "unexpected": sorted(stored - citizens)}
        assert result.ignored + result.removed == len(expected - citizens), result
