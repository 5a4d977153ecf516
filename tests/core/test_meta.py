"""Meta-tests: the public API is pinned, every hook is documented and tested."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import shikayat
from shikayat import hookspecs

ROOT = Path(__file__).resolve().parents[2]


def _hooks() -> list[str]:
    return sorted(
        name for name, fn in vars(hookspecs).items()
        if inspect.isfunction(fn) and hasattr(fn, "shikayat_spec")
    )


def test_public_api_is_pinned() -> None:
    assert shikayat.__all__ == sorted(shikayat.__all__)
    for name in shikayat.__all__:
        assert hasattr(shikayat, name), name
    assert {"Complaint", "Platform", "hookimpl", "RateLimited", "WebhookRejected"} <= set(shikayat.__all__)


def test_every_hook_is_documented_with_its_signature() -> None:
    docs = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    for name in _hooks():
        fn = getattr(hookspecs, name)
        params = ", ".join(inspect.signature(fn).parameters)
        assert re.search(rf"def {name}\(", docs), f"docs/hooks.md lacks `def {name}(`"
        for param in filter(None, params.split(", ")):
            assert re.search(rf"def {name}\([^)]*\b{param}\b", docs), (name, param)
        assert (fn.__doc__ or "").strip(), f"hook {name} has no docstring"


def test_every_hook_has_a_test() -> None:
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    missing = [name for name in _hooks() if f"def test_hook_{name}" not in sources]
    assert not missing, f"hooks without a test_hook_<name>: {missing}"
