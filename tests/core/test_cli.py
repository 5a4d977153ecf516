"""The command line, end to end in-process (click's runner), on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import click
import orjson
import pytest
from click.testing import CliRunner

from shikayat.cli import cli, main
from shikayat.hookspecs import hookimpl
from shikayat.plugins import load_plugins


def _post(i: int, text: str = "meri bike chori ho gayi", **extra: object) -> dict[str, object]:
    pid = str(1_900_000_000_000_000_000 + i)
    data = {"id": pid, "text": text, "author_id": f"{500 + i}", "created_at": f"2026-05-0{1 + i % 5}T10:00:00.000Z",
            "conversation_id": pid, "lang": "hi", **extra}
    return {"data": data, "includes": {"users": [{"id": f"{500 + i}", "username": f"citizen{i}", "name": "C"}]}}


def _line(payload: object, **extra: object) -> bytes:
    return orjson.dumps({"platform": "twitter", "payload": payload, **extra})


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def invoke(runner: CliRunner, *args: str, input: bytes | None = None) -> click.testing.Result:
    return runner.invoke(cli, list(args), input=input, obj=load_plugins(), catch_exceptions=False)


def test_ingest_reports_bad_lines_and_ingests_the_rest(runner: CliRunner, db: str, tmp_path: Path) -> None:
    assert invoke(runner, "--db", db, "migrate").exit_code == 0
    lines = [
        _line(_post(1)),
        b"{not json",
        _line(_post(2, text="chain chheen li")),
        orjson.dumps({"payload": _post(3)}),                       # no platform
        _line({"data": {"id": "1900000000000000099", "text": "no author"}}),   # unreadable: dead letter
        b"",
        _line(_post(4)),
        _line(_post(1)),                                           # the same post again
    ]
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = invoke(runner, "--db", db, "ingest", str(path))
    assert result.exit_code == 1                                    # bad lines make it non-zero
    assert f"{path}:2: not valid JSON" in result.output
    assert f"{path}:4: missing 'platform'" in result.output
    assert "4 new" in result.output and "1 already stored" in result.output
    assert "2 bad line(s)" in result.output
    status = invoke(runner, "--db", db, "status").output
    assert "complaints=3" in status and "inbox_dead=1" in status
    assert "dead letter #" in status


def test_ingest_reads_stdin_and_export_filters(runner: CliRunner, db: str, tmp_path: Path) -> None:
    invoke(runner, "--db", db, "migrate")
    data = b"\n".join(_line(_post(i)) for i in range(5)) + b"\n"
    assert invoke(runner, "--db", db, "ingest", "-", input=data).exit_code == 0
    out = tmp_path / "out.jsonl"
    assert invoke(runner, "--db", db, "export", "-o", str(out)).exit_code == 0
    rows = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert len(rows) == 5
    assert {"docket", "duplicate_of", "category", "priority", "unit", "status", "sla_due"} <= set(rows[0])
    assert all(r["external_id"].startswith("19") and isinstance(r["external_id"], str) for r in rows)
    # created_at 2026-05-01 .. 05-05; since inclusive, until exclusive
    invoke(runner, "--db", db, "export", "--since", "2026-05-02", "--until", "2026-05-04", "-o", str(out))
    days = sorted(orjson.loads(line)["created_at"][:10] for line in out.read_bytes().splitlines())
    assert days == ["2026-05-02", "2026-05-03"]
    invoke(runner, "--db", db, "export", "--status", "resolved", "-o", str(out))
    assert out.read_bytes() == b""


def test_commands_refuse_an_unmigrated_database(runner: CliRunner, db: str, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(_line(_post(1)))
    result = invoke(runner, "--db", db, "ingest", str(path))
    assert result.exit_code == 2 and "shikayat migrate" in result.output


def test_config_check(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text('[storage]\nurl = "sqlite:///x.db"\n\n[channels.x]\nplatform = "twitter"\n'
                   'bearer_token = "env:SHIKAYAT_TEST_X_TOKEN"\nuser_id = "1"\n')
    bad = invoke(runner, "--config", str(cfg), "config", "check")
    assert bad.exit_code == 2
    assert f"{cfg}: [channels.x] bearer_token: environment variable SHIKAYAT_TEST_X_TOKEN is not set" in bad.output
    monkeypatch.setenv("SHIKAYAT_TEST_X_TOKEN", "t0ken-value")
    good = invoke(runner, "--config", str(cfg), "config", "check")
    assert good.exit_code == 0 and "OK" in good.output and "t0ken-value" not in good.output
    assert "70 complaint categories" in good.output


def test_plugins_lists_distributions_platforms_and_channels(runner: CliRunner, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIKAYAT_TEST_X_TOKEN", "t")
    cfg = tmp_path / "s.toml"
    cfg.write_text('[storage]\nurl = "sqlite:///x.db"\n\n[channels.up_x]\nplatform = "twitter"\n'
                   'bearer_token = "env:SHIKAYAT_TEST_X_TOKEN"\nuser_id = "1"\n')
    out = invoke(runner, "--config", str(cfg), "plugins").output
    assert "shikayat-twitter" in out and "shikayat-storage" in out
    assert "platform twitter [fetch, reply] — used by: up_x" in out


def test_hook_register_commands(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    class Extra:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command("hello")
            def hello() -> None:
                click.echo("hello from a plugin")

    real = load_plugins
    monkeypatch.setattr("shikayat.cli.load_plugins", lambda: real(extra=[Extra()]))
    with pytest.raises(SystemExit) as exit_:
        main(["hello"])
    assert exit_.value.code == 0
    assert "hello from a plugin" in capsys.readouterr().out
    cli.commands.pop("hello", None)


def test_config_and_db_are_accepted_after_the_command(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[storage]\nurl = "sqlite:///x.db"\n[daemon]\nport = "abc"\n')
    for args in (["run", "--config", str(bad)], ["config", "check", "--config", str(bad)],
                 ["--config", str(tmp_path / "missing.toml"), "config", "check", "--config", str(bad)]):
        result = invoke(runner, *args)
        assert result.exit_code == 2, args
        assert f"{bad}: [daemon] port:" in result.output, args
    db = f"sqlite:///{tmp_path / 'after.db'}"
    assert invoke(runner, "migrate", "--db", db).exit_code == 0
    assert "complaints=0" in invoke(runner, "status", "--db", db).output


@pytest.mark.parametrize("command", ["export", "status", "reprocess"])
def test_commands_on_an_unmigrated_database_name_the_fix(runner: CliRunner, db: str, command: str) -> None:
    result = invoke(runner, "--db", db, command)
    assert result.exit_code == 2
    assert "run `shikayat migrate`" in result.output
