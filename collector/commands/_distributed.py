"""``collect --distributed``: the orders as tasks for ``collector worker`` processes (collector/queue.py),
followed to the end here: one line per change of a task, then the totals; exit 0 when every
order succeeded, 1 when any failed (after its retries).

With ``--all-accounts`` every account's tasks are queued first (``gathering``) and followed
together, so the workers work on all accounts at once (each within its own request budget)."""

from __future__ import annotations

import sys
import threading
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
    """Queue the orders (``options``: the job options given to collect, sent with every task)."""
    if settings.database_url is None:
        raise ConfigError("--distributed needs the database_url setting (the PostgreSQL the workers take tasks from)")
    if scan_since or resume:
        raise ConfigError("--distributed takes POs (--po, --orders, --recon): a --scan-since or --resume job runs locally")
    from collector.cases.postgres import public_location
    from collector.queue import enqueue_orders, task_options

    sent = task_options({k: v for k, v in (options or {}).items() if v is not None})
    url = settings.database_url.get_secret_value()
    out.mkdir(parents=True, exist_ok=True)
    ids = enqueue_orders(url, settings.account, out, pos, batch, sent)
    who = f" for account {settings.account}" if settings.account else ""
    print(f"{len(pos)} order(s){who} queued as {len(ids)} task(s) at {public_location(url)}", flush=True)
    queued = Queued(f"{settings.account}: " if settings.account else "", url, out, pos, ids)
    gathered = _GATHERING.get()
    if gathered is not None:
        gathered.append(queued)
        return EXIT_OK
    return follow_queued([queued])


def follow_queued(queued: list[Queued]) -> int:
    """Follow every queued task to its end (one database: the first one's); the totals per account."""
    from collector.queue import follow

    label = {task_id: q.label for q in queued for task_id in q.ids}
    print("waiting for `collector worker` processes (Ctrl-C stops waiting, the tasks stay queued)", flush=True)

    def told(state: TaskState) -> None:
        orders = f"{'order' if len(state.pos) == 1 else 'orders'} {', '.join(state.pos)}"
        again = f" (attempt {state.attempts + 1})" if state.status == "todo" and state.attempts else ""
        print(f"{label[state.id]}{orders}: {state.status}{again}", flush=True)

    try:
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
              + (f"; failed: {', '.join(failed)}" if failed else ""))
        index = q.out / "bundles" / "index.html"
        if index.is_file():
            print(f"{q.label}Open {index}")
        code = EXIT_FAILED if failed else code
    return code
