"""``collector demo``: collect every Customer Care refund of the embedded mock Seller Center."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from collector.demo import run_demo
from collector.errors import operator_errors
from collector.progress import make_progress
from collector.report import render_report


def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo's bundles (a run-<time> folder inside).")] = Path("demo-output"),
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=16, help="Worker browsers.")] = 3,
    progress: Annotated[str, typer.Option("--progress", help="auto (bar on a terminal), rich or plain.")] = "auto",
) -> None:
    """Start the mock Seller Center, sign in, collect every Customer Care refund, print a summary."""
    with operator_errors():
        result, rows = run_demo(out, concurrency=concurrency, progress=make_progress(progress))
    # Piped output (CI logs) gets a wide table instead of rich's 80-column default.
    console = Console(width=None if sys.stdout.isatty() else 140)
    table = Table(title="Customer Care refunds collected (assessed at the scenario's clock)")
    for column in ("PO", "Refund", "Amount", "Verdict", "Deadline", "Time left"):
        table.add_column(column, no_wrap=column != "Verdict")
    for row in rows:
        table.add_row(row.po, row.transaction_id, row.amount, row.verdict, row.deadline, row.time_left)
    console.print(table)
    render_report(result.report, console)
    if result.index is not None:
        console.print(f"Open {result.index.resolve()}")
    if result.message:
        print(f"error: {result.message}", file=sys.stderr)
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
