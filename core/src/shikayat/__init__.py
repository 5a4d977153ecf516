"""Shikayat: citizens' complaints on social media, as tracked, routed, answered cases."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from shikayat.complaint import Author, Complaint, Location, Media, RawPost, Thread
from shikayat.decisions import Classification, DecisionContext, Duplicate, Route
from shikayat.errors import (
    AuthError,
    ConfigError,
    FatalError,
    NotAPost,
    PlatformError,
    PluginLoadError,
    PostRemoved,
    RateLimited,
    RetryableError,
    ShikayatError,
    SkippableError,
    StoreError,
    UnparseablePayload,
    WebhookRejected,
)
from shikayat.hookspecs import hookimpl
from shikayat.platforms import (
    Capability,
    Channel,
    ChannelSettings,
    DeliveryReport,
    Fetcher,
    Page,
    Platform,
    Replier,
    ReplyIntent,
    SentReply,
    WebhookReceiver,
    WebhookResponse,
)
from shikayat.secrets import Secret
from shikayat.types import Cursor, DuplicateReason, Language, MediaType, Priority, RouteBasis, Status

try:
    __version__ = version("shikayat")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "AuthError",
    "Author",
    "Capability",
    "Channel",
    "ChannelSettings",
    "Classification",
    "Complaint",
    "ConfigError",
    "Cursor",
    "DecisionContext",
    "DeliveryReport",
    "Duplicate",
    "DuplicateReason",
    "FatalError",
    "Fetcher",
    "Language",
    "Location",
    "Media",
    "MediaType",
    "NotAPost",
    "Page",
    "Platform",
    "PlatformError",
    "PluginLoadError",
    "PostRemoved",
    "Priority",
    "RateLimited",
    "RawPost",
    "Replier",
    "ReplyIntent",
    "RetryableError",
    "Route",
    "RouteBasis",
    "Secret",
    "SentReply",
    "ShikayatError",
    "SkippableError",
    "Status",
    "StoreError",
    "Thread",
    "UnparseablePayload",
    "WebhookReceiver",
    "WebhookRejected",
    "WebhookResponse",
    "__version__",
    "hookimpl",
]
