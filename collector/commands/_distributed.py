"""``collect --distributed``: the orders as tasks for ``collector worker`` processes (collector/queue.py),
followed to the end here: one line per change of a task, then the totals; exit 0 when every
order succeeded, 1 when any failed (after its retries).

With ``--all-accounts`` every account's tasks are queued first (``gathering``) and followed
together, so the workers work on all accounts at once (each within its own request budget)."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collector.errors import EXIT_FAILED, EXIT_OK, ConfigError
from collector.settings import CollectorSettings

if TYPE_CHECKING:  # pragma: no cover - psycopg and procrastinate only when distributing
    from collector.queue import TaskState


@dataclass
class Queued:
    """One account's (or the one folder's) tasks, queued and not yet followed."""

    label: str  # "acme: " or ""
    url: str
    out: Path
    pos: list[str]
    ids: list[int]
    scan: int | None = None  # the scan task (--scan-since): its orders join pos and ids once it has run
    since: str | None = None
    scan_failed: str | None = None


_GATHERING: ContextVar[list[Queued] | None] = ContextVar("collector_gathering", default=None)


@contextmanager
def gathering() -> Iterator[list[Queued]]:
    """Within it, ``collect_distributed`` queues and returns at once; the caller follows them all."""
    queued: list[Queued] = []
    token = _GATHERING.set(queued)
    try:
        yield queued
    finally:
        _GATHERING.reset(token)


def collect_distributed(settings: CollectorSettings, pos: list[str], out: Path, *, scan_since: str | None,
                        resume: str | None, batch: int, options: dict[str, Any] | None = None) -> int:
    """Queue the orders (``options``: the job options given to collect, sent with every task); with
    ``scan_since`` a scan task too, run by a worker, which queues the orders it finds."""
    if settings.database_url is None:
        raise ConfigError("--distributed needs the database_url setting (the PostgreSQL the workers take tasks from)")
    if resume:
        raise ConfigError("--distributed queues new tasks: --resume JOB resumes a local job (run it with --local); "
                          "a distributed task that failed is retried by the workers, or queue its POs again")
    from collector.cases.postgres import public_location
    from collector.inputs import parse_since
    from collector.queue import enqueue_orders, enqueue_scan, task_options

    given = {k: v for k, v in (options or {}).items() if v is not None}
    given["recapture"] = datetime.now(UTC).isoformat() if given.get("recapture") else None  # bundles from before now
    sent = task_options({k: v for k, v in given.items() if v is not None})
    # the window is fixed here, when asked, not when a worker gets to the scan
    since = parse_since(scan_since, datetime.now(UTC)).isoformat() if scan_since else None
    url = settings.database_url.get_secret_value()
    out.mkdir(parents=True, exist_ok=True)
    ids = enqueue_orders(url, settings.account, out, pos, batch, sent) if pos else []
    who = f" for account {settings.account}" if settings.account else ""
    if pos:
        print(f"{len(pos)} order(s){who} queued as {len(ids)} task(s) at {public_location(url)}", flush=True)
    scan = enqueue_scan(url, settings.account, out, since, batch, sent) if since else None
    if since:
        print(f"a scan for refunds since {since}{who} queued at {public_location(url)} "
              "(a worker scans, then queues the orders it finds)", flush=True)
    queued = Queued(f"{settings.account}: " if settings.account else "", url, out, list(pos), ids, scan, since)
    gathered = _GATHERING.get()
    if gathered is not None:
        gathered.append(queued)
        return EXIT_OK
    return follow_queued([queued])


def _follow_scans(queued: list[Queued], stop: threading.Event) -> None:
    """Wait for the scan tasks; each one's orders join its account's tasks (or it failed)."""
    from collector.queue import follow, scan_tasks

    scans = {q.scan: q for q in queued if q.scan is not None}
    if not scans:
        return

    def told(state: TaskState) -> None:
        again = f" (attempt {state.attempts + 1})" if state.status == "todo" and state.attempts else ""
        print(f"{scans[state.id].label}scan since {scans[state.id].since}: {state.status}{again}", flush=True)

    for state in follow(queued[0].url, list(scans), told, stop):
        q = scans[state.id]
        if state.status != "succeeded":
            q.scan_failed = state.status
            continue
        found = scan_tasks(q.url, state.id)
        q.ids += [t.id for t in found]
        q.pos += [po for t in found for po in t.pos]
        print(f"{q.label}scan since {q.since}: {sum(len(t.pos) for t in found)} order(s) with a refund not bundled "
              f"yet, queued as {len(found)} task(s)", flush=True)


def follow_queued(queued: list[Queued]) -> int:
    """Follow every queued task to its end (one database: the first one's); the totals per account."""
    from collector.queue import follow

    print("waiting for `collector worker` processes (Ctrl-C stops waiting, the tasks stay queued)", flush=True)
    label: dict[int, str] = {}

    def told(state: TaskState) -> None:
        orders = f"{'order' if len(state.pos) == 1 else 'orders'} {', '.join(state.pos)}"
        again = f" (attempt {state.attempts + 1})" if state.status == "todo" and state.attempts else ""
        print(f"{label[state.id]}{orders}: {state.status}{again}", flush=True)

    try:
        _follow_scans(queued, threading.Event())  # first: a scan's orders join its account's tasks
        label.update({task_id: q.label for q in queued for task_id in q.ids})
        final = {s.id: s for s in follow(queued[0].url, [i for q in queued for i in q.ids], told, threading.Event())}
    except KeyboardInterrupt:
        print("stopped waiting: the orders stay queued for the workers", file=sys.stderr)
        return EXIT_FAILED
    code = EXIT_OK
    for q in queued:
        states = [final[i] for i in q.ids if i in final]
        done = sum(len(s.pos) for s in states if s.status == "succeeded")
        failed = [po for s in states if s.status != "succeeded" for po in s.pos]
        print(f"{q.label}{done} of {len(q.pos)} order(s) captured into {q.out}"
              + (f"; failed: {', '.join(failed)}" if failed else "")
              + (f"; the scan since {q.since} {q.scan_failed}" if q.scan_failed else ""))
        index = q.out / "bundles" / "index.html"
        if index.is_file():
            print(f"{q.label}Open {index}")
        code = EXIT_FAILED if failed or q.scan_failed else code
    return code
