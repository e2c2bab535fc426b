"""``collector deadlines DIR [--format table|csv|ics] [--out FILE] [--now TIME] [--policy ID]``.

Lists the refunds in a folder of bundles (or one bundle) that can still be disputed, or whose
denied dispute can still be appealed, soonest deadline first: a table, CSV (header row) or an
iCalendar file (one event with a reminder per deadline). Each refund is assessed afresh under
its policy as of ``--now``; nothing is written into the bundles. Only the newest version of a
refund's bundle counts. Exit 0; 1 when some bundle in DIR could not be read (it is named);
2 for usage errors (unknown policy id, unreadable --now, DIR not a bundle or folder of bundles).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from evidence.bundle import BundleError, read_bundle
from evidence.bundle.index import bundle_folders
from evidence.bundle.layout import bundle_key
from evidence.bundle.verify import is_bundle_dir
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


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    ICS = "ics"


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _latest_cases(folder: Path) -> tuple[list[tuple[str, RefundCase]], list[str]]:
    """The newest bundle of each refund, and one line per bundle that could not be read."""
    paths = [folder] if is_bundle_dir(folder) else bundle_folders(folder)
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


def _table(rows: list[DeadlineEntry], now: datetime) -> Table:
    table = Table(title=f"Open dispute deadlines as of {now:%Y-%m-%d %H:%M} UTC")
    for column in (
        "Time left",
        "Deadline (seller time)",
        "Kind",
        "PO #",
        "Transaction",
        "Amount",
        "Verdict",
        "Policy",
        "Bundle",
    ):
        table.add_column(column, no_wrap=column in ("PO #", "Transaction"))
    for r in rows:
        table.add_row(
            r.time_left_text,
            r.deadline_local,
            r.kind,
            r.po,
            r.transaction_id,
            r.amount,
            r.verdict,
            r.policy_id,
            Path(r.bundle).name,
        )
    return table


def deadlines(
    folder: Annotated[Path, typer.Argument(help="A folder of bundles, or one bundle folder.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or ics.")] = OutputFormat.TABLE,
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
    if not folder.is_dir() or not (is_bundle_dir(folder) or bundle_folders(folder)):
        raise _usage(f"not a bundle or a folder of bundles: {folder}")
    cases, problems = _latest_cases(folder)

    def policy_for(case: RefundCase) -> Policy:
        return registry.select(policy_id=policy, issued_at=case.refund.issued_at, timezone=case.seller.timezone)

    try:
        rows = open_deadlines(cases, policy_for, at)
    except (PolicyError, ValueError) as exc:
        raise _usage(str(exc)) from None
    for problem in problems:
        typer.echo(f"warning: {problem}", err=True)
    if output is OutputFormat.TABLE:
        if out is None:
            Console().print(_table(rows, at))
        else:
            with out.open("w", encoding="utf-8") as handle:
                Console(file=handle, width=200, no_color=True).print(_table(rows, at))
    else:
        text = to_csv(rows) if output is OutputFormat.CSV else to_ics(rows, at)
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
