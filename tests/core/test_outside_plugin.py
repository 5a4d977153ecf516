"""An outside plugin, installed like any distribution, is found and used with no change to core.

``tests/example_plugin`` (distribution ``shikayat-example``) is built and installed with pip
into a temporary directory, never into the running environment; subprocesses that put that
directory on ``PYTHONPATH`` then see it exactly as an installed plugin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "example_plugin"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    pytest.importorskip("hatchling", reason="the example plugin is built with hatchling (the dev group has it)")
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--no-cache-dir", "--disable-pip-version-check", "--target", str(target), str(EXAMPLE)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TMPDIR": str(build)}, check=False)
    assert result.returncode == 0, result.stderr
    yield target


def _run(site: Path, *args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(site), **env}
    environ.pop("SHIKAYAT_CONFIG", None)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300, env=environ,
                          cwd=cwd, check=False)


def test_the_running_environment_does_not_have_it() -> None:
    from importlib.metadata import entry_points

    assert "example" not in {ep.name for ep in entry_points(group="shikayat")}


def test_plugins_lists_it_with_distribution_and_version(site: Path) -> None:
    result = _run(site, "-m", "shikayat", "plugins")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("example "))
    assert line.split() == ["example", "shikayat-example", "0.1.0"]
    assert "platform example [fetch, reply, webhook]" in result.stdout
    assert "FAILED" not in result.stdout


def test_config_check_accepts_a_channel_of_it(site: Path, tmp_path: Path) -> None:
    config = tmp_path / "shikayat.toml"
    config.write_text('''
[storage]
url = "sqlite:///shikayat.db"

[channels.board]
platform = "example"
unit = "up-hq"
api_token = "env:EXAMPLE_API_TOKEN"
account_id = "acct-police"
webhook_secret = "env:EXAMPLE_WEBHOOK_SECRET"
verify_token = "env:EXAMPLE_VERIFY_TOKEN"
''', encoding="utf-8")
    env = {"EXAMPLE_API_TOKEN": "t", "EXAMPLE_WEBHOOK_SECRET": "s", "EXAMPLE_VERIFY_TOKEN": "v"}
    ok = _run(site, "-m", "shikayat", "--config", str(config), "config", "check", **env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "OK — 1 channel(s), 1 enabled" in ok.stdout
    # ... and it is really checked: the plugin's own settings model reports its problems
    config.write_text(config.read_text(encoding="utf-8").replace('account_id = "acct-police"', "page_size = 500"),
                      encoding="utf-8")
    bad = _run(site, "-m", "shikayat", "--config", str(config), "config", "check", **env)
    assert bad.returncode != 0
    assert "[channels.board] account_id" in bad.stderr + bad.stdout
    assert "[channels.board] page_size" in bad.stderr + bad.stdout


def test_its_own_conformance_suite_passes_installed(site: Path, tmp_path: Path) -> None:
    """The example's tests (a PlatformSuite subclass) run as an outside project runs them."""
    result = _run(site, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "t"),
                  cwd=EXAMPLE)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert "15 passed" in summary and "skipped" not in summary and "failed" not in summary, summary
