"""The one plugin manager: built-in defaults plus every ``shikayat`` entry point.

A plugin that fails to import or register is reported (``PluginManager.failures``) and
skipped; it never stops the daemon. ``SHIKAYAT_DISABLED_PLUGINS=a,b`` skips entry points by
name; ``SHIKAYAT_TRACE_HOOKS=1`` logs every hook call.
"""

from __future__ import annotations

import importlib
import logging
import os
import typing
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

import pluggy

from shikayat import hookspecs
from shikayat.errors import ConfigError, ConfigProblem
from shikayat.platforms import Capability, Platform, WebhookReceiver
from shikayat.settings import DISABLED_PLUGINS, TRACE_HOOKS

logger = logging.getLogger(__name__)

DEFAULT_PLUGINS: tuple[str, ...] = (
    "shikayat.defaults.dedupe",
    "shikayat.defaults.classify",
    "shikayat.defaults.route",
    "shikayat.defaults.reply",
)
"""Core's built-in hook implementations, registered first so that they answer last."""


@dataclass(frozen=True)
class PluginRecord:
    name: str
    module: str
    distribution: str | None
    version: str | None
    platforms: tuple[str, ...] = ()
    builtin: bool = False


@dataclass(frozen=True)
class PluginFailure:
    name: str
    error: str


@dataclass
class Plugins:
    """The loaded plugin set: the pluggy manager and what was found."""

    pm: pluggy.PluginManager
    records: list[PluginRecord] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)
    platforms: dict[str, Platform] = field(default_factory=dict)
    platform_sources: dict[str, str] = field(default_factory=dict)

    @property
    def hook(self) -> pluggy.HookRelay:
        return self.pm.hook

    def platform(self, name: str) -> Platform:
        try:
            return self.platforms[name]
        except KeyError:
            known = ", ".join(sorted(self.platforms)) or "none"
            raise ConfigError(
                ConfigProblem("", "platform", f"no installed plugin provides platform {name!r} (installed: {known})")
            ) from None

    def open_store(self, url: str):  # type: ignore[no-untyped-def]
        from shikayat.store import Store

        store = self.hook.open_store(url=url)
        if not isinstance(store, Store):
            raise ConfigError(
                ConfigProblem("storage", "url", f"no installed plugin can open {_redact_url(url)!r} "
                              "(install shikayat-storage)")
            )
        return store


def _redact_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        creds, _, host = rest.rpartition("@")
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def check_platform(platform: Platform) -> str | None:
    """Why a declared platform is refused, or None.

    Declared capabilities must match the methods the platform overrides, and a platform with
    ``Capability.WEBHOOK`` must name a receiver class that implements the signature check.
    """
    name = getattr(platform, "name", None)
    if not isinstance(name, str) or not name:
        return "platform has no name"
    caps = getattr(platform, "capabilities", None)
    if not isinstance(caps, frozenset):
        return f"platform {name!r}: capabilities must be a frozenset of Capability"
    cls = type(platform)
    overrides = {
        Capability.FETCH: cls.fetcher is not Platform.fetcher,
        Capability.REPLY: cls.replier is not Platform.replier,
        Capability.WEBHOOK: cls.webhook is not Platform.webhook or cls.receiver_class is not None,
    }
    for cap, implemented in overrides.items():
        if (cap in caps) != implemented:
            verb = "declares" if cap in caps else "does not declare"
            return f"platform {name!r} {verb} {cap.value!r} but {'does not implement' if cap in caps else 'implements'} it"
    if Capability.WEBHOOK in caps:
        receiver = receiver_class_of(platform)
        if receiver is None:
            return (f"platform {name!r} declares 'webhook' but names no receiver class: set "
                    "receiver_class, or annotate webhook() with the receiver's own class")
        if _lacks_verify(receiver):
            return f"platform {name!r} offers webhooks without a signature verifier ({receiver.__name__}.verify)"
    return None


