"""Core's retry policy: exponential backoff with full jitter, capped, honouring rate limits.

Only :class:`~shikayat.errors.RetryableError` (and its subclass RateLimited) is ever retried;
a RateLimited error's ``retry_after`` is a floor on the wait, never shortened by the cap.
Plugins never import tenacity; they raise the right error and call sites use
:func:`retrying` (in-process retries) or :func:`next_delay` (persisted retries, e.g. the
outbox's ``not_before``).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

import tenacity

from shikayat.errors import RateLimited, RetryableError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    initial: float = 1.0
    """Seconds before the first retry (before jitter)."""
    multiplier: float = 2.0
    maximum: float = 300.0
    """Cap on an exponential wait; rate-limit waits may be longer."""
    attempts: int = 6
    """Total tries of one call, including the first."""
    rate_limit_margin: float = 1.0
    """Seconds added after a rate-limit reset, so we do not arrive a moment early."""


DEFAULT_POLICY = RetryPolicy()


def next_delay(error: BaseException, attempt: int, policy: RetryPolicy = DEFAULT_POLICY,
               rng: random.Random | None = None) -> float:
    """Seconds to wait before try number ``attempt + 1`` after ``error`` (attempt ≥ 1)."""
    rand = (rng or random).random()
    if isinstance(error, RateLimited) and error.retry_after is not None:
        return max(error.retry_after, 0.0) + policy.rate_limit_margin * (1 + rand)
    ceiling = min(policy.maximum, policy.initial * policy.multiplier ** max(attempt - 1, 0))
    return ceiling * (0.5 + rand / 2)


class _Wait(tenacity.wait.wait_base):
    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        return next_delay(error or RetryableError("retry"), retry_state.attempt_number, self.policy)


def _log_before_sleep(retry_state: tenacity.RetryCallState) -> None:
    outcome = retry_state.outcome
    error = outcome.exception() if outcome else None
    sleep = retry_state.next_action.sleep if retry_state.next_action else 0.0
    logger.warning("attempt %d failed (%s); retrying in %.1fs", retry_state.attempt_number, error, sleep)


def retrying(policy: RetryPolicy = DEFAULT_POLICY) -> tenacity.AsyncRetrying:
    """An async retrier for one call: ``async for attempt in retrying(): with attempt: ...``."""
    return tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception_type(RetryableError),
        wait=_Wait(policy),
        stop=tenacity.stop_after_attempt(policy.attempts),
        before_sleep=_log_before_sleep,
        reraise=True,
    )
