"""The Meta platforms' part of ``shikayat demo``.

:class:`GraphDemo` is what the Facebook, Instagram and WhatsApp demo channels share: a fake Graph
API server on loopback, its citizens' traffic pushed to the daemon as signed webhook deliveries
once the daemon listens, and the channel section with its secrets. :class:`FacebookDemo` is the
Facebook one: a Page that gets visitor posts, comments and Messenger messages (a lost delivery is
caught by reconciliation polling).
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from shikayat.demo import DemoChannel
from shikayat_facebook.fake import FakeFacebook
from shikayat_facebook.fakegraph import RunningFake, WebhookSender, run_fake
from shikayat_facebook.traffic import FacebookTraffic

VERIFY_TOKEN = "fake-verify-token"


class _Fake(Protocol):
    app: Any
    version: str
    app_secret: str
    tokens: Any
    webhooks: WebhookSender


class _Traffic(Protocol):
    def emit(self, count: int) -> int: ...


class GraphDemo(DemoChannel):
    """A demo channel on a fake Graph API server. Subclasses set the class attributes and
    :meth:`settings` (the platform's own keys of the channel section)."""

    env_prefix: ClassVar[str]
    """Prefix of the demo's secret variables, e.g. ``SHIKAYAT_DEMO_FB``."""
    initial_posts: ClassVar[int] = 8
    """Posts waiting before the daemon listens (the first poll or delivery finds them)."""

    def __init__(self, fake: _Fake, traffic: _Traffic) -> None:
        self.fake = fake
        self.traffic = traffic
        self.running: RunningFake | None = None

    def settings(self) -> dict[str, Any]:
        return {}

    def start(self) -> tuple[dict[str, Any], dict[str, str]]:
        self.running = run_fake(self.fake.app, name=f"fake-{self.platform}")
        self.traffic.emit(self.initial_posts)      # held until the daemon listens
        p = self.env_prefix
        section = {
            "platform": self.platform, "unit": "up-hq", "base_url": self.running.base_url,
            "api_version": self.fake.version, "access_token": f"env:{p}_TOKEN",
            "app_secret": f"env:{p}_APP_SECRET", "verify_token": f"env:{p}_VERIFY_TOKEN", **self.settings(),
        }
        env = {f"{p}_TOKEN": next(iter(self.fake.tokens)), f"{p}_APP_SECRET": self.fake.app_secret,
               f"{p}_VERIFY_TOKEN": VERIFY_TOKEN}
        return section, env

    def daemon_started(self, base_url: str) -> None:
        self.fake.webhooks.target = f"{base_url}/webhooks/{self.name}"   # held posts go with the next emit

    def emit(self, count: int) -> int:
        return self.traffic.emit(count)

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None


class FacebookDemo(GraphDemo):
    name = "up_police_fb"
    platform = "facebook"
    env_prefix = "SHIKAYAT_DEMO_FB"

    def __init__(self, seed: int = 11) -> None:
        fake = FakeFacebook()
        super().__init__(fake, FacebookTraffic(fake, seed=seed))
        self.facebook = fake

    def settings(self) -> dict[str, Any]:
        return {"page_id": self.facebook.page_id, "lookback_hours": 1.0}

    def replies(self) -> int:
        return len(self.facebook.replies)
