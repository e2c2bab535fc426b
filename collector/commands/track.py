"""``collector track [--out DIR]``: follow every dispute on Seller Center to its outcome.

Reads the Disputes dashboard (every page) and the case page of each case the store does not
hold as final, matches cases to the bundles in DIR (transaction id, case id, PO), and records
every status change with its time in DIR's case store (``.collector/cases.sqlite``, or the
PostgreSQL database of the ``database_url`` setting). A denial's
appeal deadline is counted from the recorded decision. Bundles are not re-sealed: the case id and
the store go into the bundle's custody log (a ``filed`` entry), the bundle's path into the store.
Exit 0; 2 for settings or sign-in problems (one line).

With ``distributed`` (``--distributed``, and ``database_url``) the pass runs as a task on a
``collector worker`` (its session and browser; collector/queue.py ``track_disputes``) and this
command waits for it, then prints the same; a pass that failed on the worker (after its retries)
is one line with the worker's reason, exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from collector.cases import open_store
from collector.cases.track import TrackResult, track as run_track
from collector.commands._accounts import for_each_account
from collector.errors import CollectorError, ConfigError, operator_errors
from collector.folders import absolute
from collector.settings import CollectorSettings, load_settings
from collector.terminal import Column, fit_table, make_console, print_line
from evidence import formatting
from evidence.models import Money

COLUMNS = (Column("Case ID"), Column("PO #"), Column("Status"), Column("Since", wrap=True, split_at=", "),
           Column("Reimbursed", justify="right", drop=1), Column("Bundle", drop=2, wrap=True, min_width=12))


def track(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Output folder: its bundles/ and .collector/cases.sqlite.")] = Path("out"),
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The changes recorded, as JSON.")] = False,
    all_accounts: Annotated[bool, typer.Option("--all-accounts", help="Every seller account of the accounts file in turn, each in its own output folder (docs/accounts.md).")] = False,
    distributed: Annotated[bool | None, typer.Option("--distributed/--local", help="Run the pass as a task on a `collector worker` (its session and browser) and wait for it (needs database_url; setting `distributed`).")] = None,
) -> None:
    """Track disputes on Seller Center: record each case's status changes in the case store."""
    if all_accounts:
        raise typer.Exit(for_each_account(ctx, config, lambda account: track(
            ctx, out=account.out_dir, config=config, as_json=as_json, all_accounts=False, distributed=distributed)))
    with operator_errors():
        settings = load_settings(config, distributed=distributed)
        folder = absolute(out)
        folder.mkdir(parents=True, exist_ok=True)
        if settings.distributed:
            result = _track_on_a_worker(settings, folder)
        with open_store(folder, settings) as store:
            if not settings.distributed:
                result = run_track(settings, folder, store)
            cases = store.cases()
    zone = settings.seller_timezone
    if as_json:
        typer.echo(json.dumps({
            "cases": result.cases, "case_pages_read": result.pages_read,
            "changes": [{"case_id": c.case_id, "status": c.status.value, "at": formatting.iso_utc(c.at),
                         "amount_reimbursed": str(c.amount_reimbursed) if c.amount_reimbursed is not None else None}
                        for c in result.changes],
            "linked": [{"case_id": c, "bundle": b} for c, b in result.linked],
            "unmatched": result.unmatched,
        }, indent=2))
        return
    console = make_console()
    since = {}
    with open_store(folder, settings) as store:
        for change in store.changes():
            since[change.case_id] = change.at
    rows = [[c.case_id, c.po, c.status.value, formatting.local_time(since.get(c.case_id, c.submitted_at), zone),
             formatting.money(Money(amount=c.amount_reimbursed)) if c.amount_reimbursed is not None else "-",
             Path(c.bundle).name if c.bundle else "(no bundle)"] for c in cases]
    console.print(fit_table(COLUMNS, rows, console.width, title=f"Disputes tracked in {folder}"))
    print_line(console, f"{result.cases} case(s) on Seller Center, {result.pages_read} case page(s) read, "
                        f"{len(result.changes)} change(s) recorded, {len(result.unmatched)} without a bundle.")


def _track_on_a_worker(settings: CollectorSettings, folder: Path) -> TrackResult:
    """The pass as a task (collector/queue.py ``track_disputes``), followed here: its result."""
    if settings.database_url is None:
        raise ConfigError("--distributed needs the database_url setting (the PostgreSQL the workers take tasks from)")
    import threading

    from collector.cases.postgres import public_location
    from collector.cases.track_result import result_from_dict
    from collector.queue import run_track as run_track_task

    url = settings.database_url.get_secret_value()
    who = f" for account {settings.account}" if settings.account else ""
    typer.echo(f"tracking{who} queued as a task at {public_location(url)}; waiting for a `collector worker` "
               "(Ctrl-C stops waiting, the task stays queued)", err=True)
    try:  # a failed pass (after its retries): OrderFailed, one line with the worker's reason, exit 1
        return result_from_dict(run_track_task(url, settings.account, folder, threading.Event()))
    except KeyboardInterrupt:
        raise CollectorError("stopped waiting: the tracking task stays queued for the workers") from None


def register(app: typer.Typer) -> None:
    app.command("track")(track)
