"""Every hook Shikayat calls, in one place.

Contribution hooks collect every plugin's answer; decision hooks (``firstresult=True``) stop
at the first answer that is not None. Core's defaults are registered like any outside
plugin and answer last (they are registered first; pluggy calls the last registered first),
so a plugin overrides a default by returning a value. Implementations may accept any subset
of a hook's arguments. See ``docs/hooks.md`` for examples.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    import click

    from shikayat.complaint import Complaint
    from shikayat.decisions import Classification, DecisionContext, Duplicate, Route
    from shikayat.demo import DemoChannel
    from shikayat.platforms import Channel, Platform
    from shikayat.store import Store

PROJECT = "shikayat"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_platforms() -> list[Platform]:
    """Declare the platforms this plugin provides.

    Called once when the plugin manager is built. Return a list of
    :class:`~shikayat.platforms.Platform` instances (empty if none). Every answer is
    collected; two plugins declaring the same platform name is a load error for the second.
    """


@hookspec(firstresult=True)
def open_store(url: str) -> Store | None:
    """Open a store for a database URL.

    Called by the daemon and commands that need the database. Return a
    :class:`~shikayat.store.Store` if you handle this kind of URL, else None. First answer wins.
    """


@hookspec(firstresult=True)
def dedupe_complaint(complaint: Complaint, context: DecisionContext) -> Duplicate | None:
    """Decide whether ``complaint`` repeats a known complaint.

    Called by the dedupe stage once per normalized complaint, before classify. Return a
    :class:`~shikayat.decisions.Duplicate` to link it to its canonical complaint, or None to
    let the next implementation look (the default's None means "a new case"). Do not mutate
    the complaint; use ``context.index`` for lookups. First non-None answer wins.
    """


@hookspec(firstresult=True)
def classify_complaint(complaint: Complaint, context: DecisionContext) -> Classification | None:
    """Pick the category, priority, actionable and sensitive flags.

    Called by the classify stage once per complaint (duplicates included, so that they can be
    displayed). ``context.taxonomy`` is the loaded complaint taxonomy; for a post folded into a
    known case ``context.case`` holds that case's decisions (the default joins them). Return a
    :class:`~shikayat.decisions.Classification` or None to let another plugin decide. First
    non-None answer wins; the built-in default always answers.
    """


@hookspec(firstresult=True)
def route_complaint(complaint: Complaint, context: DecisionContext) -> Route | None:
    """Pick the unit responsible for one classified complaint.

    Called by the route stage after classify, once per complaint. The first non-None answer
    wins. Return None to let another plugin decide. The reason is stored in words. For a post
    folded into a known case ``context.case`` holds that case's decisions (the default sends
    the post where the case went, unless the case sits at a triage desk).
    """


@hookspec(firstresult=True)
def join_incident(complaint: Complaint, context: DecisionContext) -> Duplicate | None:
    """Decide whether a classified, routed new case is another report of an open incident.

    Called after route for a complaint that dedupe found to be new: by now it has its category,
    unit and ``unit_basis``, so reports of one incident in other words or another language (a
    crash on the expressway posted in Hindi and in English) can be told apart from text alone.
    ``context.cases`` lists the open cases. Return a :class:`~shikayat.decisions.Duplicate` to
    fold it into that case (it keeps its own decisions), or None. First non-None answer wins.
    """


@hookspec(firstresult=True)
def render_reply(complaint: Complaint, kind: str, context: DecisionContext) -> str | None:
    """Write the text of a reply of ``kind`` (``"ack"``: complaint registered) for a complaint.

    Called by the reply stage when a reply is queued. Return the text (the platform's
    replier shortens it to its limit) or None to let another plugin write it. First non-None
    answer wins. Never put personal data in a public reply; sensitive cases carry the
    reference only.
    """


@hookspec
def complaint_stored(complaint: Complaint) -> None:
    """Notification: a complaint (new case or duplicate) was committed to the store.

    Called after the batch containing it commits, once per complaint. Return value ignored.
    Use for notifying a station by e-mail, SMS, a chat bot…; do not block for long.
    """


@hookspec
def channel_failed(channel: Channel, error: str) -> None:
    """Notification: a channel stopped on a permanent error (e.g. revoked credentials).

    Called by the daemon once when the channel stops. Return value ignored.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``shikayat`` command line.

    Called once when the command line starts. Add ``click`` commands to ``cli``.
    """


@hookspec
def demo_channels(data_dir: Path) -> list[DemoChannel]:
    """Contribute channels to ``shikayat demo``: a fake platform server and its traffic.

    Called once by ``shikayat demo`` before the daemon starts. Return
    :class:`~shikayat.demo.DemoChannel` objects (the fake server is started by their
    ``start()``); the real plugin then runs against them unchanged. Every answer is collected.
    """
