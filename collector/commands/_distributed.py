"""``collect --distributed``: the orders as tasks for ``collector worker`` processes (collector/queue.py),
followed to the end here: one line per change of a task, then the totals; exit 0 when every
order succeeded, 1 when any failed (after its retries)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from collector.errors import EXIT_FAILED, EXIT_OK, ConfigError
from collector.settings import CollectorSettings

if TYPE_CHECKING:  # pragma: no cover - psycopg and procrastinate only when distributing
    from collector.queue import TaskState


def collect_distributed(settings: CollectorSettings, pos: list[str], out: Path, *, scan_since: str | None,
                        resume: str | None, batch: int) -> int:
    if settings.database_url is None:
        raise ConfigError("--distributed needs the database_url setting (the PostgreSQL the workers take tasks from)")
    if scan_since or resume:
        raise ConfigError("--distributed takes POs (--po, --orders, --recon): a --scan-since or --resume job runs locally")
    from collector.cases.postgres import public_location
    from collector.queue import enqueue_orders, follow

    url = settings.database_url.get_secret_value()
    out.mkdir(parents=True, exist_ok=True)
    ids = enqueue_orders(url, settings.account, out, pos, batch)
    who = f" for account {settings.account}" if settings.account else ""
    print(f"{len(pos)} order(s){who} queued as {len(ids)} task(s) at {public_location(url)}; waiting for "
          "`collector worker` processes (Ctrl-C stops waiting, the tasks stay queued)", flush=True)

    def told(state: TaskState) -> None:
        orders = f"{'order' if len(state.pos) == 1 else 'orders'} {', '.join(state.pos)}"
        again = f" (attempt {state.attempts + 1})" if state.status == "todo" and state.attempts else ""
        print(f"{orders}: {state.status}{again}", flush=True)

    try:
        final = follow(url, ids, told, threading.Event())
    except KeyboardInterrupt:
        print("stopped waiting: the orders stay queued for the workers", file=sys.stderr)
        return EXIT_FAILED
    done = sum(len(s.pos) for s in final if s.status == "succeeded")
    failed = [po for s in final if s.status != "succeeded" for po in s.pos]
    print(f"{done} of {len(pos)} order(s) captured into {out}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    index = out / "bundles" / "index.html"
    if index.is_file():
        print(f"Open {index}")
    return EXIT_FAILED if failed else EXIT_OK
