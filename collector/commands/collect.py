"""``collector collect``: collect evidence bundles for Customer Care refunds (resumable)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from collector.commands._accounts import for_each_account
from collector.commands._distributed import collect_distributed, follow_queued, gathering
from collector.errors import EXIT_USAGE, ConfigError, operator_errors
from collector.folders import absolute
from collector.inputs import InputBatch, pos_from_cli, read_orders_file, read_recon
from collector.jobs import JobRequest, run_job
from collector.progress import ProgressMode, make_progress
from collector.report import refund_rows, render_refunds, render_report
from collector.settings import LayoutChoice, TraceMode, load_settings
from collector.signing import signing_key_or_error
from collector.terminal import make_console, print_line


def collect(
    ctx: typer.Context,
    po: Annotated[list[str] | None, typer.Option("--po", help="A PO number (repeat for several).")] = None,
    orders: Annotated[Path | None, typer.Option("--orders", help="File with one PO per line, or a CSV with a PO column.")] = None,
    recon: Annotated[Path | None, typer.Option("--recon", help="Reconciliation report (legacy or V1): its Customer Care refund rows.")] = None,
    scan_since: Annotated[str | None, typer.Option("--scan-since", help="Walk Transactions for Customer Care refunds since then (48h, 3d, or a time).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder: bundles/ (with index.html), jobs/.")] = Path("out"),
    concurrency: Annotated[int | None, typer.Option("--concurrency", min=1, max=16, help="Worker browsers.")] = None,
    layout: Annotated[LayoutChoice | None, typer.Option("--layout", help="Which screens to read refunds from (default: auto, looked up once per job).")] = None,
    trace: Annotated[TraceMode | None, typer.Option("--trace", help="Playwright traces: on (one per order, in its bundle), retain-on-failure (kept for failed orders only), off (default).")] = None,
    archive: Annotated[bool | None, typer.Option("--archive/--no-archive", help="A scrubbed web archive (WACZ) of the screens in every bundle, for `collector replay` (default: on; setting `archive`).")] = None,
    max_rpm: Annotated[float | None, typer.Option("--max-requests-per-minute", help="Page and API requests the browsers send to Seller Center a minute, all workers together (static files not counted).")] = None,
    resume: Annotated[str | None, typer.Option("--resume", help="Resume the job with this id (see `collector jobs list`).")] = None,
    recapture: Annotated[bool, typer.Option("--recapture", help="Capture refunds again (a new bundle version) even when --out already has their bundle.")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file.")] = None,
    progress: Annotated[ProgressMode, typer.Option("--progress", help="auto: a bar on a terminal; rich: the bar; plain: one line per order.")] = "auto",
    key: Annotated[Path | None, typer.Option("--key", help="Private key to sign every bundle (default: the signing_key setting).")] = None,
    distributed: Annotated[bool | None, typer.Option("--distributed/--local", help="Queue the orders (with --scan-since: a scan, on a worker) as tasks for `collector worker` processes and follow them; the job options given here travel with the tasks, --key and credentials do not (needs database_url; setting `distributed`).")] = None,
    batch_size: Annotated[int, typer.Option("--batch", min=1, max=1000, help="With --distributed: orders per task (one job each).")] = 5,
    all_accounts: Annotated[bool, typer.Option("--all-accounts", help="Every seller account of the accounts file in turn, each into its own output folder (docs/accounts.md).")] = False,
) -> None:
    """Collect evidence for Walmart Customer Care refunds: one bundle per refund, resumable."""
    if all_accounts:
        with gathering() as queued:  # distributed: every account's tasks queued first, then followed together
            code = for_each_account(ctx, config, lambda account: collect(
                ctx, po=po, orders=orders, recon=recon, scan_since=scan_since, out=account.out_dir, concurrency=concurrency,
                layout=layout, trace=trace, archive=archive, max_rpm=max_rpm, resume=resume, recapture=recapture,
                config=config, progress=progress, key=key, distributed=distributed, batch_size=batch_size,
                all_accounts=False))
        raise typer.Exit(max(code, follow_queued(queued)) if queued else code)
    with operator_errors():
        settings = load_settings(
            config, concurrency=concurrency, layout=layout, trace=trace, max_requests_per_minute=max_rpm, archive=archive,
            signing_key=absolute(key) if key else None, distributed=distributed,
        )
        if settings.distributed and key is not None:
            raise ConfigError("--key does not travel with the tasks: the workers sign with their own signing_key "
                              "setting (docs/scaling.md)")
        signing_key_or_error(settings.signing_key)  # a bad key stops here, before anything is collected
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
        if settings.distributed:
            job_options = {"layout": layout, "trace": trace, "archive": archive, "concurrency": concurrency,
                           "max_requests_per_minute": max_rpm, "recapture": recapture}  # sent with every task
            raise typer.Exit(collect_distributed(settings, batch.pos, absolute(out), scan_since=scan_since, resume=resume,
                                                 batch=batch_size, options=job_options))
        # Absolute from here on: the paths printed and those in report.json read the same from anywhere.
        result = run_job(settings, JobRequest(orders=batch, scan_since=scan_since, resume=resume, recapture=recapture),
                         absolute(out), progress=make_progress(progress))
    console = make_console()
    rows = refund_rows(result.report, settings.seller_timezone, datetime.now(UTC))
    render_refunds(rows, console, "Customer Care refunds collected")
    render_report(result.report, console)
    if result.index is not None:
        print_line(console, f"Open {result.index}")
    print_line(console, f"Job folder: {result.job_dir} (report.json, job.log.jsonl)")
    if result.message:
        print(f"error: {result.message}", file=sys.stderr)
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("collect")(collect)
