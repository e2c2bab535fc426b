"""Retry classification and the retry loop (no browser, no real waiting)."""

from __future__ import annotations

import threading

import pytest

from collector.retry import RetryPolicy, is_transient, transient_reason
from pages.errors import (
    ConnectionLost,
    ElementMissing,
    OrderNotFound,
    OrderTooOld,
    RateLimited,
    ServerError,
    SessionExpired,
)


class RecordingEvent(threading.Event):
    """An Event whose wait returns at once and records how long it was asked to wait."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout or 0.0)
        return False


def test_transient_errors_are_classified_with_a_reason() -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    assert transient_reason(ServerError("boom", status=503)) == "server_error"
    assert transient_reason(RateLimited(3)) == "rate_limited"
    assert transient_reason(ConnectionLost("gone")) == "connection"
    assert transient_reason(PlaywrightTimeout("Timeout 30000ms exceeded")) == "timeout"
    assert transient_reason(PlaywrightError("net::ERR_EMPTY_RESPONSE at http://x")) == "connection"


@pytest.mark.parametrize(
    "exc",
    [
        OrderNotFound("1000000000001"),
        OrderTooOld("1000000000001"),
        ElementMissing("Transaction details", "button 'Dispute'", "http://x"),
        SessionExpired(url="http://x/login?expired=1"),
        ValueError("a bug"),
    ],
)
def test_permanent_errors_are_not_retried(exc: Exception) -> None:
    assert not is_transient(exc)
    calls = []

    def fail() -> None:
        calls.append(1)
        raise exc

    with pytest.raises(type(exc)):
        RetryPolicy(attempts=5, stop_event=RecordingEvent()).call(fail, step="test")
    assert len(calls) == 1


def test_transient_errors_are_retried_until_success_and_counted() -> None:
    outcomes = [ServerError("500", status=500), ConnectionLost("dropped"), "ok"]
    reasons: list[str] = []

    def flaky() -> str:
        result = outcomes.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    policy = RetryPolicy(attempts=4, initial_wait_s=0.5, max_wait_s=4, stop_event=RecordingEvent())
    assert policy.call(flaky, step="search", on_retry=reasons.append) == "ok"
    assert reasons == ["server_error", "connection"]
    assert all(0 <= w <= 4 for w in policy.stop_event.waits)  # type: ignore[union-attr]


def test_retries_are_bounded_and_the_last_error_surfaces() -> None:
    calls = []

    def always() -> None:
        calls.append(1)
        raise ServerError("503", status=503)

    with pytest.raises(ServerError):
        RetryPolicy(attempts=3, initial_wait_s=0, stop_event=RecordingEvent()).call(always, step="x")
    assert len(calls) == 3


def test_rate_limited_waits_at_least_retry_after() -> None:
    outcomes: list[object] = [RateLimited(7), "ok"]

    def limited() -> object:
        result = outcomes.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    event = RecordingEvent()
    RetryPolicy(attempts=3, initial_wait_s=0.1, max_wait_s=2, stop_event=event).call(limited, step="x")
    assert len(event.waits) == 1 and 7 <= event.waits[0] <= 7 + 1.75


def test_a_stopping_job_does_not_retry() -> None:
    event = RecordingEvent()
    event.set()
    calls = []

    def always() -> None:
        calls.append(1)
        raise ServerError("503", status=503)

    with pytest.raises(ServerError):
        RetryPolicy(attempts=5, stop_event=event).call(always, step="x")
    assert len(calls) == 1


def test_429s_are_waited_out_without_using_up_attempts() -> None:
    event = RecordingEvent()
    policy = RetryPolicy(attempts=2, initial_wait_s=0.01, max_wait_s=0.02, stop_event=event)
    calls = {"n": 0}

    def flaky() -> str:
        calls["n"] += 1
        if calls["n"] <= 6:
            raise RateLimited(1.0, screen="Inbox")
        if calls["n"] == 7:
            raise ServerError("5xx", status=503)
        return "ok"

    assert policy.call(flaky, step="inbox") == "ok"
    assert calls["n"] == 8  # six 429s waited out, one 5xx retried within the 2 attempts
    assert all(w >= 1.0 for w in event.waits[:6])  # each 429 waited at least its Retry-After


def test_a_site_that_only_answers_429_still_ends_the_step() -> None:
    from collector.retry import MAX_RATE_LIMIT_WAITS

    event = RecordingEvent()
    policy = RetryPolicy(attempts=2, stop_event=event)
    calls = {"n": 0}

    def always_429() -> None:
        calls["n"] += 1
        raise RateLimited(0.0)

    with pytest.raises(RateLimited):
        policy.call(always_429, step="inbox")
    assert calls["n"] == MAX_RATE_LIMIT_WAITS + 1
