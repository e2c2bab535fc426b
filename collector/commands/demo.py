"""``collector demo``: collect every Customer Care refund of the embedded mock Seller Center."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from collector.demo import run_demo
from collector.errors import operator_errors
from collector.folders import absolute
from collector.progress import ProgressMode, make_progress
from collector.settings import load_settings
from collector.signing import signing_key_or_error
from collector.report import render_refunds, render_report
from collector.terminal import make_console, print_line


def demo(
    out: Annotated[Path, typer.Option("--out", help="Output folder (a run-<time> folder inside, holding bundles/ and jobs/).")] = Path("demo-output"),
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=16, help="Worker browsers.")] = 3,
    progress: Annotated[ProgressMode, typer.Option("--progress", help="auto: a bar on a terminal; rich: the bar; plain: one line per order.")] = "auto",
    key: Annotated[Path | None, typer.Option("--key", help="Private key to sign every bundle (default: the signing_key setting).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file (only signing_key is read).")] = None,
) -> None:
    """Start the mock Seller Center, sign in, collect every Customer Care refund, print a summary."""
    with operator_errors():
        key_path = absolute(key) if key else load_settings(config).signing_key
        signing_key_or_error(key_path)  # a bad key stops here, before the mock starts
        result, rows = run_demo(
            absolute(out), concurrency=concurrency, progress=make_progress(progress), signing_key=key_path
        )
    console = make_console()
    render_refunds(rows, console, "Customer Care refunds collected (assessed at the scenario's clock)")
    render_report(result.report, console)
    if result.index is not None:
        print_line(console, f"Open {result.index}")
    print_line(console, f"Job folder: {result.job_dir} (report.json, job.log.jsonl)")
    if result.message:
        print(f"error: {result.message}", file=sys.stderr)
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
