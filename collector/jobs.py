"""A collector job: its id, its folder, and running it to the end (or to a clean stop).

The job id is deterministic from the inputs (``job_id_for``): the same command gives the same
job, so running it again resumes it: orders already written or skipped are not touched, orders
that were in flight (or failed) are redone. ``--resume JOB`` reopens a job by id without
repeating its inputs. A scan (``--scan-since``) looks again on every run.

What is never done twice is decided per output folder, not per job: the folder's refund registry
(``collector.claims``, ``<out>/.collector/refunds.sqlite``) records every refund bundled there and which
process is capturing which right now, so another job, another day's scan or a second process on
the same folder skips a refund already bundled (``--recapture`` asks for a new version).

``<out>/jobs/<job id>/`` holds ``journal.sqlite`` (states and inputs), ``job.log.jsonl``
(structlog JSON lines), ``report.json`` and ``failures/`` (snapshots, traces). Bundles go to
``<out>/bundles/``, beside ``index.html`` (a folder of bundles only, so that
``collector verify <out>/bundles`` checks exactly them).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import structlog
from filelock import FileLock, Timeout

from collector import prestart
from collector.browser import in_own_thread
from collector.browser_server import BrowserServer
from collector.claims import STATE_DIR, RefundRegistry
from collector.errors import ConfigError, SessionLost
from collector.handlers import SharedCache
from collector.inputs import InputBatch
from collector.journal import Journal, OrderState
from collector.lifeline import tie_drivers_to_process
from collector.logging import bind_job, close_log_file, configure_logging
from collector.pipeline import Pipeline
from collector.progress import ProgressView, make_progress
from collector.ratelimit import RateLimiter
from collector.report import JobReport, JobStats, build_report, write_report
from collector.retry import RetryPolicy
from collector.session import SessionKeeper, ensure_session
from collector.settings import CollectorSettings, launch_options_for
from collector.walker import RequeuePolicy, Walker
from collector.workers import JobRuntime, Worker

log = structlog.get_logger()
JOBS_DIR = "jobs"
BUNDLES_DIR = "bundles"


@dataclass
class JobRequest:
    """What to collect: the POs given (any source) and/or a Transactions scan."""

    orders: InputBatch = field(default_factory=InputBatch)
    scan_since: str | None = None
    resume: str | None = None
    recapture: bool = False  # capture refunds again even when this folder already has their bundle
    recapture_before: datetime | None = None  # with recapture: only bundles recorded before then (default: the start)
    job_id: str | None = None  # a fixed id instead of one from the inputs (collector watch: one job, every cycle)


@dataclass
class JobResult:
    job_id: str
    job_dir: Path
    report: JobReport
    index: Path | None
    message: str | None = None  # one line for the operator when the job stopped

    @property
    def exit_code(self) -> int:
        return self.report.exit_code


def job_id_for(request: JobRequest, settings: CollectorSettings) -> str:
    """Same inputs, same site -> same job id (so the same command resumes its job).

    What keeps a refund from being captured twice is not the job id but the output folder's
    refund registry (``collector.claims``): a new job over the same folder, another day, or a
    command with one PO more, skips every refund already bundled there. A scan job is keyed by
    its text alone and scans again on every run.
    """
    key: dict[str, object] = {"site": settings.base_url, "pos": sorted(request.orders.pos)}
    if request.scan_since:
        key["scan_since"] = request.scan_since
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    return f"job-{digest[:12]}"


def prepare_out_dir(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder: choose a folder for the bundles")
    try:
        (out / JOBS_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the output folder {out}: {exc.strerror}") from None
    if not os.access(out, os.W_OK):
        raise ConfigError(f"the output folder {out} is not writable")
    return out


def job_dir_for(out: Path, job_id: str) -> Path:
    return out / JOBS_DIR / job_id


@contextmanager
def _job_lock(job_dir: Path) -> Iterator[None]:
    """One process per job at a time (a second `collector collect` of the same job is refused).
    ``filelock``: fcntl on Unix, msvcrt on Windows."""
    lock = FileLock(job_dir / "job.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise ConfigError(f"job {job_dir.name} is already running in another process") from None
    try:
        yield
    finally:
        lock.release()


@in_own_thread
def _scan(settings: CollectorSettings, since_text: str, limiter: RateLimiter, retry: RetryPolicy, stats: JobStats,
          endpoint: str | None = None) -> list[tuple[str, str]]:
    """(PO, transaction id) of every Customer Care refund on the Transactions dashboard since then
    (on the job's browser at ``endpoint`` when given)."""
    from collector.inputs import parse_since
    from collector.settings import connected_browser, context_options_for
    from pages import TransactionsDashboard

    since = parse_since(since_text, datetime.now(UTC))
    with connected_browser(settings, endpoint) as browser:
        context = browser.new_context(**context_options_for(settings, storage_state=settings.session_path))
        page = context.new_page()

        def scan() -> list[tuple[str, str]]:
            limiter.acquire()
            dashboard = TransactionsDashboard.open(page, tz=settings.seller_timezone, timeout=settings.action_timeout_s * 1000)
            return list(dict.fromkeys((t.po, t.transaction_id) for t in dashboard.scan_refunds(since)))

        found = retry.call(scan, step="scan", on_retry=stats.retry)
    log.info("scan.finished", since=since.isoformat(), found=len(found))
    return found


def scan_refunds(settings: CollectorSettings, since_text: str) -> list[tuple[str, str]]:
    """A Transactions scan on its own, outside any job: (PO, transaction id) of every Customer
    Care refund since then. Its own browser (``_job_browser``: the ``browser_endpoint`` or a
    local one), the session check, the account's request budget (the PostgreSQL one with
    ``database_url``). For the scan task of ``collect --distributed --scan-since`` (collector/queue.py)."""
    with _job_browser(settings) as endpoint:
        ensure_session(settings, endpoint)
        if settings.database_url is not None:
            from collector.shared_ratelimit import shared_limiter

            limiter: RateLimiter = shared_limiter(settings)
        else:
            limiter = RateLimiter(settings.requests_per_minute)
        retry = RetryPolicy(settings.retry_attempts, settings.retry_initial_wait_s, settings.retry_max_wait_s,
                            threading.Event())
        try:
            return _scan(settings, since_text, limiter, retry, JobStats(), endpoint)
        finally:
            limiter.stop()


def _add_scanned(journal: Journal, registry: RefundRegistry, found: list[tuple[str, str]], since_text: str) -> tuple[int, int]:
    """Queue the scanned refunds' orders: new ones, and finished ones with a refund not bundled
    yet (a second refund on an order seen before). Returns (added, reopened)."""
    pos = list(dict.fromkeys(po for po, _ in found))
    added = journal.add_orders(pos, source=f"scan:{since_text}")
    fresh = {po for po, txn in found if (registry.state(po, txn) or ("", None))[0] != "written"}
    reopened = journal.reopen(sorted(fresh), reason="a refund on this order is not bundled yet")
    log.info("scan.queued", orders=len(pos), added=added, reopened=reopened)
    return added, reopened


def run_job(
    settings: CollectorSettings,
    request: JobRequest,
    out: Path,
    *,
    progress: ProgressView | None = None,
    assess_now: Callable[[], datetime] | None = None,
    console_level: str = "warning",
    shared: SharedCache | None = None,
    check_session: bool = True,
) -> JobResult:
    """Run (or resume) a job to the end or to a clean stop; returns its report.

    ``shared``: the layout and Inbox index to start from (a ``collector worker`` keeps them for
    an account between its tasks; the index is read again when older than its TTL as in any job);
    ``check_session=False`` skips the session check at the start (the worker checked it a moment
    ago; a session that expired since is renewed by the workers as in any job)."""
    made = [p for p in (out, out / JOBS_DIR) if not p.exists()]  # removed again if the job cannot start
    prepare_out_dir(out)
    if request.resume:
        job_id = request.resume
        job_dir = job_dir_for(out, job_id)
        if not (job_dir / "journal.sqlite").is_file():
            _remove_unstarted(made)
            raise ConfigError(f"no job {job_id} in {out / JOBS_DIR} (see `collector jobs list {out}`)")
    else:
        if not request.orders.pos and not request.scan_since:
            raise ConfigError("nothing to collect: give --po, --orders, --recon or --scan-since")
        job_id = request.job_id or job_id_for(request, settings)
        job_dir = job_dir_for(out, job_id)
    made += [] if job_dir.exists() else [job_dir]
    job_dir.mkdir(parents=True, exist_ok=True)
    with _job_lock(job_dir):
        configure_logging(log_file=job_dir / "job.log.jsonl", console_level=console_level)
        bind_job(job_id)
        tie_drivers_to_process(settings.data_dir)  # browser drivers die with this process, even on SIGKILL
        with _job_browser(settings) as endpoint:
            try:
                if check_session:
                    ensure_session(settings, endpoint)
            except BaseException:
                _remove_unstarted(made)  # no session: the job never started, so it leaves no folder
                raise
            recapture_before = (request.recapture_before or datetime.now(UTC)) if request.recapture else None
            with (
                Journal(job_dir / "journal.sqlite") as journal,
                RefundRegistry(out / STATE_DIR, out / BUNDLES_DIR, job_id=job_id, recapture_before=recapture_before) as registry,
            ):
                return _run(settings, request, out, job_id, job_dir, journal, registry, progress, assess_now, endpoint,
                            shared)


@contextmanager
def _job_browser(settings: CollectorSettings) -> Iterator[str | None]:
    """One browser for the whole job: the session check, the scan and every worker connect to it.

    The configured ``browser_endpoint``, else a browser server of the job's own (started before
    the session check, which then needs no browser launch of its own), else (``shared_browser``
    off) None: each of them launches its own Chromium."""
    if settings.browser_endpoint or not settings.shared_browser:
        yield settings.browser_endpoint
        return
    server = prestart.adopt(settings) or BrowserServer(launch_options_for(settings))  # collector/prestart.py
    try:
        yield server.start()
    finally:
        server.stop()


def _run(
    settings: CollectorSettings,
    request: JobRequest,
    out: Path,
    job_id: str,
    job_dir: Path,
    journal: Journal,
    registry: RefundRegistry,
    progress: ProgressView | None,
    assess_now: Callable[[], datetime] | None,
    endpoint: str | None,
    shared: SharedCache | None = None,
) -> JobResult:
    stop_event = threading.Event()
    stats = JobStats()
    if settings.database_url is not None:  # the account's budget, shared with its other processes (PostgreSQL)
        from collector.shared_ratelimit import shared_limiter

        limiter: RateLimiter = shared_limiter(settings)
    else:
        limiter = RateLimiter(settings.requests_per_minute)
    retry = RetryPolicy(settings.retry_attempts, settings.retry_initial_wait_s, settings.retry_max_wait_s, stop_event)
    if journal.get_meta("inputs") is None:
        journal.set_meta("inputs", json.dumps({"pos": request.orders.pos, "scan_since": request.scan_since, "site": settings.base_url}))
    requeued = journal.recover()
    journal.add_orders(request.orders.pos, source=request.orders.source)
    if request.recapture:
        journal.reopen(request.orders.pos, reason="--recapture")
    log.info("job.started", out=str(out), concurrency=settings.concurrency, requeued=requeued,
             rate_per_minute=settings.requests_per_minute, recapture=request.recapture, settings=settings.redacted())
    scan_since = request.scan_since or json.loads(journal.get_meta("inputs") or "{}").get("scan_since")
    if scan_since:  # every run looks again: refunds issued since the last run must not be missed
        found = _scan(settings, scan_since, limiter, retry, stats, endpoint)
        _add_scanned(journal, registry, found, scan_since)
        journal.set_meta("scan_done", datetime.now(UTC).isoformat())
    counts = journal.counts()
    view = progress or make_progress()
    walker = Walker(journal, stats, view, stop_event, requeue=RequeuePolicy(budget=settings.order_requeues))
    walker.on_stop.append(limiter.stop)
    runtime = JobRuntime(
        job_id=job_id, job_dir=job_dir, settings=settings, walker=walker,
        pipeline=Pipeline(out_dir=out / BUNDLES_DIR, settings=settings, job_id=job_id, assess_now=assess_now,
                          recapture=request.recapture),
        limiter=limiter, retry=retry, stats=stats, keeper=SessionKeeper(settings, retry), stop_event=stop_event,
        registry=registry, **({"shared": shared} if shared is not None else {}),
    )
    pending = counts[OrderState.PENDING]
    view.start(sum(counts.values()), sum(counts.values()) - pending)
    workers = [Worker(n + 1, runtime) for n in range(max(1, min(settings.concurrency, pending)))] if pending else []
    runtime.browser_endpoint = endpoint  # one browser for every worker (_job_browser)
    runtime.workers = len(workers)
    try:
        for w in workers:
            w.start()
        _wait(workers, walker)
    finally:
        limiter.stop()
        view.close()
    index = runtime.pipeline.finish() if journal.refunds() else None
    report = build_report(job_id=job_id, journal=journal, stats=stats, concurrency=settings.concurrency,
                          requests=limiter.acquired, rate_limit_wait_s=limiter.waited_s, stop_reason=walker.stop_reason)
    write_report(job_dir, report)
    log.info("job.finished", status=report.status, orders=report.orders, refunds=report.refunds_written,
             retries=report.retries_by_reason, duration_s=report.duration_s)
    return JobResult(job_id, job_dir, report, index, message=walker.stop_reason)


def _remove_unstarted(made: list[Path]) -> None:
    """The folders a job created before it could start, removed (innermost first)."""
    close_log_file()
    for path in reversed(made):
        shutil.rmtree(path, ignore_errors=True)


def _wait(workers: list[Worker], walker: Walker) -> None:
    """Join the workers; Ctrl-C asks them to stop cleanly (in-flight orders go back to pending)."""
    try:
        for w in workers:
            while w.is_alive():
                w.join(timeout=0.5)
    except KeyboardInterrupt:
        walker.stop("interrupted (Ctrl-C): run the same command again to resume")
        for w in workers:
            w.join()


__all__ = ["JobRequest", "JobResult", "SessionLost", "job_id_for", "run_job", "scan_refunds"]
