"""`shikayat demo` runs the real daemon and the real X plugin against the fake X server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

pytestmark = pytest.mark.e2e


def test_hook_demo_channels(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    run = subprocess.run([sys.executable, "-m", "shikayat", "demo", "--duration", "8", "--rate", "6",
                          "--data-dir", str(data)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "SHIKAYAT_LOG_LEVEL": "WARNING"})
    assert run.returncode == 0, run.stderr[-3000:]
    assert (data / "shikayat.db").exists() and (data / "shikayat.toml").exists()
    assert "complaint(s) stored" in run.stdout
    export = subprocess.run([sys.executable, "-m", "shikayat", "--config", str(data / "shikayat.toml"), "export"],
                            capture_output=True, timeout=60, check=True)
    rows = [orjson.loads(line) for line in export.stdout.splitlines()]
    assert len(rows) >= 20
    assert any(r["duplicate_of"] for r in rows)                    # repeats were folded
    assert any(r["status"] == "acknowledged" for r in rows)        # replies went out
    assert {r["platform"] for r in rows} == {"twitter", "facebook", "instagram", "whatsapp"}
    status = subprocess.run([sys.executable, "-m", "shikayat", "--config", str(data / "shikayat.toml"), "status"],
                            capture_output=True, text=True, timeout=60, check=True).stdout
    assert "inbox_dead=1" in status                                # the malformed post is kept
