"""Tasks on a PostgreSQL queue (procrastinate), for ``collector worker`` on any number of machines:
order captures (``capture_orders``), Transactions scans that queue the orders they find
(``scan_orders``, ``collect --distributed --scan-since`` and ``watch``), tracking passes
(``track_disputes``, ``track`` and ``watch``). The job options given to ``collect`` travel in a
task's ``options`` (``TaskOptions``), checked by the worker.

``collect --distributed`` (setting ``distributed``, with ``database_url``) does not capture
anything itself: it defers one task per batch of POs (``enqueue_orders``, ``--batch N``, 5 by
default) and follows their states (``follow``). Each ``collector worker`` takes tasks one at a
time and runs the ordinary job for that batch (``collector.jobs.run_job`` into the account's
output folder, with the account's settings *of the worker's machine*: credentials never travel
through the queue). A job's fixed costs (session check, Inbox walk, browser start) are paid once
per worker and account, not per task (collector/worker_kept.py); a retried batch resumes its
job (same POs, same job id): finished orders are not captured again. So a task is as safe to
run twice as a job is: the output folder's refund registry bundles a refund once, a bundle
appears whole or not at all, a job resumed elsewhere starts from its journal.

A worker killed mid-order (``kill -9``, a machine gone) stops sending heartbeats; every other
worker looks for such stalled tasks (``sweep_stalled``) and puts them back in the queue after
the ``worker_stalled_after_s`` setting, to be run elsewhere. A task whose job fails is retried
(``ATTEMPTS`` times, ``RETRY_WAIT_S`` apart), then marked failed; each failure is one
``worker.order_failed`` (``worker.scan_failed``, ``worker.track_failed``) line. A task this
worker cannot read (``TaskRefused``) fails at once, not retried. The account's request budget is the PostgreSQL one
(collector/shared_ratelimit.py), whatever worker runs its orders.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import procrastinate
import psycopg
import psycopg.types.json
import structlog
from procrastinate.schema import SchemaManager
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from collector.cases.postgres import pg_reason, public_location
from collector.errors import CollectorError, ConfigError
from collector.settings import CollectorSettings, LayoutChoice, TraceMode

if TYPE_CHECKING:  # pragma: no cover - typing only
    from collector.worker_kept import Kept

log = structlog.get_logger()

QUEUE = "collector-orders"
TASK = "collector.capture_orders"
SCAN_TASK = "collector.scan_orders"
TRACK_TASK = "collector.track_disputes"
DEFAULT_BATCH = 5
ATTEMPTS = 3
RETRY_WAIT_S = 2
HEARTBEATS_PER_STALL = 5  # a worker sends this many heartbeats in the time that makes it "stalled"
SCHEMA_LOCK = 0x71756575  # pg_advisory_xact_lock key while procrastinate's tables are created ("queu")
SCAN_LOCK = 0x7363616E  # pg_advisory_lock(SCAN_LOCK, task) while a scan task queues its orders ("scan")
RESULTS_TABLE = """CREATE TABLE IF NOT EXISTS collector_task_results (
    task_id bigint PRIMARY KEY, result jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())"""
DONE = frozenset({"succeeded", "failed", "cancelled", "aborted"})


KEPT: Kept | None = None  # set by ``serve``: what this worker process keeps between its tasks


class OrderFailed(CollectorError):
    """A task's work ended with failures: an order's job, a scan, a tracking pass (the task is
    retried, then marked failed)."""


class TaskRefused(CollectorError):
    """A task this worker cannot run as given (options of another collector version, bad values):
    marked failed at once, one line, not retried (no retry would change the answer)."""


class TaskOptions(BaseModel):
    """The job options of ``collect`` that travel with a task: what changes what is captured.

    Only the options given on the ``collect`` command line are sent; everything else is the
    worker's own settings for the account. Credentials, the signing key, mail sources and the
    browser stay settings of the worker's machine (they are its files and secrets)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    layout: LayoutChoice | None = None
    trace: TraceMode | None = None
    archive: bool | None = None
    concurrency: int | None = Field(default=None, ge=1, le=16)
    max_requests_per_minute: float | None = Field(default=None, gt=0, le=1_000_000, allow_inf_nan=False)
    # --recapture: bundles recorded before this time (when collect ran) are captured again; a
    # retried task or a rerun job then skips those it recaptured already (no third version)
    recapture: AwareDatetime | None = None

    def as_args(self) -> dict[str, Any]:
        """The task's ``options`` argument (JSON): the options given, nothing else."""
        return self.model_dump(mode="json", exclude_defaults=True)

    def settings_overrides(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude={"recapture"}).items() if v is not None}


