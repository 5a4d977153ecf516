"""Run the daemon as a separate process, as an operator would."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(type(value))


def write_config(path: Path, sections: dict[str, dict[str, Any]]) -> Path:
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@dataclass
class DaemonProcess:
    config: Path
    env: dict[str, str] = field(default_factory=dict)
    log: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "shikayat", "--config", str(self.config), *args],
                              env={**os.environ, **self.env}, capture_output=True, text=True, check=check,
                              timeout=120)

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None
        self.starts += 1
        log = self.log or self.config.with_suffix(".log")
        handle = open(log, "ab")  # noqa: SIM115 - owned by the process
        handle.write(f"\n--- start {self.starts} ---\n".encode())
        handle.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shikayat", "--config", str(self.config), "run"],
            env={**os.environ, "SHIKAYAT_LOG_LEVEL": "INFO", **self.env},
            stdout=handle, stderr=subprocess.STDOUT,
        )
        handle.close()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def output(self) -> str:
        log = self.log or self.config.with_suffix(".log")
        return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.kill9()


def wait_until(cond: Callable[[], bool], timeout: float = 60.0, *, what: str = "condition",
               daemon: DaemonProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if cond():
            return
        if daemon is not None and daemon.proc is not None and daemon.proc.poll() is not None:
            raise AssertionError(f"daemon exited ({daemon.proc.returncode}) before {what}:\n{daemon.output()[-4000:]}")
        if time.monotonic() > deadline:
            tail = daemon.output()[-4000:] if daemon else ""
            raise AssertionError(f"timed out waiting for {what}\n{tail}")
        time.sleep(0.1)
