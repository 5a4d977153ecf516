"""Test support for Shikayat and its plugins.

* :mod:`shikayat.testing.fakes` — an in-memory platform, ``fake``, for testing core.
* :class:`PlatformSuite` — the platform conformance suite every platform plugin's tests
  subclass, so that "a plugin works" means one thing for the built-in platforms and for any
  outside plugin. It needs pytest (``pip install "shikayat[testing]"``), imported only when
  :class:`PlatformSuite` is first used.

Opting in takes a few lines in the plugin's test module::

    from pathlib import Path

    from shikayat.testing import PlatformSuite, SuiteConfig
    from shikayat_twitter import TwitterPlatform

    class TestTwitterConformance(PlatformSuite):
        platform_class = TwitterPlatform
        settings = {"platform": "twitter", "bearer_token": "test", "user_token": "u", "user_id": "1"}
        fixtures_dir = Path(__file__).parent / "fixtures"
        config = SuiteConfig(reply_status=201, reply_id="1900000000000000999")   # optional knobs

Class attributes:

``platform_class``
    The :class:`~shikayat.platforms.Platform` subclass; the suite builds it with no arguments
    (override :meth:`PlatformSuite.make_platform` otherwise).
``settings``
    One channel's settings, as in a ``[channels.NAME]`` section. Secret fields may be given as
    inline test values here (the suite wraps them); ``platform`` defaults to the platform's name.
``fixtures_dir``
    The folder of recorded JSON, by default laid out as ``payloads/`` (posts or deliveries as
    ``Platform.split`` accepts them), ``own/`` (posts by our own account), ``fetch/`` (the API's
    responses to a walk of pages, in name order), ``webhook/`` (delivery bodies) and
    ``reply/sent.json`` (the API's answer to a created reply).
``config``
    A :class:`SuiteConfig` with the knobs: fixture folders, extra response headers, the reply's
    status and id, how the API shapes an error (``error_response``), how deliveries are signed
    (``sign``) and the handshake (``handshake_query``, ``handshake_answer``,
    ``handshake_token_param``, ``signature_max_age``).
``in_process``
    True for a platform registered only in-process (the entry-point check then skips).

The checks (each a test method; its docstring ends with a *Troubleshooting* paragraph):
``test_entry_point_resolves``, ``test_capabilities_match_overrides``,
``test_payloads_normalize``, ``test_normalize_is_deterministic``,
``test_own_traffic_is_ignored``, ``test_webhook_handshake``,
``test_webhook_rejects_bad_signatures``, ``test_webhook_deliveries_are_stored_once``,
``test_fetch_pages_until_done``, ``test_fetch_resumes_from_cursor``,
``test_fetch_detects_cursor_loop``, ``test_fetch_errors_are_classified``,
``test_reply_sends_one_request``, ``test_reply_errors_are_classified`` and the guard
``test_overridden_checks_are_marked_xfail``. Checks for a capability the platform does not
declare skip. HTTP goes through ``httpx.MockTransport`` answering from the fixtures (no
sockets); webhook checks go through the daemon's real HTTP app and a real SQLite store
(``shikayat-storage`` must be installed); the own-traffic check runs the real pipeline.
Overriding a check requires ``@pytest.mark.xfail(reason=...)``: the guard fails otherwise.

A stored notification that is no post (say, an Instagram mention stub whose text is fetched
and stored under its own key) may be refused by the normalizer with
:class:`~shikayat.errors.NotAPost`: the payload, webhook and fetch checks accept that outcome
(the pipeline marks such a row ignored), but each still needs at least one real post. A fetcher
may start every round over (reconciliation over an API without a ``since`` filter): the fetch
checks require only that a re-read post keeps its key, so the inbox absorbs the overlap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shikayat.testing.config import SuiteConfig, default_error_response, echo_challenge

if TYPE_CHECKING:
    from shikayat.testing.suite import CHECKS, PlatformSuite

__all__ = ["CHECKS", "PlatformSuite", "SuiteConfig", "default_error_response", "echo_challenge"]


def __getattr__(name: str) -> Any:
    if name in ("PlatformSuite", "CHECKS"):
        try:
            from shikayat.testing import suite
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                f"shikayat.testing.{name} needs pytest: pip install 'shikayat[testing]' ({exc})"
            ) from exc
        return getattr(suite, name)
    raise AttributeError(f"module 'shikayat.testing' has no attribute {name!r}")