def task_options(raw: object) -> TaskOptions:
    """The options of a task as this worker understands them, or one ``TaskRefused`` line."""
    if raw is None:
        return TaskOptions()
    if not isinstance(raw, dict):
        raise TaskRefused(f"task options are not a mapping ({type(raw).__name__}): sent by another collector version?")
    try:
        return TaskOptions.model_validate(raw)
    except ValidationError as exc:
        unknown = sorted(str(e["loc"][0]) for e in exc.errors() if e["type"] == "extra_forbidden")
        if unknown:
            known = ", ".join(TaskOptions.model_fields)
            raise TaskRefused(f"unknown task option(s) {', '.join(unknown)}: the task comes from another collector "
                              f"version (this worker knows {known}); update the workers or the collecting machine") from None
        err = exc.errors()[0]
        raise TaskRefused(f"task option {'.'.join(map(str, err['loc']))}: {err['msg']}") from None


def _refuse_unknown(task: str, unknown: dict[str, Any]) -> None:
    if unknown:
        raise TaskRefused(f"{task}: unknown task argument(s) {', '.join(sorted(unknown))}: the task comes from another "
                          "collector version; update the workers or the collecting machine")


def _accepted(task_name: str, unknown: dict[str, Any], options: object = None, /, **about: Any) -> TaskOptions:
    """The task's options, or one ``worker.task_refused`` line (with ``about``) and ``TaskRefused``
    for arguments or options this worker does not know."""
    try:
        _refuse_unknown(task_name, unknown)
        return task_options(options)
    except TaskRefused as exc:
        log.error("worker.task_refused", **about, reason=str(exc))
        raise


def capture_orders(account: str | None, out: str, pos: list[str], options: dict[str, Any] | None = None,
                   job: str | None = None, scan: int | None = None, **unknown: Any) -> dict[str, Any]:
    """The task: the ordinary job for ``pos``, for ``account``, into ``out``, with the job
    ``options`` collect was given (``TaskOptions``). ``job``: the job id (a scan's orders: one
    per task, ``scan-<scan task>-<n>``; else from the POs); ``scan``: the scan task that queued it."""
    from collector.inputs import InputBatch
    from collector.jobs import JobRequest, run_job
    from collector.progress import QuietProgress
    from collector.settings import load_settings, select_account

    given = _accepted(TASK, unknown, options, pos=pos, account=account)
    select_account(account)
    settings = None
    try:
        settings = load_settings(**given.settings_overrides())
        log.info("worker.orders", pos=pos, account=account, out=out, options=given.as_args())
        source = f"scan task {scan}" if scan is not None else "queue"
        request = JobRequest(orders=InputBatch(pos=list(pos), source=source), recapture=given.recapture is not None,
                             recapture_before=given.recapture, job_id=job)
        shared, check, started = None, True, time.monotonic()
        if KEPT is not None:  # a worker: its browser, the account's checked session and Inbox index
            settings, shared, check = KEPT.for_task(settings)
        result = run_job(settings, request, Path(out), progress=QuietProgress(), shared=shared, check_session=check)
    except Exception as exc:  # noqa: BLE001 - whatever stopped the job (a dead browser server, a refused sign-in): one line, retried
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        log.warning("worker.order_failed", pos=pos, account=account, error=type(exc).__name__, reason=reason,
                    retried="if attempts are left")
        if KEPT is not None and settings is not None:
            KEPT.failed(settings)
        raise OrderFailed(f"orders {', '.join(pos)}: {reason}") from None
    finally:
        select_account(None)
    if result.exit_code != 0:
        log.warning("worker.order_failed", pos=pos, account=account, job=result.job_id, reason=result.message or "failed")
        if KEPT is not None:
            KEPT.failed(settings)
        raise OrderFailed(f"orders {', '.join(pos)}: {result.message or 'failed'} (job {result.job_id} in {out})")
    if KEPT is not None:
        KEPT.succeeded(settings, checked_at=started if check else None)
    return {"job": result.job_id, "refunds": result.report.refunds_written}


