"""``collector jobs list|show``: the jobs in an output folder and their state."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from collector.errors import EXIT_USAGE, fail
from collector.jobs import JOBS_DIR
from collector.journal import Journal, JournalUnreadable

jobs_app = typer.Typer(help="List and inspect collector jobs.", no_args_is_help=True)
OutOption = Annotated[Path, typer.Option("--out", help="The output folder given to `collector collect`.")]
T = TypeVar("T")


def _read(job_dir: Path, read: Callable[[Journal], T]) -> T:
    """``read(journal)`` on the job's journal; a damaged one is ``JournalUnreadable`` (naming the file)."""
    path = job_dir / "journal.sqlite"
    try:
        with Journal(path) as journal:
            return read(journal)
    except sqlite3.DatabaseError as exc:  # damage found past the first page
        raise JournalUnreadable(path, exc) from None


def _jobs(out: Path) -> list[Path]:
    folder = out / JOBS_DIR
    if not folder.is_dir():
        raise fail(f"no jobs in {out} (no {folder} folder)", EXIT_USAGE)
    return sorted(p for p in folder.iterdir() if (p / "journal.sqlite").is_file())


@jobs_app.command("list")
def list_jobs(out: OutOption = Path("out")) -> None:
    """One line per job: id, orders by state, refunds written."""
    table = Table()
    for column in ("Job", "Orders", "Written", "Skipped", "Failed", "Not done", "Refunds"):
        table.add_column(column)
    unreadable: list[str] = []
    for job_dir in _jobs(out):
        try:
            counts, refunds = _read(job_dir, lambda journal: (journal.counts(), len(journal.refunds())))
        except JournalUnreadable as exc:
            unreadable.append(str(exc))
            continue
        c = {k.value: v for k, v in counts.items()}
        table.add_row(job_dir.name, str(sum(c.values())), str(c["written"]), str(c["skipped"]), str(c["failed"]),
                      str(c["pending"] + c["running"] + c["captured"]), str(refunds))
    Console().print(table)
    for line in unreadable:  # the other jobs are listed; each damaged journal is named once
        print(f"error: {line}", file=sys.stderr)
    if unreadable:
        raise typer.Exit(EXIT_USAGE)


@jobs_app.command("show")
def show_job(job_id: str, out: OutOption = Path("out"), as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every order of a job with its state and reason."""
    job_dir = out / JOBS_DIR / job_id
    if not (job_dir / "journal.sqlite").is_file():
        raise fail(f"no job {job_id} in {out / JOBS_DIR}", EXIT_USAGE)
    try:
        orders = _read(job_dir, lambda journal: journal.orders())
    except JournalUnreadable as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    if as_json:
        print(json.dumps([{"po": o.po, "state": o.state.value, "attempts": o.attempts, "reason": o.reason,
                           "refunds": o.refunds} for o in orders], indent=2))
        return
    table = Table(title=job_id)
    for column in ("PO", "State", "Attempts", "Refunds", "Reason"):
        table.add_column(column)
    for o in orders:
        table.add_row(o.po, o.state.value, str(o.attempts), str(o.refunds), o.reason or "")
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")
