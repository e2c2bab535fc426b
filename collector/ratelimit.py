"""A token bucket shared by every worker: the job's ``--max-requests-per-minute``.

What counts as a request: each **navigation** (``page.goto``, a click that loads a new page)
and each **action** that makes the site fetch data (a search, opening a row's details, a
pagination click). The handlers call ``acquire()`` once before each of those; screenshots and
reads of what is already on screen are free. Static files the browser loads by itself are not
counted: the limit is about how hard we press on Seller Center's pages and APIs, not about
bytes.

Waiting is done with ``threading.Condition.wait`` so that ``stop()`` wakes every waiting worker
at once (a job that is stopping does not sit out its rate limit).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """``rate_per_minute`` tokens a minute, at most ``burst`` saved up; thread-safe."""

    def __init__(
        self,
        rate_per_minute: float,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        self.rate_per_second = rate_per_minute / 60.0
        # Bursts let N workers start together; a small bucket keeps the average honest.
        self.capacity = float(burst if burst is not None else max(1, min(10, round(rate_per_minute / 60))))
        self._clock = clock
        self._tokens = self.capacity
        self._stamp = clock()
        self._cond = threading.Condition()
        self._stopped = False
        self.acquired = 0
        self.waited_s = 0.0
        self._held_until = 0.0
        self.holds = 0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate_per_second)
        self._stamp = now

    def hold(self, seconds: float) -> None:
        """The site answered 429 (Retry-After ``seconds``): no worker sends anything until then."""
        with self._cond:
            self._held_until = max(self._held_until, self._clock() + max(0.0, seconds))
            self.holds += 1

    def try_acquire(self) -> float:
        """Take a token if one is there (returns 0.0), else return the seconds until there is one."""
        with self._cond:
            held = self._held_until - self._clock()
            if held > 0:
                return held
            self._refill()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                self.acquired += 1
                return 0.0
            return (1.0 - self._tokens) / self.rate_per_second

    def acquire(self) -> bool:
        """Block until a token is available; False when the limiter was stopped meanwhile."""
        started = self._clock()
        while True:
            with self._cond:
                if self._stopped:
                    return False
            wait = self.try_acquire()
            if wait == 0.0:
                with self._cond:
                    self.waited_s += self._clock() - started
                return True
            with self._cond:
                if self._stopped:
                    return False
                self._cond.wait(timeout=wait)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