def receiver_class_of(platform: Platform) -> type[WebhookReceiver] | None:
    """The webhook receiver class a platform names (``receiver_class`` or the return
    annotation of its ``webhook`` method), or None."""
    if platform.receiver_class is not None:
        return platform.receiver_class
    try:
        hint = typing.get_type_hints(type(platform).webhook).get("return")
    except Exception:  # noqa: BLE001 - an unresolvable annotation names nothing
        return None
    if isinstance(hint, type) and issubclass(hint, WebhookReceiver) and hint is not WebhookReceiver:
        return hint
    return None


def _lacks_verify(receiver: type[WebhookReceiver]) -> bool:
    verify = receiver.verify
    return bool(getattr(verify, "__isabstractmethod__", False)) or verify is WebhookReceiver.verify


def check_webhook_receiver(platform_name: str, receiver: WebhookReceiver) -> None:
    """Refuse a receiver whose signature check is missing (mandatory for webhooks)."""
    if _lacks_verify(type(receiver)):
        raise ConfigError(f"platform {platform_name!r} offers webhooks without a signature verifier")


def _dist_of(ep: EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


def load_plugins(*, entry_points_enabled: bool = True, extra: list[object] | None = None) -> Plugins:
    """Build the plugin manager: defaults, then entry points, then ``extra`` (tests)."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm)
    disabled = {n.strip() for n in os.environ.get(DISABLED_PLUGINS, "").split(",") if n.strip()}

    from shikayat import __version__

    for modname in DEFAULT_PLUGINS:
        module = importlib.import_module(modname)
        pm.register(module, name=modname)
        plugins.records.append(PluginRecord(modname, modname, "shikayat", __version__, builtin=True))

    if entry_points_enabled:
        for ep in sorted(entry_points(group=hookspecs.PROJECT), key=lambda e: e.name):
            if ep.name in disabled:
                logger.info("plugin %s disabled by %s", ep.name, DISABLED_PLUGINS)
                continue
            if pm.has_plugin(ep.name):
                continue
            dist, version = _dist_of(ep)
            try:
                module = ep.load()
                pm.register(module, name=ep.name)
            except Exception as exc:  # noqa: BLE001 - a broken plugin must never stop the daemon
                logger.error("plugin %s (%s) failed to load and is skipped: %s", ep.name, ep.value, exc)
                plugins.failures.append(PluginFailure(ep.name, f"{type(exc).__name__}: {exc}"))
                continue
            mod_name = module.__name__ if isinstance(module, ModuleType) else ep.value
            plugins.records.append(PluginRecord(ep.name, mod_name, dist, version))

    for obj in extra or []:
        pm.register(obj)
        plugins.records.append(PluginRecord(pm.get_name(obj) or repr(obj), repr(obj), None, None))

    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise ConfigError(f"plugin implements an unknown hook: {exc}") from exc

    _collect_platforms(plugins)
    if os.environ.get(TRACE_HOOKS) == "1":
        pm.trace.root.setwriter(lambda msg: logger.debug("hook: %s", msg.rstrip()))
        pm.enable_tracing()
    return plugins


def _collect_platforms(plugins: Plugins) -> None:
    pm = plugins.pm
    for impl in pm.hook.register_platforms.get_hookimpls():
        plugin_name = impl.plugin_name
        try:
            declared = impl.function() or []
        except Exception as exc:  # noqa: BLE001
            logger.error("plugin %s failed to declare platforms: %s", plugin_name, exc)
            plugins.failures.append(PluginFailure(plugin_name, f"register_platforms: {exc}"))
            continue
        names = []
        for platform in declared:
            problem = check_platform(platform)
            if problem is None and platform.name in plugins.platforms:
                problem = (
                    f"platform {platform.name!r} is already provided by "
                    f"{plugins.platform_sources[platform.name]}"
                )
            if problem:
                logger.error("plugin %s: %s; skipped", plugin_name, problem)
                plugins.failures.append(PluginFailure(plugin_name, problem))
                continue
            plugins.platforms[platform.name] = platform
            plugins.platform_sources[platform.name] = plugin_name
            names.append(platform.name)
        for i, rec in enumerate(plugins.records):
            if rec.name == plugin_name:
                plugins.records[i] = PluginRecord(
                    rec.name, rec.module, rec.distribution, rec.version, tuple(names), rec.builtin
                )
