"""The ``shikayat`` command."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, NoReturn

import click

from shikayat import __version__
from shikayat.config import Config, DaemonConfig, load_config
from shikayat.decisions import SLAPolicy
from shikayat.errors import ConfigError, StoreError
from shikayat.plugins import Plugins, load_plugins
from shikayat.settings import CONFIG, DATABASE_URL, LOG_LEVEL
from shikayat.store import Store
from shikayat.types import Status
from shikayat.units import load_units, sample_units_path

logger = logging.getLogger("shikayat")


def setup_logging() -> None:
    level = os.environ.get(LOG_LEVEL, "INFO").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def _fail(lines: list[str] | str, code: int = 2) -> NoReturn:
    for line in [lines] if isinstance(lines, str) else lines:
        click.echo(line, err=True)
    sys.exit(code)


@dataclass
class Context:
    config_path: str | None
    db_url: str | None
    _plugins: Plugins | None = None

    @property
    def plugins(self) -> Plugins:
        if self._plugins is None:
            self._plugins = load_plugins()
        return self._plugins

    def config(self, *, required: bool = True) -> Config | None:
        if self.config_path is None:
            if required:
                _fail(f"no configuration: pass --config FILE or set {CONFIG}")
            return None
        try:
            return load_config(self.config_path, self.plugins)
        except ConfigError as exc:
            _fail([f"{self.config_path}: {p}" for p in exc.problems])

    def database(self, *, check_schema: bool = True) -> tuple[Store, Config]:
        """The store and config for commands that work with ``--config`` or ``--db``.

        With ``check_schema`` an outdated or empty database stops the command with the
        message naming ``shikayat migrate``."""
        if self.db_url:
            config = self.config(required=False) if self.config_path else None
            if config is None:
                try:
                    units = load_units(sample_units_path())
                except ConfigError as exc:
                    _fail([f"units: {p}" for p in exc.problems])
                from shikayat.config import StorageConfig

                config = Config(storage=StorageConfig(url=self.db_url), units=units,
                                daemon=DaemonConfig(), sla=SLAPolicy())
            url = self.db_url
        else:
            config = self.config()
            assert config is not None
            url = config.storage.url
        try:
            store = self.plugins.open_store(url)
        except ConfigError as exc:
            _fail([str(p) for p in exc.problems])
        if check_schema:
            try:
                store.check_schema()
            except StoreError as exc:
                store.close()
                _fail(str(exc))
        return store, config


_pass_context = click.make_pass_decorator(Context)


def _override(attribute: str) -> Callable[[click.Context, click.Parameter, str | None], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        target = ctx.find_object(Context)
        if value is not None and target is not None:
            setattr(target, attribute, value)

    return callback


def pass_ctx(f: Callable[..., Any]) -> Callable[..., Any]:
    """Pass the :class:`Context`; ``--config``/``--db`` are accepted after the command too
    (``shikayat run --config FILE``) and override the ones given before it."""
    f = _pass_context(f)
    f = click.option("--db", expose_value=False, callback=_override("db_url"),
                     help="Database URL, instead of the config's [storage] url.")(f)
    return click.option("--config", type=click.Path(dir_okay=False), expose_value=False,
                        callback=_override("config_path"), help="Configuration file (TOML).")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shikayat")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar=CONFIG,
              help=f"Configuration file (TOML). Env: {CONFIG}.")
@click.option("--db", "db_url", envvar=DATABASE_URL,
              help=f"Database URL, instead of the config's [storage] url. Env: {DATABASE_URL}.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, db_url: str | None) -> None:
    """Shikayat: citizens' complaints on social media, as tracked, routed, answered cases."""
    setup_logging()
    ctx.obj = Context(config_path, db_url, ctx.obj if isinstance(ctx.obj, Plugins) else None)


