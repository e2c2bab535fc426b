"""``collector deadlines DIR [--format table|csv|ics] [--out FILE] [--now TIME] [--policy ID]``.

Lists the refunds in DIR (a folder of bundles, an output folder of ``collect`` or ``demo``, or
one bundle) that can still be disputed, or whose denied dispute can still be appealed, soonest
deadline first: a table that fits the terminal (narrow ones drop the low-value columns), CSV
(header row) or an iCalendar file (one event with a reminder per deadline). Each refund is
assessed afresh under its policy as of ``--now``; nothing is written into the bundles. Only the
newest version of a refund's bundle counts. A refund filed since it was collected (a ``filed``
custody entry, or a case in the output folder's case store, ``collector track``) is left out, and
an appeal window a tracked denial opened is listed. In the iCalendar file, every deadline filed or
closed since comes back with its same UID and ``STATUS:CANCELLED`` (``collector.cases.calendar``). Exit 0; 1 when some bundle in DIR could not be read
(it is named) or DIR holds no bundles; 2 for usage errors (unknown policy id, unreadable --now,
DIR missing).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from collector.cases.calendar import calendar_entries, rows_for_bundles, still_open
from collector.commands._bundles import bundles_or_exit
from collector.folders import absolute
from collector.terminal import Column, fit_table, make_console
from evidence import formatting
from evidence.bundle import BundleError, read_bundle
from evidence.bundle.layout import bundle_key
from evidence.models import RefundCase
from evidence.policy import (
    DeadlineEntry,
    Policy,
    PolicyError,
    default_registry,
    open_deadlines,
    parse_instant,
    to_csv,
    to_ics,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
FILE_WIDTH = 200  # a table written with --out: every column


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    ICS = "ics"


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _latest_cases(paths: list[Path]) -> tuple[list[tuple[str, RefundCase]], list[str]]:
    """The newest bundle of each refund, and one line per bundle that could not be read."""
    newest: dict[str, tuple[int, str, RefundCase]] = {}
    problems: list[str] = []
    for path in paths:
        try:
            bundle = read_bundle(path)
        except BundleError as exc:
            problems.append(f"skipped {path}: {exc}")
            continue
        key = bundle_key(bundle.case.po, bundle.case.refund_transaction_id)
        if key not in newest or bundle.manifest.version > newest[key][0]:
            newest[key] = (bundle.manifest.version, str(path), bundle.case)
    return [(path, case) for _, path, case in newest.values()], problems


# Narrow terminals drop the last columns first (Bundle, then Policy, Transaction, Kind, Amount);
# a time, a deadline, a PO and a verdict are always shown whole (the deadline may take two lines).
COLUMNS = (
    Column("Time left"),
    Column("Deadline (seller time)", wrap=True, split_at=", "),
    Column("Kind", drop=2),
    Column("PO #"),
    Column("Transaction", drop=3),
    Column("Amount", drop=1, justify="right"),
    Column("Verdict"),
    Column("Policy", drop=4),
    Column("Bundle", drop=5, wrap=True, min_width=12),
)


def zone_of(cases: list[tuple[str, RefundCase]]) -> str:
    zones = {case.seller.timezone for _, case in cases}
    return zones.pop() if len(zones) == 1 else "UTC"


def _table(rows: list[DeadlineEntry], now: datetime, zone: str, width: int) -> Table:
    cells = [
        [
            r.time_left_text,
            r.deadline_local,
            r.kind,
            r.po,
            r.transaction_id,
            r.amount,
            r.verdict.replace("_", " "),
            r.policy_id,
            Path(r.bundle).name,
        ]
        for r in rows
    ]
    return fit_table(COLUMNS, cells, width, title=f"Open dispute deadlines as of {formatting.local_time(now, zone)}")


def deadlines(
    folder: Annotated[
        Path, typer.Argument(help="A folder of bundles, an output folder (collect, demo), or one bundle.")
    ],
    output: Annotated[
        OutputFormat, typer.Option("--format", help="A table for the terminal, CSV, or an iCalendar file.")
    ] = OutputFormat.TABLE,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write to this file instead of the terminal.")] = None,
    now: Annotated[
        Optional[str], typer.Option("--now", help="As of this ISO 8601 time with offset (default: now).")
    ] = None,
    policy: Annotated[
        Optional[str],
        typer.Option(
            "--policy", envvar="COLLECTOR_POLICY_ID", help="Policy id for every refund (default: by issue date)."
        ),
    ] = None,
) -> None:
    """List open refunds by time left to dispute (or appeal), as a table, CSV or iCalendar."""
    try:
        at = parse_instant(now) if now else datetime.now(UTC)
    except ValueError as exc:
        raise _usage(str(exc)) from None
    registry = default_registry()
    if policy:
        try:
            registry.get(policy)
        except PolicyError as exc:
            raise _usage(str(exc)) from None
    source = bundles_or_exit(folder)
    cases, problems = _latest_cases(source.bundles)

    def policy_for(case: RefundCase) -> Policy:
        return registry.select(policy_id=policy, issued_at=case.refund.issued_at, timezone=case.seller.timezone)

    try:
        rows = open_deadlines(cases, policy_for, at)
        # what was filed or decided since collection (custody log, case store) leaves the list
        tracked = rows_for_bundles([Path(p) for p, _ in cases], source.folder, at, policy)
    except (PolicyError, ValueError) as exc:
        raise _usage(str(exc)) from None
    opened, cancelled = calendar_entries(tracked, at, zone_of(cases))
    listed = {(r.po, r.transaction_id, r.kind) for r in rows}
    rows = [r for r in rows if still_open(r, tracked)]
    rows += [e for e in opened if e.kind == "appeal" and (e.po, e.transaction_id, e.kind) not in listed]
    rows.sort(key=lambda r: (r.time_left is None, r.time_left or timedelta(0), r.po))
    for problem in problems:
        typer.echo(f"warning: {problem}", err=True)
    zones = {case.seller.timezone for _, case in cases}
    zone = zones.pop() if len(zones) == 1 else "UTC"  # the seller's zone, as in the Deadline column
    if out is not None:
        out = absolute(out)
    if output is OutputFormat.TABLE:
        if out is None:
            console = make_console()
            console.print(_table(rows, at, zone, console.width))
        else:
            with out.open("w", encoding="utf-8") as handle:
                make_console(file=handle, width=FILE_WIDTH).print(_table(rows, at, zone, FILE_WIDTH))
    else:
        text = to_csv(rows) if output is OutputFormat.CSV else to_ics(rows, at, cancelled=cancelled)
        if out is None:
            typer.echo(text, nl=False)
        else:
            # ics needs its CRLFs byte for byte: no newline translation
            out.write_bytes(text.encode("utf-8"))
    if out is not None:
        typer.echo(f"wrote {len(rows)} deadline(s) to {out}", err=True)
    raise typer.Exit(EXIT_FAILED if problems else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("deadlines")(deadlines)
