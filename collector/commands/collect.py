"""``collector collect``: collect evidence bundles for Customer Care refunds (resumable)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from collector.errors import EXIT_USAGE, operator_errors
from collector.inputs import InputBatch, pos_from_cli, read_orders_file, read_recon
from collector.jobs import JobRequest, run_job
from collector.progress import make_progress
from collector.report import render_report
from collector.settings import load_settings


def collect(
    po: Annotated[list[str] | None, typer.Option("--po", help="A PO number (repeat for several).")] = None,
    orders: Annotated[Path | None, typer.Option("--orders", help="File with one PO per line, or a CSV with a PO column.")] = None,
    recon: Annotated[Path | None, typer.Option("--recon", help="Reconciliation report (legacy or V1): its Customer Care refund rows.")] = None,
    scan_since: Annotated[str | None, typer.Option("--scan-since", help="Walk Transactions for Customer Care refunds since then (48h, 3d, or a time).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the bundles, index.html and jobs/.")] = Path("out"),
    concurrency: Annotated[int | None, typer.Option("--concurrency", min=1, max=16, help="Worker browsers.")] = None,
    layout: Annotated[str | None, typer.Option("--layout", help="auto, payments-2022, transactions-2024 or returns.")] = None,
    trace: Annotated[str | None, typer.Option("--trace", help="Playwright traces: off, on, retain-on-failure.")] = None,
    max_rpm: Annotated[float | None, typer.Option("--max-requests-per-minute", help="Navigations + actions a minute, all workers together.")] = None,
    resume: Annotated[str | None, typer.Option("--resume", help="Resume the job with this id (see `collector jobs list`).")] = None,
    recapture: Annotated[bool, typer.Option("--recapture", help="Capture refunds again (a new bundle version) even when --out already has their bundle.")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file.")] = None,
    progress: Annotated[str, typer.Option("--progress", help="auto (bar on a terminal), rich or plain.")] = "auto",
) -> None:
    """Collect evidence for Walmart Customer Care refunds: one bundle per refund, resumable."""
    with operator_errors():
        settings = load_settings(
            config, concurrency=concurrency, layout=layout, trace=trace, max_requests_per_minute=max_rpm
        )
        batch = InputBatch(source="inputs")
        if po:
            batch.extend(pos_from_cli(po))
        for path, reader in ((orders, read_orders_file), (recon, read_recon)):
            if path is not None:
                part = reader(path)
                for line in part.skipped_summary():
                    print(f"warning: {line}", file=sys.stderr)
                batch.extend(part)
        if not batch.pos and not scan_since and not resume:
            print("error: nothing to collect: give --po, --orders, --recon or --scan-since (or --resume JOB)", file=sys.stderr)
            raise typer.Exit(EXIT_USAGE)
        result = run_job(settings, JobRequest(orders=batch, scan_since=scan_since, resume=resume, recapture=recapture), out,
                         progress=make_progress(progress))
    console = Console(width=None if sys.stdout.isatty() else 140)
    render_report(result.report, console)
    if result.index is not None:
        console.print(f"Open {result.index}")
    console.print(f"Job folder: {result.job_dir} (report.json, job.log.jsonl)")
    if result.message:
        print(f"error: {result.message}", file=sys.stderr)
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("collect")(collect)
