"""Run the daemon as a separate process, as an operator would."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
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


def http_up(daemon: DaemonProcess) -> bool:
    """The daemon's HTTP server answers ``/healthz`` (the daemon must have a ``port``)."""
    import httpx

    try:
        return httpx.get(f"http://127.0.0.1:{daemon.port}/healthz", timeout=1).status_code == 200  # type: ignore[attr-defined]
    except httpx.TransportError:
        return False


WORDS = ("chain mobile bike car phone purse wallet ladke aadmi auto scooty market station chauraha gali "
         "sector colony road park mandir school hospital kal aaj abhi raat subah shaam jaldi chori chheen "
         "gayab dhamki jhagda maarpeet jam dj sharab jua kabja fraud upi otp hazratganj aliganj chinhat "
         "alambagh aminabad charbagh").split()


def complaint_text(i: int) -> str:
    """Complaint ``i``: eight words seeded by ``i`` plus ``i`` (distinct, never a near-duplicate)."""
    import random

    return f"{' '.join(random.Random(i).sample(WORDS, 8))} {i}"


# -- acknowledgements each fake server received, per complaint -----------------------------------
def x_reply_targets(fake: Any) -> Counter[str]:
    """X: how many of our posts reply to each post id."""
    return Counter(ref["id"] for p in fake.replies for ref in p.get("referenced_tweets", [])
                   if ref["type"] == "replied_to")


def facebook_acks(fake: Any) -> Counter[str]:
    """Facebook: how many acknowledgements each object (public or private reply) / Messenger person got."""
    public = Counter(c["parent_id"] for c in fake.comments if c["from"]["id"] == fake.page_id)
    return public + Counter(m["recipient_id"] if m["kind"] == "messenger" else m["private_reply_to"]
                            for m in fake.messages)


def instagram_acks(fake: Any) -> Counter[str]:
    """Instagram: how many acknowledgements each comment, mentioned caption and DM sender got."""
    ours = [c for c in fake.comments if c["from"]["id"] == fake.ig_user_id]
    public = Counter(c.get("parent_id") or c["media_id"] for c in ours)
    return public + Counter(m["to"] if "id" in m["recipient"] else m["recipient"]["comment_id"]
                            for m in fake.messages)


def whatsapp_acks(fake: Any) -> Counter[str]:
    """WhatsApp: how many messages our number sent to each phone number / BSUID."""
    return Counter(m.get("to") or m.get("recipient") for m in fake.sent)


# -- channel sections for the fake servers (secrets through the environment, see ``*_ENV``) -------
X_ENV = {"E2E_X_BEARER": "fake-bearer", "E2E_X_USER": "fake-user-token", "E2E_X_BAD": "revoked-token"}
META_ENV = {"E2E_FB_TOKEN": "fake-page-token", "E2E_IG_TOKEN": "fake-page-token",
            "E2E_WA_TOKEN": "fake-system-user-token", "E2E_META_VERIFY": "verify-me"}
"""Tokens the fake Graph servers accept; app secrets are each fake's own (``meta_secrets``)."""


def daemon_section(port: int, *, lease_seconds: float = 2.0) -> dict[str, Any]:
    return {"port": port, "lease_seconds": lease_seconds, "idle_sleep": 0.05, "batch_size": 50, "shutdown_grace": 10}


def x_channel(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"platform": "twitter", "base_url": base_url, "poll_interval": 0.3, "unit": "up-hq",
            "bearer_token": "env:E2E_X_BEARER",
            "user_token": "env:E2E_X_USER", "user_id": "1000000000000000001", "max_results": 10, **extra}


def facebook_channel(fake: Any, base_url: str, **extra: Any) -> dict[str, Any]:
    return {"platform": "facebook", "unit": "up-hq", "base_url": base_url, "api_version": fake.version,
            "page_id": fake.page_id, "access_token": "env:E2E_FB_TOKEN", "app_secret": "env:E2E_FB_SECRET",
            "verify_token": "env:E2E_META_VERIFY", "poll_interval": 0.5, "lookback_hours": 1.0, "page_size": 10,
            **extra}


def instagram_channel(fake: Any, base_url: str, **extra: Any) -> dict[str, Any]:
    return {"platform": "instagram", "unit": "up-hq", "base_url": base_url, "api_version": fake.version,
            "ig_user_id": fake.ig_user_id, "username": fake.username, "access_token": "env:E2E_IG_TOKEN",
            "app_secret": "env:E2E_IG_SECRET", "verify_token": "env:E2E_META_VERIFY", "poll_interval": 0.5,
            "page_size": 5, **extra}


def whatsapp_channel(fake: Any, base_url: str, **extra: Any) -> dict[str, Any]:
    return {"platform": "whatsapp", "unit": "up-hq", "base_url": base_url, "api_version": fake.version,
            "phone_number_id": fake.phone_number_id, "display_phone_number": fake.display_phone_number,
            "access_token": "env:E2E_WA_TOKEN", "app_secret": "env:E2E_WA_SECRET",
            "verify_token": "env:E2E_META_VERIFY", "template_name": "complaint_update", **extra}


def meta_secrets(*, facebook: Any = None, instagram: Any = None, whatsapp: Any = None) -> dict[str, str]:
    """The environment carrying each given fake's app secret."""
    env = dict(META_ENV)
    for name, fake in (("FB", facebook), ("IG", instagram), ("WA", whatsapp)):
        if fake is not None:
            env[f"E2E_{name}_SECRET"] = fake.app_secret
    return env
