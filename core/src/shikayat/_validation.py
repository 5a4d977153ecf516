"""Turning pydantic validation errors into one-line configuration problems."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

from shikayat.errors import ConfigProblem


def message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key"
    if err["type"] == "missing":
        return "required key is missing"
    msg: str = err["msg"]
    return msg.removeprefix("Value error, ")


def problems(section: str, exc: ValidationError,
             loc: Callable[[Sequence[Any]], Sequence[Any]] = lambda loc: loc) -> list[ConfigProblem]:
    """One problem per error; ``loc`` may rewrite an error's location (e.g. index → unit id)."""
    return [ConfigProblem(section, ".".join(str(p) for p in loc(err["loc"])), message(err))
            for err in exc.errors()]
