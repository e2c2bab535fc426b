"""The shared token bucket (fake clock: no timing in tests)."""

from __future__ import annotations

import threading

import pytest

from collector.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_the_burst_then_one_token_per_interval() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, burst=2, clock=clock)  # one a second
    assert limiter.try_acquire() == 0.0
    assert limiter.try_acquire() == 0.0
    assert limiter.try_acquire() == pytest.approx(1.0)
    clock.now = 0.5
    assert limiter.try_acquire() == pytest.approx(0.5)
    clock.now = 1.0
    assert limiter.try_acquire() == 0.0
    assert limiter.acquired == 3


def test_tokens_do_not_pile_up_beyond_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(30, burst=3, clock=clock)
    clock.now = 3600
    taken = sum(1 for _ in range(10) if limiter.try_acquire() == 0.0)
    assert taken == 3


def test_stop_releases_waiting_workers() -> None:
    clock = FakeClock()  # frozen: no token ever comes back on its own
    limiter = RateLimiter(1, burst=1, clock=clock)
    assert limiter.acquire()
    results: list[bool] = []
    waiter = threading.Thread(target=lambda: results.append(limiter.acquire()))
    waiter.start()
    limiter.stop()
    waiter.join(timeout=10)
    assert results == [False]


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_a_step_pays_for_every_request_it_really_sent() -> None:
    from collector.handlers import STEP_COST, Handler
    from collector.retry import RetryPolicy

    sent = {"n": 0}
    limiter = RateLimiter(60_000, burst=100)
    handler = Handler(
        None,  # type: ignore[arg-type]  # _step never touches the page
        layout="auto", tz="America/Chicago", timeout_ms=1000, limiter=limiter,
        retry=RetryPolicy(attempts=1), on_retry=lambda _reason: None,
        observed_requests=lambda: sent["n"],
    )

    def step_sending(n: int) -> str:
        sent["n"] += n
        return "done"

    assert handler._step("thread", lambda: step_sending(5)) == "done"
    assert STEP_COST["thread"] == 2 and limiter.acquired == 5  # 2 up front + 3 paid after
    handler._step("refund", lambda: step_sending(1))
    assert limiter.acquired == 5 + STEP_COST["refund"]  # never less than the estimate


def test_a_429_holds_every_worker_until_retry_after_has_passed() -> None:
    from collector.ratelimit import RateLimiter

    now = [0.0]
    limiter = RateLimiter(600, clock=lambda: now[0])
    assert limiter.try_acquire() == 0.0
    limiter.hold(3.0)
    assert limiter.try_acquire() == pytest.approx(3.0)
    now[0] = 2.0
    assert limiter.try_acquire() == pytest.approx(1.0)
    now[0] = 3.01
    assert limiter.try_acquire() == 0.0
