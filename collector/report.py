"""Counters kept apart from the log, and the job report built from them and the journal.

``JobStats`` is what the workers bump while the job runs (thread-safe): retries by reason,
durations, bytes written, failures with their reasons and snapshots. ``build_report`` combines it
with the journal (the source of truth for states, across resumes) into ``JobReport``, written as
``<job>/report.json`` and printed as a table.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console
from rich.table import Table

from collector.journal import Journal, OrderState


class FailureEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    po: str
    reason: str
    snapshot: str | None = None


class RefundEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    po: str
    transaction_id: str
    amount: str | None = None
    verdict: str | None = None
    deadline: str | None = None
    bundle: str | None = None


class JobReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    job_id: str
    status: str = Field(description="completed, failures (some orders failed) or stopped")
    stop_reason: str | None = None
    started_at: datetime
    finished_at: datetime
    duration_s: float
    concurrency: int
    orders: dict[str, int]
    refunds_written: int
    orders_per_minute: float | None
    retries_by_reason: dict[str, int]
    session_renewals: int = Field(default=0, description="sign-ins that renewed an expired session")
    requeues: int = Field(default=0, description="orders put back in the queue after a transient failure")
    requests: int = Field(description="tokens taken from the rate limiter")
    site_requests: int = Field(default=0, description="page + API requests the browsers actually sent")
    requests_per_order: dict[str, float] = Field(
        default_factory=dict, description="page + API requests per finished order: orders, median, max, total"
    )
    rate_limit_wait_s: float
    bytes_written: int
    order_duration_s: dict[str, float]
    failures: list[FailureEntry]
    refunds: list[RefundEntry]

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "completed" else 1


class JobStats:
    """Counters of this run. Every method is safe to call from any worker thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started_at = datetime.now(UTC)
        self._t0 = time.monotonic()
        self.retries: Counter[str] = Counter()
        self.durations: list[float] = []
        self.bytes_written = 0
        self.finished: Counter[str] = Counter()
        self.snapshots: dict[str, str] = {}
        self.session_renewals = 0
        self.requeues = 0
        self.site_requests = 0
        self.requests_per_order: list[int] = []

    def retry(self, reason: str) -> None:
        with self._lock:
            self.retries[reason] += 1

    def order_finished(self, state: OrderState, duration_s: float) -> None:
        with self._lock:
            self.finished[state.value] += 1
            if state in (OrderState.WRITTEN, OrderState.SKIPPED):
                self.durations.append(duration_s)

    def add_bytes(self, n: int) -> None:
        with self._lock:
            self.bytes_written += n

    def failure_snapshot(self, po: str, path: str) -> None:
        with self._lock:
            self.snapshots[po] = path

    def site_request(self) -> None:
        """A request a browser sent to the site for a page or data (static files are not counted)."""
        with self._lock:
            self.site_requests += 1

    def session_renewed(self) -> None:
        """One real sign-in that renewed the shared session (not a worker reopening after it)."""
        with self._lock:
            self.session_renewals += 1

    def order_requests(self, n: int) -> None:
        """Page + API requests one finished order cost (its worker's count before and after)."""
        with self._lock:
            self.requests_per_order.append(n)

    def requests_summary(self) -> dict[str, float]:
        with self._lock:
            counts = sorted(self.requests_per_order)
        if not counts:
            return {}
        return {"orders": len(counts), "median": float(statistics.median(counts)), "max": float(counts[-1]),
                "total": float(sum(counts))}

    def order_requeued(self) -> None:
        with self._lock:
            self.requeues += 1

    def elapsed_s(self) -> float:
        return time.monotonic() - self._t0


def _durations(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "min": round(ordered[0], 3),
        "median": round(statistics.median(ordered), 3),
        "p95": round(p95, 3),
        "max": round(ordered[-1], 3),
        "mean": round(statistics.fmean(ordered), 3),
    }


def build_report(
    *,
    job_id: str,
    journal: Journal,
    stats: JobStats,
    concurrency: int,
    requests: int = 0,
    rate_limit_wait_s: float = 0.0,
    stop_reason: str | None = None,
) -> JobReport:
    counts = journal.counts()
    orders = {state.value: counts[state] for state in OrderState}
    orders["total"] = sum(counts.values())
    if stop_reason:
        status = "stopped"
    elif counts[OrderState.FAILED] or counts[OrderState.PENDING] or counts[OrderState.RUNNING] or counts[OrderState.CAPTURED]:
        status = "failures"
    else:
        status = "completed"
    elapsed = stats.elapsed_s()
    processed = stats.finished["written"] + stats.finished["skipped"]
    failures = [
        FailureEntry(po=o.po, reason=o.reason or "unknown", snapshot=stats.snapshots.get(o.po))
        for o in journal.orders()
        if o.state == OrderState.FAILED
    ]
    refunds = [
        RefundEntry(po=r.po, transaction_id=r.transaction_id, amount=r.amount, verdict=r.verdict, deadline=r.deadline, bundle=r.bundle)
        for r in journal.refunds()
    ]
    return JobReport(
        job_id=job_id,
        status=status,
        stop_reason=stop_reason,
        started_at=stats.started_at,
        finished_at=datetime.now(UTC),
        duration_s=round(elapsed, 3),
        concurrency=concurrency,
        orders=orders,
        refunds_written=len(refunds),
        orders_per_minute=round(processed / elapsed * 60, 2) if processed and elapsed > 0 else None,
        retries_by_reason=dict(sorted(stats.retries.items())),
        session_renewals=stats.session_renewals,
        requeues=stats.requeues,
        requests=requests,
        site_requests=stats.site_requests,
        requests_per_order=stats.requests_summary(),
        rate_limit_wait_s=round(rate_limit_wait_s, 3),
        bytes_written=stats.bytes_written,
        order_duration_s=_durations(stats.durations),
        failures=failures,
        refunds=refunds,
    )


def write_report(job_dir: Path, report: JobReport) -> Path:
    """``<job>/report.json``, written atomically (temp file + rename)."""
    path = job_dir / "report.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def render_report(report: JobReport, console: Console) -> None:
    o = report.orders
    console.print(
        f"Job {report.job_id}: {report.status}. Orders: {o['written']} written, {o['skipped']} skipped "
        f"(no Customer Care refund), {o['failed']} failed, {o['pending'] + o['running'] + o['captured']} not done "
        f"of {o['total']}; {report.refunds_written} refund bundles; {report.duration_s:.1f} s"
        + (f", {report.orders_per_minute} orders/min" if report.orders_per_minute else "")
        + "."
    )
    d = report.order_duration_s
    if d:
        console.print(f"Time per order: median {d['median']:.1f} s, p95 {d['p95']:.1f} s, max {d['max']:.1f} s.")
    if report.session_renewals:
        console.print(f"Signed in again {report.session_renewals} time(s) after the session expired.")
    r = report.requests_per_order
    if r:
        console.print(f"Requests to Seller Center per order: median {r['median']:g}, max {r['max']:g} "
                      f"({report.site_requests} in all, session check and scan included).")
    if report.requeues:
        console.print(f"Orders put back in the queue after a transient failure: {report.requeues}.")
    if report.retries_by_reason:
        console.print("Retries: " + ", ".join(f"{k} {v}" for k, v in report.retries_by_reason.items()))
    if report.failures:
        table = Table(title="Failed orders", show_lines=False)
        table.add_column("PO")
        table.add_column("Reason", overflow="fold")
        table.add_column("Snapshot", overflow="fold")
        for f in report.failures:
            table.add_row(f.po, f.reason, f.snapshot or "")
        console.print(table)
