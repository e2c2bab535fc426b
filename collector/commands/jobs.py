"""``collector jobs list|show``: the jobs in an output folder and their state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from collector.errors import EXIT_USAGE, fail
from collector.jobs import JOBS_DIR
from collector.journal import Journal

jobs_app = typer.Typer(help="List and inspect collector jobs.", no_args_is_help=True)
OutOption = Annotated[Path, typer.Option("--out", help="The output folder given to `collector collect`.")]


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
    for job_dir in _jobs(out):
        with Journal(job_dir / "journal.sqlite") as journal:
            c = {k.value: v for k, v in journal.counts().items()}
            table.add_row(job_dir.name, str(sum(c.values())), str(c["written"]), str(c["skipped"]), str(c["failed"]),
                          str(c["pending"] + c["running"] + c["captured"]), str(len(journal.refunds())))
    Console().print(table)


@jobs_app.command("show")
def show_job(job_id: str, out: OutOption = Path("out"), as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every order of a job with its state and reason."""
    job_dir = out / JOBS_DIR / job_id
    if not (job_dir / "journal.sqlite").is_file():
        raise fail(f"no job {job_id} in {out / JOBS_DIR}", EXIT_USAGE)
    with Journal(job_dir / "journal.sqlite") as journal:
        orders = journal.orders()
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
