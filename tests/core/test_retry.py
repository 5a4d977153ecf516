from __future__ import annotations

import random

import pytest

from shikayat.errors import AuthError, RateLimited, RetryableError
from shikayat.retry import RetryPolicy, next_delay, retrying

FAST = RetryPolicy(initial=0.001, maximum=0.004, attempts=4, rate_limit_margin=0.0)


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(initial=1, multiplier=2, maximum=30)
    rng = random.Random(1)
    delays = [next_delay(RetryableError("x"), n, policy, rng) for n in range(1, 9)]
    ceilings = [1, 2, 4, 8, 16, 30, 30, 30]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling


def test_rate_limit_wait_is_honoured_even_beyond_the_cap() -> None:
    policy = RetryPolicy(maximum=30, rate_limit_margin=1)
    delay = next_delay(RateLimited("429", retry_after=900), 1, policy)
    assert 901 <= delay <= 902


async def test_retryable_errors_are_retried_then_succeed() -> None:
    calls = []
    async for attempt in retrying(FAST):
        with attempt:
            calls.append(1)
            if len(calls) < 3:
                raise RateLimited("slow down", retry_after=0.001)
    assert len(calls) == 3


async def test_permanent_errors_are_never_retried() -> None:
    calls = []
    with pytest.raises(AuthError):
        async for attempt in retrying(FAST):
            with attempt:
                calls.append(1)
                raise AuthError("token revoked", status=401)
    assert len(calls) == 1


async def test_gives_up_after_the_attempt_budget() -> None:
    calls = []
    with pytest.raises(RetryableError):
        async for attempt in retrying(FAST):
            with attempt:
                calls.append(1)
                raise RetryableError("503")
    assert len(calls) == FAST.attempts
