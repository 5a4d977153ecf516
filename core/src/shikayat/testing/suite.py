"""The platform conformance suite: :class:`PlatformSuite`, a base class of named checks.

A plugin's test module subclasses it in a few lines (see :mod:`shikayat.testing`). Each check
is a test method whose docstring ends with a *Troubleshooting* paragraph for plugin authors.
Checks for a capability the platform lacks skip. Overriding a check is allowed only with
``@pytest.mark.xfail(reason=...)``; :meth:`PlatformSuite.test_overridden_checks_are_marked_xfail`
enforces it. The checks live in ``_checks_platform``, ``_checks_webhooks`` and ``_checks_http``.
"""

from __future__ import annotations

import pytest

from shikayat.testing._checks_http import HttpChecks
from shikayat.testing._checks_platform import PlatformChecks
from shikayat.testing._checks_webhooks import WebhookChecks

CHECKS: tuple[str, ...] = (
    "test_entry_point_resolves",
    "test_capabilities_match_overrides",
    "test_payloads_normalize",
    "test_normalize_is_deterministic",
    "test_own_traffic_is_ignored",
    "test_webhook_handshake",
    "test_webhook_rejects_bad_signatures",
    "test_webhook_deliveries_are_stored_once",
    "test_fetch_pages_until_done",
    "test_fetch_resumes_from_cursor",
    "test_fetch_detects_cursor_loop",
    "test_fetch_errors_are_classified",
    "test_reply_sends_one_request",
    "test_reply_errors_are_classified",
    "test_overridden_checks_are_marked_xfail",
)
"""Every check of the suite."""


class PlatformSuite(PlatformChecks, WebhookChecks, HttpChecks):
    """Named conformance checks for one platform. Subclass it as ``Test<Name>Conformance``.

    Set ``platform_class``, ``settings`` (one channel's settings; secret fields may be inline
    test values) and ``fixtures_dir``; optionally ``config`` (:class:`SuiteConfig`) and
    ``in_process = True`` for a platform registered without an entry point.
    """

    # -- the guard --------------------------------------------------------------------------------
    def test_overridden_checks_are_marked_xfail(self) -> None:
        """A subclass that overrides a suite check marks the override
        ``@pytest.mark.xfail(reason=...)``, so a skipped promise stays visible in every run.

        Troubleshooting: do not replace a check to make it pass. Set ``SuiteConfig`` knobs, or
        fix the plugin; if the platform truly cannot meet a check yet, override it with
        ``@pytest.mark.xfail(reason="why, and the issue that tracks it")`` and keep the body.
        """
        unmarked = []
        for name in CHECKS:
            mine, base = getattr(type(self), name), getattr(PlatformSuite, name)
            if mine is base:
                continue
            marks = [m for m in getattr(mine, "pytestmark", []) if m.name == "xfail"]
            if not any(str(m.kwargs.get("reason", "")).strip() for m in marks):
                unmarked.append(name)
        if unmarked:
            pytest.fail(f"{type(self).__name__} overrides suite checks without "
                        f"@pytest.mark.xfail(reason=...): {', '.join(unmarked)}")
