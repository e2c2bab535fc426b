"""The walker: which order is next, and the state each order is in.

Like Scrapy's scheduler: workers ask the walker for the next PO (``claim``), do the work
(handlers capture, the pipeline writes) and report back through ``run_order``, the per-order
boundary. It is the only place with a bare ``except Exception``: an unexpected error is logged
with its traceback, counted, and turns that order to ``failed``; the job goes on.

The walker never writes evidence files and never touches a Page; it records states in the
journal, counts in ``JobStats`` and moves the progress display.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from collector.errors import LoginError, SessionLost, storage_failure
from collector.handlers import JobStopping
from collector.journal import Journal, OrderState
from collector.logging import bind_order, unbind_order
from collector.progress import ProgressView
from collector.report import JobStats
from collector.retry import transient_reason
from pages.errors import PageError, ScreenNotReached, SessionExpired

log = structlog.get_logger()


@dataclass
class OrderResult:
    """What the work on one order produced."""

    written: int  # bundles written (or adopted) in this run
    already: int  # refunds already bundled earlier (this job or another one on this output folder)
    cc_refunds: int  # Customer Care refunds on the order
    busy: list[str] = field(default_factory=list)  # refunds another collector is capturing right now


@dataclass(frozen=True)
class RequeuePolicy:
    """How an order that failed on a transient error goes back to the queue within one run.

    Retries inside a step (tenacity, ``collector.retry``) absorb short blips; when a step still
    fails (a longer outage, a session dying mid-order), the whole order goes back to the queue,
    held back ``delay(n)`` seconds, at most ``budget`` times in one run; then it fails.
    """

    budget: int = 6
    initial_delay_s: float = 5.0
    max_delay_s: float = 120.0

    def delay(self, n: int) -> float:
        base = min(self.max_delay_s, self.initial_delay_s * 2 ** max(0, n - 1))
        return base * random.uniform(0.5, 1.0)  # jitter: requeued orders do not all return together


class Walker:
    def __init__(
        self,
        journal: Journal,
        stats: JobStats,
        progress: ProgressView,
        stop_event: threading.Event,
        requeue: RequeuePolicy | None = None,
    ) -> None:
        self.journal = journal
        self.stats = stats
        self.progress = progress
        self.stop_event = stop_event
        self.requeue = requeue or RequeuePolicy()
        self.stop_reason: str | None = None
        self.on_stop: list[Callable[[], None]] = []  # e.g. the rate limiter's stop: wake waiting workers
        self._lock = threading.Lock()
        # Notified when an order's attempt ends (done, failed or requeued) and on stop: an idle
        # worker wakes then, not at its next poll (the last order's end is the job's end).
        self._order_ended = threading.Condition()

    def stop(self, reason: str) -> None:
        with self._lock:
            if self.stop_reason is None:
                self.stop_reason = reason
        self.stop_event.set()
        for callback in self.on_stop:
            callback()
        with self._order_ended:
            self._order_ended.notify_all()

    def claim(self) -> str | None:
        if self.stop_event.is_set():
            return None
        return self.journal.claim()

    def wait_for_work(self, poll_s: float = 1.0) -> bool:
        """Nothing is due now: wait a little when orders are running or held back (True), or say
        that the queue is done (False). The wait ends at once when an order's attempt ends (it
        may have been requeued, or was the last one) or the job stops."""
        with self._order_ended:  # a wait on the walker's own events, not a sleep
            if self.stop_event.is_set():
                return False
            running, due_in = self.journal.outlook()  # under the lock: an order ending now wakes this wait
            if due_in is None and running == 0:
                return False
            self._order_ended.wait(min(poll_s, due_in if due_in is not None else poll_s))
        return not self.stop_event.is_set()

    def captured(self, po: str) -> None:
        self.journal.set_state(po, OrderState.CAPTURED)

    def run_order(self, po: str, work: Callable[[], OrderResult], requests: Callable[[], int] | None = None) -> None:
        """Run ``work`` for ``po`` and record how it ended. Never raises (except on stop).

        ``requests``: the page + API requests this attempt has sent so far (the worker's count),
        recorded per finished order for the report and shown on the progress line."""
        bind_order(po)
        started = time.monotonic()
        log.info("order.started", attempt=(self.journal.order(po) or _NoRow).attempts)
        try:
            result = work()
        except (JobStopping, SessionLost) as exc:
            # Stopping: the order goes back to pending; everything already written stays.
            self.journal.set_state(po, OrderState.PENDING, reason="interrupted: the job stopped")
            log.info("order.interrupted", reason=type(exc).__name__)
            if isinstance(exc, SessionLost):
                self.stop(str(exc))
            unbind_order()
            return
        except LoginError as exc:  # signing in again was refused: stop before the account locks
            self.journal.set_state(po, OrderState.PENDING, reason="interrupted: sign-in refused")
            self.stop(f"{exc}: run `collector login`, then run the same command again")
            unbind_order()
            return
        except SessionExpired as exc:  # expired again right after renewals: try the order later
            self._fail_or_requeue(po, started, f"session expired: {exc}", transient=True)
        except PageError as exc:
            # A step that still fails after its retries (a longer outage, a slow screen) goes back
            # to the queue; a permanent one (not found, too old, layout changed) fails at once.
            self._fail_or_requeue(po, started, str(exc), transient=_requeueable(exc))
        except Exception as exc:
            if (full := storage_failure(exc)) is not None:  # the disk, not this order: stop the job
                self.journal.set_state(po, OrderState.PENDING, reason=f"interrupted: {full}")
                self.stop(f"{full}: make room, then run the same command again")
                return
            if _requeueable(exc):  # e.g. a Playwright timeout or dropped connection outside a page object
                self._fail_or_requeue(po, started, f"{type(exc).__name__}: {exc}", transient=True)
            else:
                log.exception("order.failed", reason=f"unexpected error: {type(exc).__name__}: {exc}")
                self._fail(po, started, f"unexpected error: {type(exc).__name__}: {exc}", logged=True)
        else:
            if result.busy:
                # Another collector on this output folder holds these refunds: come back when it
                # is done (its bundle then counts as "already done") instead of capturing twice.
                waiting = ", ".join(result.busy)
                self._fail_or_requeue(po, started, f"refund {waiting} is being collected by another collector", transient=True)
                return
            duration = time.monotonic() - started
            if result.cc_refunds == 0:
                state, detail = OrderState.SKIPPED, "no Customer Care refund on this order"
            else:
                state = OrderState.WRITTEN
                detail = f"{result.written} bundle{'s' if result.written != 1 else ''}" + (
                    f", {result.already} already done" if result.already else ""
                )
            self.journal.set_state(po, state, reason=detail if state == OrderState.SKIPPED else None,
                                   refunds=result.written + result.already, duration_s=duration)
            self.stats.order_finished(state, duration)
            sent = requests() if requests is not None else None
            if sent is not None:
                self.stats.order_requests(sent)
                detail += f"; {sent} request{'s' if sent != 1 else ''}"
            log.info(f"order.{state.value}", detail=detail, duration_s=round(duration, 3), requests=sent)
            self.progress.order_finished(po, state.value, detail)
        finally:
            unbind_order()
            with self._order_ended:
                self._order_ended.notify_all()

    def _fail_or_requeue(self, po: str, started: float, reason: str, *, transient: bool) -> None:
        one_line = " ".join(reason.split())
        if not transient or self.stop_event.is_set():
            self._fail(po, started, reason)
            return
        n = self.journal.requeues(po) + 1
        if n > self.requeue.budget:
            self._fail(po, started, f"{one_line} (gave up after {self.requeue.budget} requeues)")
            return
        delay = self.requeue.delay(n)
        self.journal.requeue(po, reason=one_line, delay_s=delay)
        self.stats.order_requeued()
        log.warning("order.requeued", reason=one_line, requeue=n, budget=self.requeue.budget, delay_s=round(delay, 1))
        self.progress.order_finished(po, "requeued", f"retry in {delay:.0f} s: {one_line[:100]}")

    def _fail(self, po: str, started: float, reason: str, *, logged: bool = False) -> None:
        duration = time.monotonic() - started
        one_line = " ".join(reason.split())
        self.journal.set_state(po, OrderState.FAILED, reason=one_line, duration_s=duration)
        self.stats.order_finished(OrderState.FAILED, duration)
        if not logged:
            log.warning("order.failed", reason=one_line)
        self.progress.order_finished(po, "failed", one_line[:120])


def _requeueable(exc: BaseException) -> bool:
    """Worth another try later in the same run: transient errors, and screens that did not load
    in time (a slow site) - never "not found", "too old" or a changed layout."""
    if isinstance(exc, ScreenNotReached):
        return True
    return transient_reason(exc) is not None


class _NoRow:
    attempts = 0