def scan_orders(context: procrastinate.JobContext, account: str | None, out: str, since: str, batch: int = DEFAULT_BATCH,
                options: dict[str, Any] | None = None, **unknown: Any) -> dict[str, Any]:
    """The scan task of ``collect --distributed --scan-since``: the Transactions scan, on the
    worker (the collecting machine needs no browser), then one capture task per ``batch`` POs
    with a refund not bundled in ``out`` yet (all of them with ``recapture``), each a job of its
    own (``scan-<this task>-<n>``) with the same ``options``. Run again (retried, or requeued
    after its worker died) it queues nothing twice: the capture tasks are queued in one statement,
    under a lock on the scan's id, and a scan that finds its tasks already queued only returns them."""
    from collector.claims import STATE_DIR, RefundRegistry
    from collector.jobs import BUNDLES_DIR, prepare_out_dir, scan_refunds
    from collector.logging import configure_logging
    from collector.settings import load_settings, select_account

    scan_id = context.job.id
    given = _accepted(SCAN_TASK, unknown, options, scan=scan_id, account=account)
    select_account(account)
    try:
        configure_logging(console_level="warning")  # no job folder: the worker's own stderr
        settings = load_settings(**given.settings_overrides())
        if KEPT is not None:
            settings = KEPT.with_browser(settings)
        assert settings.database_url is not None  # a worker has one: it took this task from it
        url = settings.database_url.get_secret_value()
        queued = [s.id for s in scan_tasks(url, scan_id)]
        if queued:
            log.warning("worker.scan_already_queued", scan=scan_id, account=account, tasks=len(queued))
            return {"found": None, "tasks": queued}
        found = scan_refunds(settings, since)
        folder = prepare_out_dir(Path(out))
        with RefundRegistry(folder / STATE_DIR, folder / BUNDLES_DIR, job_id=f"scan-{scan_id}") as registry:
            open_refunds = [po for po, txn in found
                            if given.recapture is not None or (registry.state(po, txn) or ("",))[0] != "written"]
        pos = list(dict.fromkeys(open_refunds))
        args = [{"account": account, "out": out, "pos": pos[i:i + batch], "job": f"scan-{scan_id}-{i // batch + 1}",
                 "scan": scan_id, **({"options": given.as_args()} if given.as_args() else {})}
                for i in range(0, len(pos), batch)]
        # Two runs of this scan at once (requeued while its first worker was only slow): one queues,
        # the other finds its tasks (the lock ends with the connection at the latest).
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as lock:
            lock.execute("SELECT pg_advisory_lock(%s, %s)", (SCAN_LOCK, scan_id % 2**31))
            queued = [s.id for s in scan_tasks(url, scan_id)]
            if queued:
                log.warning("worker.scan_already_queued", scan=scan_id, account=account, tasks=len(queued))
                return {"found": len(found), "tasks": queued}
            with make_app(url).open() as app:
                ids = app.tasks[TASK].batch_defer(*args) if args else []
        log.warning("worker.scan_queued", scan=scan_id, account=account, since=since, refunds=len(found),
                    orders=len(pos), tasks=len(ids))
        return {"found": len(found), "orders": len(pos), "tasks": ids}
    except Exception as exc:  # noqa: BLE001 - whatever stopped the scan: one line, retried
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        log.warning("worker.scan_failed", scan=scan_id, account=account, error=type(exc).__name__, reason=reason,
                    retried="if attempts are left")
        raise OrderFailed(f"scan since {since}: {reason}") from None
    finally:
        select_account(None)


def track_disputes(context: procrastinate.JobContext, account: str | None, out: str, **unknown: Any) -> dict[str, Any]:
    """The task of ``collector track`` (and a ``watch`` cycle's track step) with ``distributed``: the
    tracking pass on the worker, with the account's session there, into the case store of the
    ``database_url``; its result (what the command prints) kept in ``collector_task_results``
    for the command that follows the task. A failure is one ``worker.track_failed`` line, kept
    there too, and retried."""
    from collector.cases import open_store
    from collector.cases.track import track
    from collector.cases.track_result import result_to_dict
    from collector.logging import configure_logging
    from collector.settings import load_settings, select_account

    task_id = context.job.id
    _accepted(TRACK_TASK, unknown, task=task_id, account=account)
    select_account(account)
    url: str | None = None
    try:
        configure_logging(console_level="warning")  # no job folder: the worker's own stderr
        settings = load_settings()
        if KEPT is not None:
            settings = KEPT.with_browser(settings)
        assert settings.database_url is not None  # a worker has one: it took this task from it
        url = settings.database_url.get_secret_value()
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        with open_store(folder, settings) as store:
            result = track(settings, folder, store)
        _keep_result(url, task_id, result_to_dict(result))
        return {"cases": result.cases, "changes": len(result.changes)}
    except Exception as exc:  # noqa: BLE001 - whatever stopped the pass: one line, kept for the command, retried
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        log.warning("worker.track_failed", task=task_id, account=account, error=type(exc).__name__, reason=reason,
                    retried="if attempts are left")
        if url is not None:
            _keep_result(url, task_id, {"error": reason})
        raise OrderFailed(f"track {out}: {reason}") from None
    finally:
        select_account(None)


