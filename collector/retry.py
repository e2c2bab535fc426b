"""Retries at the edges: only transient failures, bounded, jittered, logged.

Transient (retried): Playwright timeouts, 5xx pages (``ServerError``), dropped connections
(``net::ERR_...``), 429 (``RateLimited``, waiting ``retry_after`` seconds first; a 429 does not
use up an attempt: it is waited out, up to ``MAX_RATE_LIMIT_WAITS`` times), and any page
error whose ``transient`` marker is set. Everything else fails at once: "PO not found", "older
than 90 days", a layout that does not match (``ElementMissing``), an expired session (handled by
the worker: sign in again or stop the job).

Waiting is tenacity's job (its ``sleep`` hook, here an interruptible ``Event.wait`` so a job
that is stopping does not sit out a backoff); there is no sleep call in the collector's code.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    wait_random_exponential,
)

log = structlog.get_logger()
T = TypeVar("T")

# A 429 with Retry-After is the site asking us to wait, not a failure: it is waited out (up to
# this many times in one step, so a site that answers nothing but 429 still ends the step).
MAX_RATE_LIMIT_WAITS = 30

_CONNECTION = re.compile(r"net::ERR_|ECONNRESET|ECONNREFUSED|socket hang up|connection (?:closed|reset)", re.IGNORECASE)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def transient_reason(exc: BaseException) -> str | None:
    """Why ``exc`` is worth another try (``"timeout"``, ``"server_error"``, ...), or None."""
    marker = getattr(exc, "transient", None)
    name = type(exc).__name__
    if marker is False:
        return None
    if marker:
        return {"RateLimited": "rate_limited", "ServerError": "server_error", "ConnectionLost": "connection"}.get(name, _snake(name))
    if name == "TimeoutError" and type(exc).__module__.startswith("playwright"):
        return "timeout"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionError):
        return "connection"
    if type(exc).__module__.startswith("playwright") and _CONNECTION.search(str(exc)):
        return "connection"
    return None


def is_transient(exc: BaseException) -> bool:
    return transient_reason(exc) is not None


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    initial_wait_s: float = 0.5
    max_wait_s: float = 30.0
    # Sleeper for tenacity; an Event's wait returns early when the job stops.
    stop_event: threading.Event | None = None

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            # Honour Retry-After, plus a little jitter so that N workers do not return together.
            return min(float(retry_after) + random.uniform(0, 0.25 * max(1.0, float(retry_after))), max(self.max_wait_s, float(retry_after)))
        return wait_random_exponential(multiplier=self.initial_wait_s, max=self.max_wait_s)(state)

    def _sleep(self, seconds: float) -> None:
        if self.stop_event is not None:
            self.stop_event.wait(seconds)
        else:  # pragma: no cover - library default, only without a job around
            threading.Event().wait(seconds)

    def call(
        self,
        fn: Callable[[], T],
        *,
        step: str,
        on_retry: Callable[[str], None] | None = None,
    ) -> T:
        """Run ``fn``; retry transient failures; re-raise the last error when attempts run out."""

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            reason = transient_reason(exc) if exc else "unknown"
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning(
                "retry.scheduled",
                step=step,
                reason=reason,
                attempt=state.attempt_number,
                max_attempts=self.attempts,
                wait_s=round(wait, 2),
                error=str(exc).splitlines()[0][:200] if exc else None,
            )
            if on_retry is not None and reason:
                on_retry(reason)

        rate_limited = 0  # 429s are waited out, not counted as failed attempts

        def should_stop(state: RetryCallState) -> bool:
            nonlocal rate_limited
            if self.stop_event is not None and self.stop_event.is_set():
                return True
            exc = state.outcome.exception() if state.outcome else None
            if exc is not None and transient_reason(exc) == "rate_limited":
                rate_limited += 1
                return rate_limited > MAX_RATE_LIMIT_WAITS
            return state.attempt_number - rate_limited >= self.attempts

        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=should_stop,
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(fn)
