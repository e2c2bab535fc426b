"""The walker: which order is next, and the state each order is in.

Like Scrapy's scheduler: workers ask the walker for the next PO (``claim``), do the work
(handlers capture, the pipeline writes) and report back through ``run_order``, the per-order
boundary. It is the only place with a bare ``except Exception``: an unexpected error is logged
with its traceback, counted, and turns that order to ``failed``; the job goes on.

The walker never writes evidence files and never touches a Page; it records states in the
journal, counts in ``JobStats`` and moves the progress display.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from collector.errors import LoginError, SessionLost
from collector.handlers import JobStopping
from collector.journal import Journal, OrderState
from collector.logging import bind_order, unbind_order
from collector.progress import ProgressView
from collector.report import JobStats
from pages.errors import PageError, SessionExpired

log = structlog.get_logger()


@dataclass
class OrderResult:
    """What the work on one order produced."""

    written: int  # bundles written (or adopted) in this run
    already: int  # refunds already written earlier (resume)
    cc_refunds: int  # Customer Care refunds on the order


class Walker:
    def __init__(self, journal: Journal, stats: JobStats, progress: ProgressView, stop_event: threading.Event) -> None:
        self.journal = journal
        self.stats = stats
        self.progress = progress
        self.stop_event = stop_event
        self.stop_reason: str | None = None
        self.on_stop: list[Callable[[], None]] = []  # e.g. the rate limiter's stop: wake waiting workers
        self._lock = threading.Lock()

    def stop(self, reason: str) -> None:
        with self._lock:
            if self.stop_reason is None:
                self.stop_reason = reason
        self.stop_event.set()
        for callback in self.on_stop:
            callback()

    def claim(self) -> str | None:
        if self.stop_event.is_set():
            return None
        return self.journal.claim()

    def captured(self, po: str) -> None:
        self.journal.set_state(po, OrderState.CAPTURED)

    def is_written(self, po: str, transaction_id: str) -> bool:
        return self.journal.refund_written(po, transaction_id) is not None

    def run_order(self, po: str, work: Callable[[], OrderResult]) -> None:
        """Run ``work`` for ``po`` and record how it ended. Never raises (except on stop)."""
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
        except SessionExpired as exc:  # expired again right after a renewal: give up on this order
            self._fail(po, started, f"session expired: {exc}")
        except PageError as exc:
            self._fail(po, started, str(exc))
        except Exception as exc:
            log.exception("order.failed", reason=f"unexpected error: {type(exc).__name__}: {exc}")
            self._fail(po, started, f"unexpected error: {type(exc).__name__}: {exc}", logged=True)
        else:
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
            log.info(f"order.{state.value}", detail=detail, duration_s=round(duration, 3))
            self.progress.order_finished(po, state.value, detail)
        finally:
            unbind_order()

    def _fail(self, po: str, started: float, reason: str, *, logged: bool = False) -> None:
        duration = time.monotonic() - started
        one_line = " ".join(reason.split())
        self.journal.set_state(po, OrderState.FAILED, reason=one_line, duration_s=duration)
        self.stats.order_finished(OrderState.FAILED, duration)
        if not logged:
            log.warning("order.failed", reason=one_line)
        self.progress.order_finished(po, "failed", one_line[:120])


class _NoRow:
    attempts = 0