@cli.command()
@pass_ctx
def run(ctx: Context) -> None:
    """Run the daemon: pollers, webhooks, pipeline and replies, until SIGTERM/SIGINT."""
    from shikayat.daemon import Daemon

    config = ctx.config()
    assert config is not None
    store = ctx.plugins.open_store(config.storage.url)
    try:
        store.check_schema()
    except StoreError as exc:
        _fail(str(exc))
    try:
        code = asyncio.run(Daemon(config, ctx.plugins, store).run())
    finally:
        store.close()
    sys.exit(code)


@cli.command()
@click.option("--revision", default="head", show_default=True, help="Target revision (or 'base').")
@pass_ctx
def migrate(ctx: Context, revision: str) -> None:
    """Create or upgrade the database schema."""
    store, _ = ctx.database(check_schema=False)
    with store:
        before = store.schema_status()
        store.migrate(revision)
        after = store.schema_status()
    click.echo(f"database schema: {before.current or 'empty'} → {after.current or 'empty'}")


@cli.group("config")
def config_group() -> None:
    """Work with the configuration file."""


@config_group.command("check")
@pass_ctx
def config_check(ctx: Context) -> None:
    """Validate the configuration: one line per problem, non-zero exit if any."""
    config = ctx.config()
    assert config is not None
    enabled = len(config.enabled_channels)
    click.echo(f"{ctx.config_path}: OK — {len(config.channels)} channel(s), {enabled} enabled; "
               f"{len(config.units)} units in {len(config.units.forces)} force(s); "
               f"{len(config.taxonomy)} complaint categories")


@cli.command()
@pass_ctx
def plugins(ctx: Context) -> None:
    """List installed plugins, the platforms they provide and the channels using them."""
    config = ctx.config(required=False) if ctx.config_path else None
    users: dict[str, list[str]] = {}
    if config is not None:
        for channel in config.channels.values():
            state = "" if channel.settings.enabled else " (disabled)"
            users.setdefault(channel.platform, []).append(channel.name + state)
    p = ctx.plugins
    for rec in p.records:
        origin = "built-in" if rec.builtin else f"{rec.distribution or '?'} {rec.version or ''}".strip()
        line = f"{rec.name:<28} {origin}"
        for platform in rec.platforms:
            caps = ", ".join(sorted(c.value for c in p.platforms[platform].capabilities))
            chans = ", ".join(users.get(platform, [])) or "no channel"
            line += f"\n    platform {platform} [{caps}] — used by: {chans}"
        click.echo(line)
    for failure in p.failures:
        click.echo(f"{failure.name:<28} FAILED to load (skipped): {failure.error}")


def _iter_input(path: str) -> tuple[Iterator[bytes], int | None, IO[bytes]]:
    if path == "-":
        return iter(sys.stdin.buffer), None, sys.stdin.buffer
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
    return iter(f), os.fstat(f.fileno()).st_size, f


