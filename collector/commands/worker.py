"""``collector worker``: take tasks from the PostgreSQL queue until stopped.

Any number of workers, on any number of machines, share one queue (the ``database_url``
setting); ``collect``, ``watch`` and ``track`` with ``--distributed`` fill it. A task is a batch
of orders of one seller account (run as an ordinary job), a Transactions scan (which queues the
orders it finds) or a tracking pass, each with this machine's settings for that account (its
accounts file, credentials, signing key, mail sources and browser: ``browser_endpoint`` works
here too) and the job options ``collect`` was given. Ctrl-C or SIGTERM lets the
current order finish, then exits 0. Details: collector/queue.py, docs/accounts.md.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from collector.errors import EXIT_USAGE, fail, operator_errors
from collector.settings import CONFIG_ENV, load_settings


def worker(
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file (also used for every task).")] = None,
) -> None:
    """Take tasks (order captures, scans, tracking passes) from the PostgreSQL queue (setting database_url) until stopped."""
    with operator_errors():
        settings = load_settings(config)
        if settings.database_url is None:
            raise fail("no database_url configured: the worker takes its tasks from PostgreSQL "
                       "(COLLECTOR_DATABASE_URL=postgresql://...)", EXIT_USAGE)
        if config is not None:
            os.environ[CONFIG_ENV] = str(config.resolve())  # every task's load_settings reads it too
        from collector.cases.postgres import public_location
        from collector.queue import QUEUE, ensure_schema, serve, worker_name

        url = settings.database_url.get_secret_value()
        ensure_schema(url)  # an unreachable database: one line before anything is announced
        name = worker_name()
        print(f"worker {name}: taking orders from {public_location(url)} (queue {QUEUE}); Ctrl-C to stop",
              file=sys.stderr, flush=True)
        # one order at a time: a job owns the process's log sinks; more at once = more worker processes
        asyncio.run(serve(url, name=name, concurrency=1, stalled_after_s=settings.worker_stalled_after_s,
                          keep_for=settings))  # its browser, checked sessions, Inbox indexes kept between tasks
    print(f"worker {name}: stopped", file=sys.stderr, flush=True)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
