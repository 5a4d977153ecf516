"""Replay (``shikayat ingest``) and export (``shikayat export``) of JSON Lines.

An ingest line is ``{"platform": "twitter", "channel": "<optional channel>", "payload": {...}}``
where ``payload`` is the platform's own JSON for one post (a polled platform) or one webhook
delivery (a push platform), exactly as the fetcher or webhook receives it. Lines go into the
inbox like live traffic and through the same pipeline. A line that cannot be read is reported
with its number and the rest are still ingested; a payload the platform cannot read is kept
as a dead letter (``shikayat reprocess`` retries it). What a payload reports about our replies
(``Platform.delivery_reports``: not delivered, or confirmed sent) is recorded in the outbox,
as the webhook route does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

import orjson

from shikayat.complaint import RawPost
from shikayat.errors import UnparseablePayload
from shikayat.pipeline.reply import record_delivery_reports
from shikayat.platforms import DeliveryReport
from shikayat.plugins import Plugins
from shikayat.store import Store
from shikayat.types import Status


@dataclass
class IngestReport:
    lines: int = 0
    posts: int = 0
    new: int = 0
    dead: int = 0
    undelivered: int = 0
    """Sent replies the payloads reported as not delivered (marked failed)."""
    confirmed: int = 0
    """Pending replies the payloads confirmed as sent (marked sent)."""
    bad_lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def known(self) -> int:
        return self.posts - self.new


_Parsed = tuple[list[RawPost], RawPost | None, str, list[tuple[str, DeliveryReport]]]


def _parse_line(number: int, line: bytes, plugins: Plugins, channels: set[str] | None) -> _Parsed:
    """(posts, dead-letter post or None, error, (platform, delivery report) pairs). An error
    with no posts means a bad line."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return [], None, f"not valid JSON ({exc})", []
    if not isinstance(obj, dict):
        return [], None, "a line must be a JSON object with 'platform' and 'payload'", []
    platform_name = obj.get("platform")
    if not isinstance(platform_name, str) or not platform_name:
        return [], None, "missing 'platform'", []
    platform = plugins.platforms.get(platform_name)
    if platform is None:
        return [], None, f"no installed plugin provides platform {platform_name!r}", []
    channel = obj.get("channel")
    if channel is not None and not isinstance(channel, str):
        return [], None, "'channel' must be a string", []
    if channel is not None and channels is not None and channel not in channels:
        return [], None, f"channel {channel!r} is not configured", []
    if "payload" not in obj:
        return [], None, "missing 'payload'", []
    payload = orjson.dumps(obj["payload"])
    try:
        posts = platform.split(payload, channel)
        reports = [(platform_name, r) for r in platform.delivery_reports(payload)]
    except UnparseablePayload as exc:
        key = "sha256:" + hashlib.sha256(payload).hexdigest()
        raw = RawPost(platform=platform_name, external_id=key, channel=channel, payload=payload)
        return [], raw, str(exc), []
    return posts, None, "", reports


def ingest_lines(
    lines: Iterable[bytes],
    plugins: Plugins,
    store: Store,
    *,
    channels: set[str] | None = None,
    batch: int = 500,
    on_line: Callable[[int, bytes], None] | None = None,
) -> IngestReport:
    """Commit every readable line's posts to the inbox, in batches. Returns what happened."""
    report = IngestReport()
    posts: list[RawPost] = []
    dead: list[tuple[RawPost, str]] = []
    reports: list[tuple[str, DeliveryReport]] = []

    def flush() -> None:
        if posts or dead:
            report.new += store.add_raw(posts, dead=dead)
            posts.clear()
            dead.clear()
        for platform_name, delivery in reports:
            done = record_delivery_reports(store, platform_name, [delivery])
            report.undelivered += done.undelivered
            report.confirmed += done.confirmed
        reports.clear()

    for number, line in enumerate(lines, start=1):
        if on_line is not None:
            on_line(number, line)
        if not line.strip():
            continue
        report.lines += 1
        got, dead_post, error, reported = _parse_line(number, line, plugins, channels)
        reports.extend(reported)
        if dead_post is not None:
            dead.append((dead_post, error))
            report.dead += 1
            report.posts += 1
        elif error:
            report.bad_lines.append((number, error))
        posts.extend(got)
        report.posts += len(got)
        if len(posts) + len(dead) >= batch:
            flush()
    flush()
    return report


def export_complaints(
    store: Store,
    out: IO[bytes],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    statuses: Iterable[Status] | None = None,
) -> int:
    """Write stored complaints as JSON Lines of the Complaint model; returns the count."""
    count = 0
    for complaint in store.iter_complaints(since=since, until=until, statuses=statuses):
        out.write(complaint.model_dump_json().encode("utf-8"))
        out.write(b"\n")
        count += 1
    return count


def read_lines(stream: IO[bytes]) -> Iterator[bytes]:
    yield from stream
