"""Secrets in configuration are references, never inline values.

``env:NAME`` reads the environment variable ``NAME``; ``file:PATH`` reads a file (trailing
newline stripped). The resolved value is a :class:`pydantic.SecretStr`, so it never shows in
``repr``, logs or validation errors.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr


def resolve_secret(value: Any) -> Any:
    """Resolve an ``env:``/``file:`` reference; refuse anything else (inline secrets)."""
    if isinstance(value, SecretStr):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a secret reference: 'env:NAME' or 'file:PATH'")
    kind, sep, ref = value.partition(":")
    if not sep or kind not in ("env", "file") or not ref:
        raise ValueError(
            "must be a secret reference 'env:NAME' or 'file:PATH', not an inline value"
        )
    if kind == "env":
        resolved = os.environ.get(ref)
        if resolved is None:
            raise ValueError(f"environment variable {ref} is not set")
        if not resolved:
            raise ValueError(f"environment variable {ref} is empty")
        return SecretStr(resolved)
    path = Path(ref).expanduser()
    try:
        text = path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ValueError(f"cannot read secret file {ref}: {exc.strerror or exc}") from None
    if not text:
        raise ValueError(f"secret file {ref} is empty")
    return SecretStr(text)


Secret = Annotated[SecretStr, BeforeValidator(resolve_secret)]
"""A settings field holding a secret given as ``env:NAME`` or ``file:PATH``."""
