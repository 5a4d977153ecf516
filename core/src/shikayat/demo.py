"""``shikayat demo``: the whole system on one machine, against fake platform servers.

Each platform plugin contributes a :class:`DemoChannel` (hook ``demo_channels``): a fake
server on loopback speaking the platform's documented HTTP API and emitting realistic
complaint traffic. The real plugins and the real daemon run against them unchanged, into a
SQLite database in a folder that is left behind for inspection and ``shikayat export``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from shikayat.complaint import Complaint, utcnow


class DemoChannel(ABC):
    """One demo channel: a fake platform server plus the traffic it emits."""

    name: str
    platform: str

    @abstractmethod
    def start(self) -> tuple[dict[str, Any], dict[str, str]]:
        """Start the fake server; return the channel's config section and the environment
        variables its secret references need."""

    @abstractmethod
    def emit(self, count: int) -> int:
        """Make ``count`` citizens post (some repeat, some repost); returns how many posts."""

    @abstractmethod
    def replies(self) -> int:
        """How many replies the fake platform has received."""

    @abstractmethod
    def stop(self) -> None: ...

    def daemon_started(self, base_url: str) -> None:  # noqa: B027 - optional, empty by default
        """Told the daemon's HTTP base URL (``http://127.0.0.1:PORT``) once it listens.

        A channel that pushes webhooks sends them to ``{base_url}/webhooks/{name}`` from then
        on. Default: nothing (polled channels do not need it).
        """


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def write_demo_config(path: Path, channels: dict[str, dict[str, Any]], poll_interval: float) -> None:
    lines = [
        "# Written by `shikayat demo`. The channels point at fake servers that only live while",
        "# the demo runs; the database stays for `shikayat --config <this file> export`.",
        "[storage]",
        'url = "sqlite:///shikayat.db"',
        "",
        "[daemon]",
        "port = 0",
        "batch_size = 100",
        "lease_seconds = 10",
        "idle_sleep = 0.2",
        "",
    ]
    for name, section in channels.items():
        lines.append(f"[channels.{name}]")
        section = {"poll_interval": poll_interval, **section}
        lines += [f"{k} = {_toml_value(v)}" for k, v in section.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


@dataclass
class _Recent:
    items: deque[Complaint]


def _render(stats: dict[str, int], recent: list[Complaint], replies: int, elapsed: float,
            health: dict[str, str]) -> Any:
    from rich.console import Group
    from rich.table import Table

    head = Table.grid(padding=(0, 3))
    head.add_row(
        f"[b]{elapsed:5.0f}s[/b]",
        f"posts stored [b]{stats.get('inbox_done', 0) + stats.get('inbox_pending', 0) + stats.get('inbox_dead', 0) + stats.get('inbox_ignored', 0)}[/b]",
        f"cases [b]{stats.get('complaints', 0) - stats.get('duplicates', 0)}[/b]",
        f"duplicates folded [b]{stats.get('duplicates', 0)}[/b]",
        f"dead letters [b]{stats.get('inbox_dead', 0)}[/b]",
        f"replies sent [b]{stats.get('outbox_sent', 0)}[/b] (platform saw {replies})",
    )
    chans = "  ".join(f"{k}: {v}" for k, v in health.items())
    table = Table(title="latest complaints", expand=True, title_justify="left")
    table.add_column("ref", no_wrap=True, min_width=12)
    table.add_column("from", overflow="ellipsis", no_wrap=True, max_width=18)
    table.add_column("text", overflow="ellipsis", no_wrap=True, ratio=1)
    table.add_column("unit", overflow="ellipsis", no_wrap=True, max_width=24)
    table.add_column("repeat of", no_wrap=True, min_width=12)
    for c in recent:
        table.add_row(c.docket or "", f"{c.platform}:{c.author.handle or c.author.id}", c.text.replace("\n", " "),
                      c.unit or "", c.duplicate_of_docket or "")
    return Group(head, f"channels: {chans}", table)


async def run_demo(plugins: Any, data_dir: Path, duration: float | None, rate: float, poll_interval: float) -> dict[str, int]:
    from rich.console import Console
    from rich.live import Live

    from shikayat.config import load_config
    from shikayat.daemon import Daemon

    demos: list[DemoChannel] = [d for group in plugins.hook.demo_channels(data_dir=data_dir) for d in group]
    if not demos:
        raise click.ClickException("no installed platform plugin offers a demo (install shikayat-twitter)")
    data_dir.mkdir(parents=True, exist_ok=True)
    sections: dict[str, dict[str, Any]] = {}
    try:
        secrets = data_dir / "secrets"
        secrets.mkdir(exist_ok=True)
        for d in demos:
            section, env = d.start()
            for var, value in env.items():       # fake credentials, kept beside the config
                (secrets / var).write_text(value, encoding="utf-8")
            sections[d.name] = {k: (f"file:{(secrets / v[4:]).resolve()}" if isinstance(v, str)
                                    and v.startswith("env:") and v[4:] in env else v)
                                for k, v in section.items()}
        config_path = data_dir / "shikayat.toml"
        write_demo_config(config_path, sections, poll_interval)
        config = load_config(config_path, plugins)
        store = plugins.open_store(config.storage.url)
        store.migrate()
        daemon = Daemon(config, plugins, store)
        console = Console()
        started = time.monotonic()
        since = utcnow()
        run = asyncio.create_task(daemon.run())
        recent: deque[Complaint] = deque(maxlen=8)
        last_seen = since
        told = False

        def snapshot() -> tuple[dict[str, int], dict[str, str]]:
            nonlocal last_seen
            for c in store.iter_complaints(since=last_seen):
                if not recent or c.id != recent[-1].id:
                    recent.append(c)
                last_seen = c.created_at
            states = {s.channel: ("ok" if s.healthy else f"FAILED: {s.last_error}") for s in store.channel_states()}
            return store.stats(), states

        budget = 0.0
        with Live(console=console, refresh_per_second=2, transient=False) as live:
            while not run.done():
                if not told and daemon.http_port is not None:
                    told = True
                    for d in demos:
                        d.daemon_started(f"http://127.0.0.1:{daemon.http_port}")
                budget += rate
                per = int(budget) // len(demos)
                if per:
                    budget -= per * len(demos)
                    for d in demos:
                        await asyncio.to_thread(d.emit, per)
                stats, health = await asyncio.to_thread(snapshot)
                replies = sum(d.replies() for d in demos)
                live.update(_render(stats, list(recent), replies, time.monotonic() - started, health))
                if duration is not None and time.monotonic() - started >= duration:
                    daemon.request_stop()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(run), timeout=1.0)
        await run
        stats = store.stats()
        store.close()
        return stats
    finally:
        for d in demos:
            d.stop()


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("shikayat-demo"),
              show_default=True, help="Folder for the demo's database and config (kept afterwards).")
@click.option("--duration", type=float, default=None, help="Stop after this many seconds (default: Ctrl-C).")
@click.option("--rate", type=float, default=3.0, show_default=True, help="New posts per second.")
@click.option("--poll-interval", type=float, default=1.0, show_default=True, help="Seconds between polls.")
@click.pass_obj
def demo(ctx: Any, data_dir: Path, duration: float | None, rate: float, poll_interval: float) -> None:
    """Run everything against local fake platforms with realistic traffic (Ctrl-C stops)."""
    if "SHIKAYAT_LOG_LEVEL" not in os.environ:      # keep the live view readable
        logging.getLogger().setLevel(logging.WARNING)
    stats = asyncio.run(run_demo(ctx.plugins, data_dir, duration, rate, poll_interval))
    click.echo(
        f"\n{stats.get('complaints', 0)} complaint(s) stored ({stats.get('duplicates', 0)} folded as duplicates), "
        f"{stats.get('outbox_sent', 0)} repl(ies) sent. The data stays in {data_dir}/:\n"
        f"  shikayat --config {data_dir / 'shikayat.toml'} export | head\n"
        f"  shikayat --config {data_dir / 'shikayat.toml'} status"
    )
