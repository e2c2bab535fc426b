"""``collector watch``: the whole routine on a schedule, one cycle per tick.

A cycle:

1. **scan** Transactions for Customer Care refunds since the last successful scan minus a margin
   (the first cycle: ``--since``, 48 hours by default) and **collect** them, as one collector job
   (``watch``) run again every cycle. The output folder's refund registry bundles each refund
   once, so the overlap never captures one twice; the scan mark moves only when the job finished
   every order, so a refund issued while a cycle runs (after its scan read the dashboard) is inside
   the next cycle's window, and a failed order is retried next time;
2. **track** the disputes (``collector track``);
3. **re-assess** the open refunds as of now (the overview ``collector status`` shows: each bundle's
   policy applied afresh, nothing re-sealed) and raise the alerts: refunds found, deadlines within
   ``alert_hours``, decisions; then deliver the queued alerts (failed ones are retried next cycle).

A cycle that fails is logged, alerted (``cycle_failed``) and retried on the next tick. SIGTERM
(or Ctrl-C) stops the watcher: between cycles at once, inside one after the job has put its
in-flight orders back (as Ctrl-C does for ``collect``). One watcher per output folder: a second
one is refused (``<out>/.collector/watch.lock``, ``filelock``).

With ``distributed`` (and ``database_url``) steps 1 and 2 run on ``collector worker`` processes:
the scan is a task that queues the orders it finds, the watcher follows them, and the mark moves
only when every one of them succeeded (as above); the tracking pass is a task too, its result
handed back through PostgreSQL. Steps 3 (alerts, the index, the calendar) run here. A stop
inside a cycle stops following; the queued tasks stay for the workers.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from filelock import FileLock, Timeout

from collector.alerts import channels_for, deliver, raise_alerts
from collector.alerts.channels import Channel
from collector.alerts.rules import cycle_failed, deadline_alerts, decision_alerts, refund_found
from collector.cases import CaseStore, open_store
from collector.cases.overview import load_overview
from collector.claims import REGISTRY, STATE_DIR
from collector.errors import ConfigError
from collector.folders import BUNDLES_DIR
from collector.settings import CollectorSettings

if TYPE_CHECKING:  # pragma: no cover - typing only
    from collector.cases.track import TrackResult

__all__ = ["LAST_SCAN", "WATCH_JOB", "CycleResult", "Watcher", "WatchOptions"]

log = structlog.get_logger()
WATCH_JOB = "watch"
LAST_SCAN = "watch.last_scan_started"
LOCK = "watch.lock"
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class WatchOptions:
    every: timedelta = timedelta(minutes=30)
    cycles: int | None = None  # stop after this many (None: until stopped)
    margin: timedelta = timedelta(hours=1)  # each scan overlaps the previous one by this much
    first_since: timedelta = timedelta(hours=48)  # the first scan's reach
    track: bool = True
    calendar: Path | None = None  # the deadline calendar, rewritten after every cycle


@dataclass
class CycleResult:
    started: datetime
    ok: bool = True
    error: str | None = None
    scanned_since: datetime | None = None
    new_refunds: list[tuple[str, str]] = field(default_factory=list)
    changes: int = 0
    alerts_sent: int = 0
    alerts_failed: int = 0


def _written(out: Path) -> dict[tuple[str, str], str]:
    """(PO, transaction) -> bundle of every refund the folder's registry holds as bundled."""
    path = out / STATE_DIR / REGISTRY
    if not path.is_file():
        return {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
        rows = db.execute("SELECT po, transaction_id, bundle FROM refunds WHERE state = 'written'").fetchall()
    return {(po, txn): bundle or "" for po, txn, bundle in rows}


@dataclass(frozen=True)
class Collected:
    error: str | None = None  # why the scan mark stays (retried next cycle); None: every order finished
    stopped: bool = False


class Watcher:
    """Runs cycles on ``out`` until stopped. ``clock`` is "now" (the scan window, deadlines,
    alerts): the wall clock, or the mock's scenario clock in tests. ``hooks``: test seams called
    with the cycle number (``after_collect``: between collection and the scan mark)."""

    def __init__(self, settings: CollectorSettings, out: Path, options: WatchOptions, *,
                 clock: Clock = lambda: datetime.now(UTC), channels: list[Channel] | None = None,
                 before_cycle: Callable[[int], None] | None = None,
                 after_collect: Callable[[int], None] | None = None,
                 on_cycle: Callable[[int, CycleResult], None] | None = None) -> None:
        self.settings, self.out, self.options, self.clock = settings, out, options, clock
        self.channels = channels_for(settings) if channels is None else channels
        self.before_cycle, self.after_collect, self.on_cycle = before_cycle, after_collect, on_cycle
        if settings.distributed and settings.database_url is None:
            raise ConfigError("distributed needs the database_url setting (the PostgreSQL the workers take tasks from)")
        self.stopping = threading.Event()
        self.in_cycle = False
        self.results: list[CycleResult] = []

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> list[CycleResult]:
        (self.out / STATE_DIR).mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.out / STATE_DIR / LOCK)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise ConfigError(f"another collector watch is running on {self.out} (one watcher per folder)") from None
        try:
            n = 0
            while not self.stopping.is_set():
                n += 1
                if self.before_cycle:
                    self.before_cycle(n)
                self.results.append(self.cycle(n))
                if self.on_cycle:
                    self.on_cycle(n, self.results[-1])
                if self.options.cycles is not None and n >= self.options.cycles:
                    break
                self.stopping.wait(self.options.every.total_seconds())
        finally:
            lock.release()
        return self.results

    def cycle(self, n: int) -> CycleResult:
        result = CycleResult(started=self.clock())
        log.info("watch.cycle_started", cycle=n, at=result.started.isoformat())
        self.in_cycle = True
        try:
            with open_store(self.out, self.settings) as store:  # PostgreSQL with database_url
                try:
                    self._cycle(n, store, result)
                except KeyboardInterrupt:
                    result.ok, result.error = False, "stopped"
                    self.stopping.set()
                except Exception as exc:  # noqa: BLE001 - any failure: logged, alerted, retried next tick
                    result.ok, result.error = False, f"{type(exc).__name__}: {str(exc)[:300]}"
                    log.error("watch.cycle_failed", cycle=n, error=result.error)
                    raise_alerts(store, [cycle_failed(result.started, result.error, self.clock())], self.channels)
                    result.alerts_sent, result.alerts_failed = deliver(store, self.channels, self.clock())
        finally:
            self.in_cycle = False
        log.info("watch.cycle_finished", cycle=n, ok=result.ok, new_refunds=len(result.new_refunds),
                 changes=result.changes, alerts_sent=result.alerts_sent)
        return result

    def _cycle(self, n: int, store: CaseStore, result: CycleResult) -> None:
        mark = store.get_mark(LAST_SCAN)
        since = (datetime.fromisoformat(mark) - self.options.margin) if mark else (result.started - self.options.first_since)
        result.scanned_since = since
        before = _written(self.out)
        collected = self._collect_on_workers(since) if self.settings.distributed else self._collect_here(since)
        written = _written(self.out)
        result.new_refunds = sorted(k for k in written if k not in before)
        if self.after_collect:
            self.after_collect(n)
        if collected.stopped:
            raise KeyboardInterrupt
        alerts = [refund_found(po, txn, self.clock(), bundle=written[(po, txn)]) for po, txn in result.new_refunds]
        if collected.error is None:
            store.set_mark(LAST_SCAN, result.started.isoformat())  # the next scan starts here (minus the margin)
        else:
            result.ok, result.error = False, collected.error
            alerts.append(cycle_failed(result.started, result.error, self.clock()))
        if self.options.track:
            if self.settings.distributed:  # on a worker too, with its session; the store is the shared one
                tracked = self._track_on_a_worker()
            else:
                from collector.cases.track import track

                tracked = track(self.settings, self.out, store, now=self.clock(), check_session=False)
            result.changes = len(tracked.changes)
            po_of = {c.case_id: c.po for c in store.cases()}
            alerts += decision_alerts(tracked.changes, po_of, self.clock(), self.settings.seller_timezone)
        overview = load_overview(self.out, self.clock(), policy_id=self.settings.policy_id,
                                 zone=self.settings.seller_timezone, settings=self.settings)
        alerts += deadline_alerts(overview.rows, self.clock(), self.settings.alert_hours, overview.zone)
        raise_alerts(store, alerts, self.channels)
        result.alerts_sent, result.alerts_failed = deliver(store, self.channels, self.clock())
        if (self.out / BUNDLES_DIR).is_dir() and not overview.empty:  # the index shows the states just tracked
            from evidence.bundle import write_index

            write_index(self.out / BUNDLES_DIR, now=self.clock(), states=overview.states())
        if self.options.calendar is not None and not overview.empty:
            from collector.cases.calendar import write_calendar

            write_calendar(self.out, self.options.calendar, self.clock(), self.settings.policy_id)

    def _collect_here(self, since: datetime) -> Collected:
        """The scan and the collection as one job in this process (the ``watch`` job, every cycle)."""
        from collector.jobs import JobRequest, run_job
        from collector.progress import QuietProgress

        job = run_job(self.settings, JobRequest(scan_since=since.isoformat(), job_id=WATCH_JOB), self.out,
                      progress=QuietProgress())
        failed = None if job.exit_code == 0 else f"{job.report.orders.get('failed', 0)} order(s) failed; retried next cycle"
        return Collected(failed, stopped=job.report.status == "stopped")

    def _database_url(self) -> str:
        if self.settings.database_url is None:
            raise ConfigError("distributed needs the database_url setting (the PostgreSQL the workers take tasks from)")
        return self.settings.database_url.get_secret_value()

    def _collect_on_workers(self, since: datetime) -> Collected:
        """``distributed``: a scan task on a worker, which queues the orders it finds (collector/queue.py),
        followed until every one ended. A stop (SIGTERM) stops following: the tasks stay queued."""
        from collector.queue import scan_and_capture

        outcome = scan_and_capture(self._database_url(), self.settings.account, self.out, since.isoformat(), self.stopping)
        log.info("watch.collected_on_workers", scan=outcome.status, tasks=len(outcome.tasks), failed=outcome.failed)
        if outcome.stopped or outcome.ok:
            return Collected(stopped=outcome.stopped)
        if outcome.status != "succeeded":
            return Collected(f"the scan task {outcome.status} on the workers; retried next cycle")
        return Collected(f"{len(outcome.failed)} order(s) failed on the workers; retried next cycle")

    def _track_on_a_worker(self) -> TrackResult:
        from collector.cases.track_result import result_from_dict
        from collector.queue import run_track

        return result_from_dict(run_track(self._database_url(), self.settings.account, self.out, self.stopping))