def _keep_result(database_url: str, task_id: int, result: dict[str, Any]) -> None:
    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as db:
        db.execute("INSERT INTO collector_task_results (task_id, result) VALUES (%s, %s) "
                   "ON CONFLICT (task_id) DO UPDATE SET result = EXCLUDED.result, at = now()",
                   (task_id, psycopg.types.json.Jsonb(result)))


def task_result(database_url: str, task_id: int) -> dict[str, Any] | None:
    """What a task kept for its command (``track_disputes``), or None; read once (then removed)."""
    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as db:
        row = db.execute("DELETE FROM collector_task_results WHERE task_id = %s RETURNING result", (task_id,)).fetchone()
    return row[0] if row else None


def make_app(database_url: str) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=database_url))
    retry = procrastinate.RetryStrategy(max_attempts=ATTEMPTS, wait=RETRY_WAIT_S, retry_exceptions=[OrderFailed])
    app.task(name=TASK, queue=QUEUE, retry=retry)(capture_orders)
    app.task(name=SCAN_TASK, queue=QUEUE, retry=retry, pass_context=True)(scan_orders)
    app.task(name=TRACK_TASK, queue=QUEUE, retry=retry, pass_context=True)(track_disputes)
    return app


def ensure_schema(database_url: str) -> None:
    """procrastinate's tables, created once (under an advisory lock: many workers start together)."""
    try:
        with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            row = db.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
            if not (row and row[0]):
                db.execute(SchemaManager.get_schema())
            db.execute(RESULTS_TABLE)
    except psycopg.Error as exc:
        raise ConfigError(f"cannot reach the task queue at {public_location(database_url)}: {pg_reason(exc)}") from None


def enqueue_orders(database_url: str, account: str | None, out: Path, pos: list[str],
                   batch: int = DEFAULT_BATCH, options: TaskOptions | None = None) -> list[int]:
    """One task per ``batch`` POs (in the order given), each with the job ``options``; the task ids."""
    ensure_schema(database_url)
    app = make_app(database_url)
    sent = (options or TaskOptions()).as_args()
    with app.open():
        task = app.tasks[TASK]
        return [task.defer(account=account, out=str(out), pos=pos[i:i + batch], **({"options": sent} if sent else {}))
                for i in range(0, len(pos), batch)]


def enqueue_scan(database_url: str, account: str | None, out: Path, since: str, batch: int = DEFAULT_BATCH,
                 options: TaskOptions | None = None) -> int:
    """The scan task (``scan_orders``): its id. Its capture tasks: ``scan_tasks``."""
    ensure_schema(database_url)
    sent = (options or TaskOptions()).as_args()
    with make_app(database_url).open() as app:
        return app.tasks[SCAN_TASK].defer(account=account, out=str(out), since=since, batch=batch,
                                          **({"options": sent} if sent else {}))


@dataclass
class TaskState:
    id: int
    pos: list[str]
    status: str
    attempts: int


def states(database_url: str, ids: list[int]) -> list[TaskState]:
    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as db:
        rows = db.execute("SELECT id, args->'pos', status::text, attempts FROM procrastinate_jobs WHERE id = ANY(%s) "
                          "ORDER BY id", (ids,)).fetchall()
    return [TaskState(*row) for row in rows]


def scan_tasks(database_url: str, scan_id: int) -> list[TaskState]:
    """The capture tasks a scan task queued (none yet while it runs)."""
    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as db:
        rows = db.execute("SELECT id, args->'pos', status::text, attempts FROM procrastinate_jobs "
                          "WHERE task_name = %s AND args->>'scan' = %s ORDER BY id", (TASK, str(scan_id))).fetchall()
    return [TaskState(*row) for row in rows]


def follow(database_url: str, ids: list[int], on_change: Callable[[TaskState], None], stop: Any,
           poll_s: float = 1.0) -> list[TaskState]:
    """Wait until every task is done (or ``stop``, a ``threading.Event``, is set), telling each change."""
    seen: dict[int, tuple[str, int]] = {}
    while True:
        now = states(database_url, ids)
        for state in now:
            if seen.get(state.id) != (state.status, state.attempts):
                seen[state.id] = (state.status, state.attempts)
                on_change(state)
        if all(s.status in DONE for s in now) or stop.wait(poll_s):  # a wait on the stop flag, not a sleep
            return now


