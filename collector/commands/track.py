"""``collector track [--out DIR]``: follow every dispute on Seller Center to its outcome.

Reads the Disputes dashboard (every page) and the case page of each case the store does not
hold as final, matches cases to the bundles in DIR (transaction id, case id, PO), and records
every status change with its time in DIR's case store (``.collector/cases.sqlite``, or the
PostgreSQL database of the ``database_url`` setting). A denial's
appeal deadline is counted from the recorded decision. Bundles are not re-sealed: the case id and
the store go into the bundle's custody log (a ``filed`` entry), the bundle's path into the store.
Exit 0; 2 for settings or sign-in problems (one line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from collector.cases import open_store
from collector.cases.track import track as run_track
from collector.commands._accounts import for_each_account
from collector.errors import operator_errors
from collector.folders import absolute
from collector.settings import load_settings
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
) -> None:
    """Track disputes on Seller Center: record each case's status changes in the case store."""
    if all_accounts:
        raise typer.Exit(for_each_account(ctx, config, lambda account: track(
            ctx, out=account.out_dir, config=config, as_json=as_json, all_accounts=False)))
    with operator_errors():
        settings = load_settings(config)
        folder = absolute(out)
        folder.mkdir(parents=True, exist_ok=True)
        with open_store(folder, settings) as store:
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


def register(app: typer.Typer) -> None:
    app.command("track")(track)
