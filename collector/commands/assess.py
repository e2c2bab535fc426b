"""``collector assess PATH... [--policy ID] [--now TIME] [--dry-run]``: recompute and record an assessment.

PATH is a bundle, a folder of bundles or an output folder (``collect``'s, ``demo``'s); in a
folder, only the newest version of each refund is assessed (a bundle named itself always is).
For each bundle: read the case, pick the policy (``--policy`` / ``COLLECTOR_POLICY_ID``, else the
version in effect on the refund's issue date), run the pure ``assess`` and record the result with
``append_assessment`` (new file, re-sealed manifest, "assessed" in the custody log, new report).
Every bundle is read and every policy chosen before anything is written, so a bad argument
changes nothing. Exit 0 when all were recorded, 1 when a bundle fails verification (it is not
re-sealed) or a folder holds no bundles, 2 for usage errors (unknown policy id, unreadable
--now, a path that is missing or not a readable bundle).
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from collector.commands._bundles import bundles_or_exit
from evidence.bundle import (
    BundleError,
    BundleIntegrityError,
    SigningError,
    append_assessment,
    load_signing_key,
    read_bundle,
)
from evidence import formatting
from evidence.bundle.layout import bundle_key
from evidence.policy import (
    PolicyError,
    assess,
    default_registry,
    parse_instant,
    seller_zone,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _bundle_paths(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(bundles named one by one, bundles found in the folders named); exits on a bad PATH."""
    named: list[Path] = []
    found: list[Path] = []
    for path in paths:
        source = bundles_or_exit(path)
        (named if source.single else found).extend(source.bundles)
    return list(dict.fromkeys(named)), [p for p in dict.fromkeys(found) if p not in named]


def assess_command(
    bundles: Annotated[
        list[Path],
        typer.Argument(help="Bundles, folders of bundles, or output folders (collect, demo): the newest version of each refund."),
    ],
    policy: Annotated[
        Optional[str],
        typer.Option(
            "--policy",
            envvar="COLLECTOR_POLICY_ID",
            help="Policy id (e.g. walmart-cc-2024-11); default: the version in effect on the refund's issue date.",
        ),
    ] = None,
    now: Annotated[
        Optional[str], typer.Option("--now", help="Assess as of this ISO 8601 time with offset (default: now).")
    ] = None,
    key: Annotated[Optional[Path], typer.Option("--key", help="Private key to re-sign the re-sealed manifest.")] = None,
    actor: Annotated[Optional[str], typer.Option("--actor", help="Who assesses (recorded in the custody log).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the assessment; write nothing (no new file, no custody entry).")
    ] = False,
) -> None:
    """Assess refunds under the dispute policy and record the assessment in each bundle.

    An assessment is recorded for good: one made with today's clock on an old bundle records
    its window as closed. Use --dry-run to look first, and --now to assess as of another time."""
    try:
        at = parse_instant(now) if now else datetime.now(UTC)
    except ValueError as exc:
        raise _usage(str(exc)) from None
    registry = default_registry()
    named, found = _bundle_paths(bundles)
    plans = []
    newest: dict[str, int] = {}
    read = []
    for path in [*named, *found]:
        try:
            bundle = read_bundle(path)
        except BundleError as exc:
            raise _usage(f"not a readable bundle: {exc}") from None
        refund = bundle_key(bundle.case.po, bundle.case.refund_transaction_id)
        newest[refund] = max(newest.get(refund, 0), bundle.manifest.version)
        read.append((path, bundle, refund, path in named))
    older = 0
    for path, bundle, refund, was_named in read:
        if not was_named and bundle.manifest.version < newest[refund]:
            older += 1  # a folder's superseded versions are left as they are
            continue
        case = bundle.case
        try:
            chosen = registry.select(policy_id=policy, issued_at=case.refund.issued_at, timezone=case.seller.timezone)
            tz = seller_zone(case.seller.timezone)
        except (PolicyError, ValueError) as exc:
            raise _usage(f"{path}: {exc}") from None
        plans.append((path, case, chosen, tz))
    try:
        signing_key = load_signing_key(key) if key else None
    except SigningError as exc:
        raise _usage(str(exc)) from None
    who = actor or os.environ.get("COLLECTOR_OPERATOR") or getpass.getuser()
    typer.echo(
        f"Assessing as of {at.isoformat(timespec='seconds').replace('+00:00', 'Z')} "
        f"({'--now' if now else 'the current time: pass --now to choose another'})"
        + ("; dry run: nothing is written." if dry_run else ".")
    )
    if older:
        typer.echo(f"({older} older version(s) of these refunds left as they are: name one to assess it.)")
    failed = 0
    for path, case, chosen, tz in plans:
        result = assess(case, chosen, at)
        try:
            if not dry_run:
                append_assessment(path, result, who, signing_key=signing_key)
        except BundleIntegrityError as exc:
            failed += 1
            typer.echo(f"FAIL {path}: not assessed, the bundle fails verification", err=True)
            for problem in exc.problems:
                typer.echo(f"  {problem.code}  {problem.path}  {problem.message}", err=True)
            continue
        # The same words as the report, the index and `deadlines` (evidence.formatting): the
        # deadline that matters next (an open appeal after a denial), in the seller's zone.
        shown = formatting.status(result, at, tz)
        when = f"{shown.label} {shown.deadline} ({shown.time_left})" if shown.kind else shown.label
        typer.echo(f"{shown.verdict:<16} PO {case.po} {case.refund_transaction_id}: {when} [{chosen.id}]  ({path})")
        for reason in result.reasons:
            typer.echo(f"  - {reason}")
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_command)
