"""``collector jobs list [FOLDER]`` / ``collector jobs show JOB [FOLDER]``: the jobs in an output
folder and their state.

FOLDER is the output folder given to ``collect`` (default ``out``) or ``demo`` (its newest
``run-*``); ``--out FOLDER``, its old name, still works with a warning. A folder with no jobs is
one line, exit 1; a missing folder or a damaged journal, exit 2.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Optional, TypeVar

import typer
from rich.table import Table
from rich.text import Text

from collector.errors import EXIT_FAILED, EXIT_USAGE, fail
from collector.folders import JOBS_DIR, BadPath, NothingHere, locate_output
from collector.journal import Journal, JournalUnreadable
from collector.terminal import Column, fit_table, make_console

jobs_app = typer.Typer(help="List and inspect collector jobs.", no_args_is_help=True)
FolderArg = Annotated[
    Optional[Path],
    typer.Argument(help="The output folder given to `collector collect` or `demo` (default: out).", show_default=False),
]
# Before 0.2 the folder was given as --out; it still works (hidden, with a warning).
OldOutOption = Annotated[Optional[Path], typer.Option("--out", hidden=True)]
T = TypeVar("T")


def _read(job_dir: Path, read: Callable[[Journal], T]) -> T:
    """``read(journal)`` on the job's journal; a damaged one is ``JournalUnreadable`` (naming the file)."""
    path = job_dir / "journal.sqlite"
    try:
        with Journal(path) as journal:
            return read(journal)
    except sqlite3.DatabaseError as exc:  # damage found past the first page
        raise JournalUnreadable(path, exc) from None


def _output_folder(command: str, folder: Path | None, old_out: Path | None) -> Path:
    """The output folder from FOLDER (or the deprecated --out); exits with one line when it is bad."""
    if folder is not None and old_out is not None:
        raise fail(f"give the folder once: `collector jobs {command} FOLDER` (--out is its old name)", EXIT_USAGE)
    if old_out is not None:
        print(f"warning: `--out` is deprecated here: write `collector jobs {command} {old_out}`", file=sys.stderr)
    try:
        out, note = locate_output(folder or old_out or Path("out"))
    except BadPath as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    except NothingHere as exc:
        raise fail(str(exc), EXIT_FAILED) from None
    if note:
        print(f"note: {note}", file=sys.stderr)
    return out


def _jobs(out: Path) -> list[Path]:
    return sorted(p for p in (out / JOBS_DIR).iterdir() if (p / "journal.sqlite").is_file())


@jobs_app.command("list")
def list_jobs(folder: FolderArg = None, old_out: OldOutOption = None) -> None:
    """One line per job: id, orders by state, refunds written."""
    out = _output_folder("list", folder, old_out)
    jobs = _jobs(out)
    if not jobs:
        raise fail(f"no jobs in {out / JOBS_DIR}", EXIT_FAILED)
    table = Table(title=f"Jobs in {out / JOBS_DIR}")
    for column in ("Job", "Orders", "Written", "Skipped", "Failed", "Not done", "Refunds"):
        table.add_column(column)
    unreadable: list[str] = []
    for job_dir in jobs:
        try:
            counts, refunds = _read(job_dir, lambda journal: (journal.counts(), len(journal.refunds())))
        except JournalUnreadable as exc:
            unreadable.append(str(exc))
            continue
        c = {k.value: v for k, v in counts.items()}
        table.add_row(job_dir.name, str(sum(c.values())), str(c["written"]), str(c["skipped"]), str(c["failed"]),
                      str(c["pending"] + c["running"] + c["captured"]), str(refunds))
    make_console().print(table)
    for line in unreadable:  # the other jobs are listed; each damaged journal is named once
        print(f"error: {line}", file=sys.stderr)
    if unreadable:
        raise typer.Exit(EXIT_USAGE)


@jobs_app.command("show")
def show_job(
    job_id: Annotated[str, typer.Argument(help="The job id (see `collector jobs list`).")],
    folder: FolderArg = None,
    old_out: OldOutOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the orders as JSON.")] = False,
) -> None:
    """Every order of a job with its state and reason."""
    out = _output_folder(f"show {job_id}", folder, old_out)
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
    console = make_console()
    columns = (Column("PO"), Column("State"), Column("Attempts"), Column("Refunds"),
               Column("Reason", wrap=True, min_width=20))  # fmt: skip
    rows = [[o.po, o.state.value, str(o.attempts), str(o.refunds), Text(o.reason or "")] for o in orders]
    console.print(fit_table(columns, rows, console.width, title=job_id))


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")
