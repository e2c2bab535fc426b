"""Counters kept apart from the log, and the job report built from them and the journal.

``JobStats`` is what the workers bump while the job runs (thread-safe): retries by reason,
durations, bytes written, failures with their reasons and snapshots. ``build_report`` combines it
with the journal (the source of truth for states, across resumes) into ``JobReport``, written as
``<job>/report.json`` and printed (``render_report``). ``refund_rows`` / ``render_refunds`` are
the verdict table ``collect`` and ``demo`` print.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console
from rich.text import Text

from collector.journal import Journal, OrderState
from collector.terminal import Column, fit_table, print_line
from evidence import formatting
from evidence.bundle import BundleError, read_bundle
from evidence.models import Assessment


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
    """The job's summary lines (each one logical line, never broken inside a word) and its failures."""
    o = report.orders
    print_line(
        console,
        f"Job {report.job_id}: {report.status}. Orders: {o['written']} written, {o['skipped']} skipped "
        f"(no Customer Care refund), {o['failed']} failed, {o['pending'] + o['running'] + o['captured']} not done "
        f"of {o['total']}; {report.refunds_written} refund bundles; {report.duration_s:.1f} s"
        + (f", {report.orders_per_minute} orders/min" if report.orders_per_minute else "")
        + ".",
    )
    d = report.order_duration_s
    if d:
        print_line(console, f"Time per order: median {d['median']:.1f} s, p95 {d['p95']:.1f} s, max {d['max']:.1f} s.")
    if report.session_renewals:
        print_line(console, f"Signed in again {report.session_renewals} time(s) after the session expired.")
    r = report.requests_per_order
    if r:
        print_line(console, f"Requests to Seller Center per order: median {r['median']:g}, max {r['max']:g} "
                            f"({report.site_requests} in all, session check and scan included).")
    if report.requeues:
        print_line(console, f"Orders put back in the queue after a transient failure: {report.requeues}.")
    if report.retries_by_reason:
        print_line(console, "Retries: " + ", ".join(f"{k} {v}" for k, v in report.retries_by_reason.items()))
    if report.failures:
        columns = [Column("PO"), Column("Reason", wrap=True, min_width=20), Column("Snapshot", wrap=True, min_width=20)]
        rows = [[f.po, Text(f.reason), Text(f.snapshot or "")] for f in report.failures]
        console.print(fit_table(columns, rows, console.width, title="Failed orders"))


# --------------------------------------------------------------------------- the refunds table


@dataclass(frozen=True)
class RefundRow:
    """One refund of a job as the verdict table shows it (``collect`` and ``demo``), in the words
    of every other surface (``evidence.formatting``)."""

    po: str
    transaction_id: str
    amount: str
    verdict: str
    deadline: str  # the deadline that matters next (the appeal's after a denial), seller's zone
    time_left: str
    deadline_at: datetime | None = None


def _assessment(bundle: str | None) -> Assessment | None:
    """The refund's assessment as its bundle records it (it knows the appeal deadline), if readable."""
    if not bundle:
        return None
    try:
        return read_bundle(Path(bundle)).case.assessment
    except (BundleError, OSError, ValueError):
        return None


def refund_rows(report: JobReport, timezone: str, now: datetime) -> list[RefundRow]:
    """The job's refunds, most urgent first (``formatting.urgency``), as of ``now`` in the seller's
    zone; each says what ``formatting.status`` says of it everywhere else."""
    rows = []
    for r in report.refunds:
        deadline = datetime.fromisoformat(r.deadline) if r.deadline else None
        shown = formatting.status_from(r.verdict, deadline, now, timezone, _assessment(getattr(r, "bundle", None)))
        rows.append(
            (
                formatting.urgency(shown, now, r.po),
                RefundRow(
                    po=r.po,
                    transaction_id=r.transaction_id,
                    amount=r.amount or formatting.NONE,
                    verdict=shown.verdict,
                    deadline=shown.deadline,
                    time_left=shown.time_left,
                    deadline_at=shown.at,
                ),
            )
        )
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


REFUND_COLUMNS = (
    Column("PO"),
    Column("Refund", drop=2),
    Column("Amount", drop=1, justify="right"),
    Column("Verdict"),
    Column("Deadline", wrap=True, split_at=", "),
    Column("Time left"),
)


def render_refunds(rows: list[RefundRow], console: Console, title: str) -> None:
    """The verdict table ``collect`` and ``demo`` print: fits the console, nothing cut."""
    if not rows:
        return
    cells = [[r.po, r.transaction_id, r.amount, r.verdict, r.deadline, r.time_left] for r in rows]
    console.print(fit_table(REFUND_COLUMNS, cells, console.width, title=title))
