"""``collector status [FOLDER] [--json] [--by week|month] [--now TIME]``: where every refund stands.

FOLDER is an output folder (``collect``'s ``--out``): its newest bundles and its case store
(``collector track``). One table of refunds by state (to review, approved, rejected, filed, in
review, appealed, won, partly won, denied, appeal open until X, appeal denied, window missed, not
disputable) with the deadline that matters next, then the money: charged, disputed, reimbursed,
lost to missed windows, by week or month of issue (``--by``). ``--json`` prints all of it as one
document (money by week and by month, each ending with the total).
Exit 0; 1 when FOLDER holds neither bundles nor tracked cases, or a bundle could not be read
(named on stderr); 2 for usage errors.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from collector.cases.overview import load_overview
from collector.cases.status import money_by_period, state_counts
from collector.errors import EXIT_FAILED, EXIT_USAGE, operator_errors
from collector.folders import absolute
from collector.settings import load_settings
from collector.terminal import Column, fit_table, make_console
from evidence import formatting
from evidence.models import Money
from evidence.policy import parse_instant


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"


STATE_COLUMNS = (
    Column("State", wrap=True, min_width=14),
    Column("Next deadline", wrap=True, split_at=", "),
    Column("Time left", drop=3),
    Column("PO #"),
    Column("Case ID", drop=2),
    Column("Charged", justify="right", drop=1),
    Column("Reimbursed", justify="right", drop=1),
)
MONEY_COLUMNS = (
    Column("Period"), Column("Refunds", justify="right"), Column("Charged", justify="right"),
    Column("Disputed", justify="right"), Column("Reimbursed", justify="right"),
    Column("Lost (missed)", justify="right"),
)


def _usd(value: Decimal | None) -> str:
    return "-" if value is None else formatting.money(Money(amount=value))


def status(
    folder: Annotated[Path, typer.Argument(help="An output folder (collect's --out): bundles/ and .collector/.")] = Path("out"),
    as_json: Annotated[bool, typer.Option("--json", help="Everything as one JSON document.")] = False,
    by: Annotated[Period, typer.Option("--by", help="The table's money by week or by month of issue (--json has both).")] = Period.WEEK,
    now: Annotated[Optional[str], typer.Option("--now", help="As of this ISO 8601 time with offset (default: now).")] = None,
    policy: Annotated[Optional[str], typer.Option("--policy", envvar="COLLECTOR_POLICY_ID",
                                                  help="Policy id for every refund (default: by issue date).")] = None,
) -> None:
    """Refunds by state with their next deadline, and the money charged, disputed, reimbursed and lost."""
    try:
        at = parse_instant(now) if now else datetime.now(UTC)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    out = absolute(folder)
    if not out.is_dir():
        typer.echo(f"error: {out} is not a folder: give collect's output folder (--out)", err=True)
        raise typer.Exit(EXIT_USAGE)
    with operator_errors():
        settings = load_settings()  # the seller's zone when no bundle names it; the policy setting
        overview = load_overview(out, at, policy_id=policy or settings.policy_id, zone=settings.seller_timezone,
                                 settings=settings)  # the PostgreSQL case store with database_url
    for problem in overview.problems:
        typer.echo(f"warning: {problem}", err=True)
    if overview.empty:
        typer.echo(f"error: no bundles and no tracked cases in {out}", err=True)
        raise typer.Exit(EXIT_FAILED)
    zone, rows = overview.zone, overview.rows
    money = money_by_period(rows, zone, by.value)
    if as_json:
        typer.echo(json.dumps({
            "as_of": formatting.iso_utc(at), "zone": zone, "folder": str(out),
            "states": state_counts(rows),
            "refunds": [r.as_json(at, zone) for r in rows],
            "money": {period.value: [m.as_json() for m in money_by_period(rows, zone, period.value)] for period in Period},
        }, indent=2))
    else:
        console = make_console()
        cells = [[r.state_text(zone),
                  (f"{'Appeal' if r.deadline_kind == 'appeal' else 'File'} by {formatting.local_time(r.deadline, zone)}"
                   if r.deadline else "-"),
                  formatting.time_left(r.deadline - at) if r.deadline else "-",
                  r.po, r.case_id or "-", _usd(r.charged), _usd(r.reimbursed) if r.case_id else "-"] for r in rows]
        console.print(fit_table(STATE_COLUMNS, cells, console.width,
                                title=f"Refunds as of {formatting.local_time(at, zone)}"))
        counts = ", ".join(f"{n} {state}" for state, n in state_counts(rows).items() if n)
        console.print(counts)
        console.print(fit_table(MONEY_COLUMNS, [[m.period, str(m.refunds), _usd(m.charged), _usd(m.disputed),
                                                 _usd(m.reimbursed), _usd(m.lost)] for m in money],
                                console.width, title=f"Money by {by.value} of issue"))
        unknown = money[-1].unknown_charges
        if unknown:
            console.print(f"{unknown} tracked case(s) have no bundle in this folder: their charge is not counted.")
    raise typer.Exit(EXIT_FAILED if overview.problems else 0)


def register(app: typer.Typer) -> None:
    app.command("status")(status)
