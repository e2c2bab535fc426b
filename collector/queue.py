"""Order-capture tasks on a PostgreSQL queue (procrastinate), for ``collector worker`` on any number
of machines.

``collect --distributed`` (setting ``distributed``, with ``database_url``) does not capture
anything itself: it defers one task per batch of POs (``enqueue_orders``, ``--batch N``, 5 by
default) and follows their states (``follow``). Each ``collector worker`` takes tasks one at a
time and runs the ordinary job for that batch (``collector.jobs.run_job`` into the account's
output folder, with the account's settings *of the worker's machine*: credentials never travel
through the queue). A job's fixed costs (session check, Inbox walk, browser start) are paid once
per batch; a retried batch resumes its job (same POs, same job id): finished orders are not
captured again. So a task is
as safe to run twice as a job is: the output folder's refund registry bundles a refund once, a
bundle appears whole or not at all, a job resumed elsewhere starts from its journal.

A worker killed mid-order (``kill -9``, a machine gone) stops sending heartbeats; every other
worker looks for such stalled tasks (``sweep_stalled``) and puts them back in the queue after
the ``worker_stalled_after_s`` setting, to be run elsewhere. A task whose job fails is retried
(``ATTEMPTS`` times, ``RETRY_WAIT_S`` apart), then marked failed; each failure is one
``worker.order_failed`` line. The account's request budget is the PostgreSQL one
(collector/shared_ratelimit.py), whatever worker runs its orders.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import procrastinate
import psycopg
import structlog
from procrastinate.schema import SchemaManager

from collector.cases.postgres import pg_reason, public_location
from collector.errors import CollectorError, ConfigError

log = structlog.get_logger()

QUEUE = "collector-orders"
TASK = "collector.capture_orders"
DEFAULT_BATCH = 5
ATTEMPTS = 3
RETRY_WAIT_S = 2
HEARTBEATS_PER_STALL = 5  # a worker sends this many heartbeats in the time that makes it "stalled"
SCHEMA_LOCK = 0x71756575  # pg_advisory_xact_lock key while procrastinate's tables are created ("queu")
DONE = frozenset({"succeeded", "failed", "cancelled", "aborted"})


class OrderFailed(CollectorError):
    """The job for one order ended with failures (the task is retried, then marked failed)."""


def capture_orders(account: str | None, out: str, pos: list[str]) -> dict[str, Any]:
    """The task: the ordinary job for ``pos``, for ``account``, into ``out``."""
    from collector.inputs import InputBatch
    from collector.jobs import JobRequest, run_job
    from collector.progress import QuietProgress
    from collector.settings import load_settings, select_account

    select_account(account)
    try:
        settings = load_settings()
        log.info("worker.orders", pos=pos, account=account, out=out)
        result = run_job(settings, JobRequest(orders=InputBatch(pos=list(pos), source="queue")), Path(out),
                         progress=QuietProgress())
    except Exception as exc:  # noqa: BLE001 - whatever stopped the job (a dead browser server, a refused sign-in): one line, retried
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        log.warning("worker.order_failed", pos=pos, account=account, error=type(exc).__name__, reason=reason,
                    retried="if attempts are left")
        raise OrderFailed(f"orders {', '.join(pos)}: {reason}") from None
    finally:
        select_account(None)
    if result.exit_code != 0:
        log.warning("worker.order_failed", pos=pos, account=account, job=result.job_id, reason=result.message or "failed")
        raise OrderFailed(f"orders {', '.join(pos)}: {result.message or 'failed'} (job {result.job_id} in {out})")
    return {"job": result.job_id, "refunds": result.report.refunds_written}


def make_app(database_url: str) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=database_url))
    app.task(name=TASK, queue=QUEUE, retry=procrastinate.RetryStrategy(max_attempts=ATTEMPTS, wait=RETRY_WAIT_S))(
        capture_orders
    )
    return app


def ensure_schema(database_url: str) -> None:
    """procrastinate's tables, created once (under an advisory lock: many workers start together)."""
    try:
        with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            row = db.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
            if not (row and row[0]):
                db.execute(SchemaManager.get_schema())
    except psycopg.Error as exc:
        raise ConfigError(f"cannot reach the task queue at {public_location(database_url)}: {pg_reason(exc)}") from None


def enqueue_orders(database_url: str, account: str | None, out: Path, pos: list[str],
                   batch: int = DEFAULT_BATCH) -> list[int]:
    """One task per ``batch`` POs (in the order given); the task ids."""
    ensure_schema(database_url)
    app = make_app(database_url)
    with app.open():
        task = app.tasks[TASK]
        return [task.defer(account=account, out=str(out), pos=pos[i:i + batch]) for i in range(0, len(pos), batch)]


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


async def sweep_stalled(app: procrastinate.App, stalled_after_s: float) -> None:
    """Put the tasks of workers that stopped sending heartbeats back in the queue, forever."""
    while True:
        stalled = await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_after_s)
        for job in stalled:
            log.warning("worker.task_requeued", task=job.id, pos=job.task_kwargs.get("pos"), attempts=job.attempts,
                        reason="its worker stopped sending heartbeats (killed or gone)")
            await app.job_manager.retry_job(job)
        await asyncio.sleep(stalled_after_s / 2)  # the sweep's period (an asyncio timer of the worker's loop)


async def serve(database_url: str, *, name: str, concurrency: int = 1, stalled_after_s: float = 30.0) -> None:
    """Run a worker until SIGINT/SIGTERM (procrastinate's own handlers: the current task finishes)."""
    ensure_schema(database_url)
    app = make_app(database_url)
    async with app.open_async():
        sweeper = asyncio.create_task(sweep_stalled(app, stalled_after_s))
        try:
            await app.run_worker_async(queues=[QUEUE], name=name, concurrency=concurrency,
                                       update_heartbeat_interval=stalled_after_s / HEARTBEATS_PER_STALL,
                                       stalled_worker_timeout=stalled_after_s)
        finally:
            sweeper.cancel()


def worker_name() -> str:
    return f"{os.uname().nodename}-{os.getpid()}"