def enqueue_track(database_url: str, account: str | None, out: Path) -> int:
    ensure_schema(database_url)
    with make_app(database_url).open() as app:
        return app.tasks[TRACK_TASK].defer(account=account, out=str(out))


def run_track(database_url: str, account: str | None, out: Path, stop: Any,
              on_change: Callable[[TaskState], None] = lambda _: None) -> dict[str, Any]:
    """A tracking pass as a task on a worker, followed to its end: its result (``track_result``'s
    data). Raises ``OrderFailed`` (one line, the worker's reason) when it failed after its
    retries, ``KeyboardInterrupt`` when ``stop`` was set first (the task stays queued)."""
    task_id = enqueue_track(database_url, account, out)
    [state] = follow(database_url, [task_id], on_change, stop)
    if state.status not in DONE:
        raise KeyboardInterrupt
    kept = task_result(database_url, task_id) or {}
    if state.status != "succeeded" or "error" in kept:
        raise OrderFailed(f"track on a worker {state.status}: {kept.get('error', 'no reason kept')} (task {task_id})")
    return kept


@dataclass
class ScanOutcome:
    status: str  # the scan task's
    tasks: list[TaskState]  # the capture tasks it queued, as they ended
    stopped: bool = False  # stopped following first: the tasks stay queued

    @property
    def ok(self) -> bool:
        return self.status == "succeeded" and all(t.status == "succeeded" for t in self.tasks)

    @property
    def failed(self) -> list[str]:
        return [po for t in self.tasks if t.status != "succeeded" for po in t.pos]


def scan_and_capture(database_url: str, account: str | None, out: Path, since: str, stop: Any,
                     batch: int = DEFAULT_BATCH) -> ScanOutcome:
    """A scan task and the capture tasks it queues, followed to their end (``watch``'s collect step)."""
    scan_id = enqueue_scan(database_url, account, out, since, batch)
    [scan] = follow(database_url, [scan_id], lambda _: None, stop)
    if scan.status not in DONE:
        return ScanOutcome(scan.status, [], stopped=True)
    if scan.status != "succeeded":
        return ScanOutcome(scan.status, [])
    final = follow(database_url, [t.id for t in scan_tasks(database_url, scan_id)], lambda _: None, stop)
    return ScanOutcome(scan.status, final, stopped=any(t.status not in DONE for t in final))


async def sweep_stalled(app: procrastinate.App, stalled_after_s: float) -> None:
    """Put the tasks of workers that stopped sending heartbeats back in the queue, forever."""
    while True:
        stalled = await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_after_s)
        for job in stalled:
            log.warning("worker.task_requeued", task=job.id, pos=job.task_kwargs.get("pos"), attempts=job.attempts,
                        reason="its worker stopped sending heartbeats (killed or gone)")
            await app.job_manager.retry_job(job)
        await asyncio.sleep(stalled_after_s / 2)  # the sweep's period (an asyncio timer of the worker's loop)


class _OneLine(logging.Filter):
    """A task that ended with one of ours (``OrderFailed``, ``TaskRefused``) is one line in the
    worker's log, its reason included, not a traceback (it was logged already, as one line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, CollectorError):
            record.msg, record.args = f"{record.getMessage()} ({type(exc).__name__}: {exc})", None
            record.exc_info = None
        return True


async def serve(database_url: str, *, name: str, concurrency: int = 1, stalled_after_s: float = 30.0,
                keep_for: CollectorSettings | None = None) -> None:
    """Run a worker until SIGINT/SIGTERM (procrastinate's own handlers: the current task finishes).
    ``keep_for``: the worker's settings; its tasks then keep a browser, checked sessions and Inbox
    indexes between them (collector/worker_kept.py; one task at a time only)."""
    global KEPT
    logging.getLogger("procrastinate.worker").addFilter(_OneLine())
    ensure_schema(database_url)
    if keep_for is not None and concurrency == 1:
        from collector.worker_kept import Kept

        KEPT = Kept()
        KEPT.start_browser(keep_for)  # from this (the main) thread: it dies with the worker
    app = make_app(database_url)
    try:
        async with app.open_async():
            sweeper = asyncio.create_task(sweep_stalled(app, stalled_after_s))
            try:
                await app.run_worker_async(queues=[QUEUE], name=name, concurrency=concurrency,
                                           update_heartbeat_interval=stalled_after_s / HEARTBEATS_PER_STALL,
                                           stalled_worker_timeout=stalled_after_s)
            finally:
                sweeper.cancel()
    finally:
        if KEPT is not None:
            KEPT.close()
            KEPT = None


def worker_name() -> str:
    return f"{os.uname().nodename}-{os.getpid()}"
