from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import EntryPoint

import pytest

import shikayat.plugins as plugins_mod
from shikayat.complaint import Complaint, RawPost
from shikayat.errors import ConfigError
from shikayat.hookspecs import hookimpl
from shikayat.platforms import Capability, Channel, Platform, WebhookReceiver, WebhookResponse
from shikayat.plugins import DEFAULT_PLUGINS, check_webhook_receiver, load_plugins
from shikayat.testing.fakes import FakePlatform, FakePlugin, FakeReceiver


class _Base(Platform):
    name = "half"
    capabilities = frozenset({Capability.FETCH})

    def normalize(self, raw: RawPost) -> Complaint:
        raise NotImplementedError

    def split(self, payload: bytes, channel: str | None = None) -> list[RawPost]:
        return []


class _Provides:
    def __init__(self, *platforms: Platform) -> None:
        self.platforms = list(platforms)

    @hookimpl
    def register_platforms(self) -> list[Platform]:
        return self.platforms


def test_defaults_are_registered_as_plugins() -> None:
    p = load_plugins(entry_points_enabled=False)
    for name in DEFAULT_PLUGINS:
        assert p.pm.has_plugin(name)
    assert {r.name for r in p.records if r.builtin} == set(DEFAULT_PLUGINS)


def test_platform_declaring_fetch_without_a_fetcher_is_refused() -> None:
    p = load_plugins(entry_points_enabled=False, extra=[_Provides(_Base())])
    assert "half" not in p.platforms
    assert any("declares 'fetch' but does not implement it" in f.error for f in p.failures)


def test_second_provider_of_a_platform_is_refused() -> None:
    p = load_plugins(entry_points_enabled=False, extra=[FakePlugin(), _Provides(FakePlatform())])
    assert "fake" in p.platforms
    assert any("already provided" in f.error for f in p.failures)


def test_unknown_platform_is_a_config_error() -> None:
    p = load_plugins(entry_points_enabled=False)
    with pytest.raises(ConfigError, match="no installed plugin provides platform 'nosuch'"):
        p.platform("nosuch")


def test_a_plugin_that_fails_to_import_is_reported_and_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = EntryPoint(name="broken", value="shikayat_no_such_module.plugin", group="shikayat")
    good = EntryPoint(name="fakeplatform", value="shikayat.testing.fakes", group="shikayat")
    monkeypatch.setattr(plugins_mod, "entry_points", lambda group: [broken, good])
    p = load_plugins()
    assert [f.name for f in p.failures] == ["broken"]
    assert "ModuleNotFoundError" in p.failures[0].error
    assert p.pm.has_plugin("fakeplatform")


def test_disabled_plugins_are_not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = EntryPoint(name="fakeplatform", value="shikayat.testing.fakes", group="shikayat")
    monkeypatch.setattr(plugins_mod, "entry_points", lambda group: [ep])
    monkeypatch.setenv("SHIKAYAT_DISABLED_PLUGINS", "fakeplatform, other")
    assert not load_plugins().pm.has_plugin("fakeplatform")


def test_a_hook_implementation_with_a_typo_is_refused() -> None:
    class Typo:
        @hookimpl
        def classify_complain(self) -> None: ...

    with pytest.raises(ConfigError, match="unknown hook"):
        load_plugins(entry_points_enabled=False, extra=[Typo()])


class _NoCheck(WebhookReceiver):
    """A receiver that forgot its signature check (the ABC's guard switched off)."""

    def handshake(self, query: Mapping[str, str]) -> WebhookResponse:
        return WebhookResponse(200)

    verify = WebhookReceiver.verify  # type: ignore[assignment]

    def split(self, body: bytes) -> list[RawPost]:
        return []


_NoCheck.__abstractmethods__ = frozenset()


def _channel() -> Channel:
    from shikayat.testing.fakes import FakeSettings

    return Channel("c", "fake", FakeSettings(platform="fake"))


def test_webhook_receiver_without_a_verifier_is_refused() -> None:
    with pytest.raises(ConfigError, match="without a signature verifier"):
        check_webhook_receiver("nocheck", _NoCheck(_channel()))


def test_webhook_platform_without_a_verifier_is_refused_at_load() -> None:
    class Unsigned(FakePlatform):
        name = "unsigned"
        receiver_class = _NoCheck

    class Annotated(FakePlatform):
        name = "annotated"
        receiver_class = None

        def webhook(self, channel: Channel) -> _NoCheck:
            return _NoCheck(channel)

    p = load_plugins(entry_points_enabled=False, extra=[_Provides(Unsigned(), Annotated(), FakePlatform())])
    assert set(p.platforms) == {"fake"}
    errors = sorted(f.error for f in p.failures)
    assert errors == [
        "platform 'annotated' offers webhooks without a signature verifier (_NoCheck.verify)",
        "platform 'unsigned' offers webhooks without a signature verifier (_NoCheck.verify)",
    ]


def test_webhook_platform_must_name_its_receiver_class() -> None:
    class Vague(FakePlatform):
        name = "vague"
        receiver_class = None

        def webhook(self, channel: Channel) -> WebhookReceiver:
            return FakeReceiver(channel)

    class Precise(Vague):
        name = "precise"

        def webhook(self, channel: Channel) -> FakeReceiver:
            return FakeReceiver(channel)

    p = load_plugins(entry_points_enabled=False, extra=[_Provides(Vague(), Precise())])
    assert set(p.platforms) == {"precise"}
    assert [f.error for f in p.failures] == [
        "platform 'vague' declares 'webhook' but names no receiver class: set receiver_class, "
        "or annotate webhook() with the receiver's own class"]


def test_installed_entry_points_resolve() -> None:
    p = load_plugins()
    names = {r.name for r in p.records}
    assert {"storage", "twitter"} <= names, p.failures
    assert p.platform_sources.get("twitter") == "twitter"
    rec = next(r for r in p.records if r.name == "twitter")
    assert rec.distribution == "shikayat-twitter" and rec.version and rec.platforms == ("twitter",)


def test_channel_property() -> None:
    from shikayat.testing.fakes import FakeSettings

    ch = Channel("c", "fake", FakeSettings(platform="fake", unit="u1"))
    assert ch.unit == "u1"


def test_hook_register_platforms() -> None:
    from shikayat.testing.fakes import FakePlatform

    class Two(FakePlatform):
        name = "two"

    p = load_plugins(entry_points_enabled=False, extra=[_Provides(FakePlatform(), Two())])
    assert set(p.platforms) == {"fake", "two"}
    assert isinstance(p.platform("two"), Two)