@cli.command()
@click.argument("file")
@click.option("--no-process", is_flag=True, help="Only store in the inbox; the daemon processes later.")
@pass_ctx
def ingest(ctx: Context, file: str, no_process: bool) -> None:
    """Replay posts from a JSON Lines FILE ('-' for stdin) through the pipeline."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from shikayat.replay import ingest_lines

    store, config = ctx.database()
    with store:
        lines, size, handle = _iter_input(file)
        channels = set(config.channels) if config.channels else None
        show = size is not None and size > 1_000_000 and sys.stderr.isatty()
        with handle, Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                              TimeRemainingColumn(), disable=not show, transient=True) as progress:
            task = progress.add_task("ingesting", total=size)
            report = ingest_lines(lines, ctx.plugins, store, channels=channels,   # a hidden bar is not advanced
                                  on_line=(lambda _n, line: progress.advance(task, len(line))) if show else None)
        for number, error in report.bad_lines:
            click.echo(f"{file}:{number}: {error}", err=True)
        click.echo(f"read {report.lines} line(s): {report.posts} post(s), {report.new} new, "
                   f"{report.known} already stored, {len(report.bad_lines)} bad line(s), "
                   f"{report.dead} unreadable payload(s) kept as dead letters"
                   + (f", {report.undelivered} sent repl(ies) reported undelivered" if report.undelivered else "")
                   + (f", {report.confirmed} repl(ies) confirmed sent by the platform" if report.confirmed else ""))
        if not no_process:
            _drain(store, config, ctx.plugins)
    if report.bad_lines:
        sys.exit(1)


def _drain(store: Store, config: Config, plugins: Plugins) -> None:
    from shikayat.pipeline import Pipeline

    pipeline = Pipeline.from_config(config, plugins, store)
    pipeline.rebuild_index()
    r = pipeline.drain(config.daemon.batch_size)
    click.echo(f"processed {r.claimed}: {r.processed - r.duplicates} new case(s), {r.duplicates} duplicate(s), "
               f"{r.ignored} own post(s) ignored, {r.dead} dead letter(s), {r.replies_queued} repl(ies) queued"
               + (f", {r.removed} removal(s) recorded" if r.removed else ""))


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"not an ISO date or time: {value!r}")
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@cli.command()
@click.option("--since", help="Created at or after (ISO date/time, UTC if no offset).")
@click.option("--until", help="Created before (ISO date/time).")
@click.option("--status", "statuses", multiple=True, type=click.Choice([s.value for s in Status]),
              help="Only these statuses (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Output file (default stdout).")
@pass_ctx
def export(ctx: Context, since: str | None, until: str | None, statuses: tuple[str, ...], output: str) -> None:
    """Write stored complaints as JSON Lines (the Complaint model with derived fields)."""
    from shikayat.replay import export_complaints

    store, _ = ctx.database()
    with store:
        out = sys.stdout.buffer if output == "-" else open(output, "wb")  # noqa: SIM115
        try:
            n = export_complaints(store, out, since=_when(since), until=_when(until),
                                  statuses=[Status(s) for s in statuses] or None)
        finally:
            if out is not sys.stdout.buffer:
                out.close()
            else:
                out.flush()
    click.echo(f"exported {n} complaint(s)", err=True)


@cli.command()
@click.option("--platform", help="Only dead letters of this platform.")
@click.option("--id", "ids", type=int, multiple=True, help="Only these inbox ids (repeatable).")
@pass_ctx
def reprocess(ctx: Context, platform: str | None, ids: tuple[int, ...]) -> None:
    """Retry dead letters (payloads that could not be read) after a fix."""
    store, config = ctx.database()
    with store:
        n = store.requeue_dead(platform=platform, inbox_ids=ids or None)
        click.echo(f"requeued {n} dead letter(s)")
        _drain(store, config, ctx.plugins)


@cli.command()
@pass_ctx
def status(ctx: Context) -> None:
    """Counts of inbox, complaints and replies, and each channel's health."""
    store, _ = ctx.database()
    with store:
        stats = store.stats()
        states = store.channel_states()
        dead = store.dead_letters(limit=5)
    click.echo("  ".join(f"{k}={v}" for k, v in stats.items()))
    for s in states:
        health = "healthy" if s.healthy else "UNHEALTHY"
        click.echo(f"channel {s.channel}: {health}; last poll {s.last_poll_at or 'never'}; "
                   f"last post {s.last_post_at or 'never'}" + (f"; last error: {s.last_error}" if s.last_error else ""))
    for item, error in dead:
        click.echo(f"dead letter #{item.id} ({item.platform} {item.external_id}): {error}")


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: load plugins once, let them add commands, run."""
    try:
        plugins: Plugins | None = load_plugins()
    except ConfigError as exc:
        _fail([f"plugins: {p}" for p in exc.problems])
    assert plugins is not None
    plugins.hook.register_commands(cli=cli)
    return cli.main(args=argv, prog_name="shikayat", obj=plugins)


# `shikayat demo` lives in its own module to keep this one small.
from shikayat.demo import demo  # noqa: E402

cli.add_command(demo)

__all__ = ["cli", "main"]
