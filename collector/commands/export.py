"""``collector export PATH... --out DIR [--redact] [--single ARCHIVE.zip]``: deterministic zips.

PATH is a bundle folder, a folder of bundles or an output folder (``collect``'s, ``demo``'s).
Exit 0 when every archive was written, 1 when a bundle fails verification (nothing is exported
then) or a PATH holds no bundles, 2 for usage errors.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from collector.commands._bundles import bundles_or_exit
from collector.folders import absolute
from evidence.bundle import (
    BundleError,
    BundleIntegrityError,
    export_bundles,
    load_signing_key,
    read_bundle,
    verify_path,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def export(
    paths: Annotated[list[Path], typer.Argument(help="Bundles, folders of bundles, or output folders (collect, demo).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder for the archives.")],
    redact: Annotated[
        bool, typer.Option("--redact", help="Mask customer name, address and e-mail (see docs/bundle-format.md).")
    ] = False,
    single: Annotated[
        Optional[str], typer.Option("--single", help="One archive (a file name ending in .zip) for all bundles.")
    ] = None,
    key: Annotated[
        Optional[Path], typer.Option("--key", help="Private key to sign a redacted copy's new manifest.")
    ] = None,
    actor: Annotated[Optional[str], typer.Option("--actor", help="Who exports (recorded in the custody log).")] = None,
) -> None:
    """Export bundles as deterministic zip archives that `collector verify` checks as they are."""
    bundles: list[Path] = []
    for path in paths:
        source = bundles_or_exit(path)
        bundles.extend(source.bundles)
    out = absolute(out)
    try:
        signing_key = load_signing_key(key) if key else None
        written = export_bundles(
            bundles, out, actor=actor or os.environ.get("COLLECTOR_OPERATOR") or getpass.getuser(),
            redact=redact, single=single, signing_key=signing_key, clock=_clock(),
        )  # fmt: skip
    except BundleIntegrityError as exc:
        typer.echo(f"error: not exported: {exc.path} fails verification:", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem.code}  {problem.path}  {problem.message}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    except BundleError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    for archive in written:
        status = "verified" if verify_path(archive).ok else "WRITTEN BUT DOES NOT VERIFY"
        typer.echo(f"{archive} ({archive.stat().st_size} bytes, {status})")
    if redact:
        for line in _archives_left_out(bundles):
            typer.echo(line)


def _archives_left_out(bundles: list[Path]) -> list[str]:
    """A redacted copy leaves web archives out (their recorded pages and API answers hold the
    customer's name and address in forms the text masking cannot promise to find): say so."""
    lines = []
    for bundle in bundles:
        try:
            listed = read_bundle(bundle).files("captures/")
        except (BundleError, OSError, ValueError):
            continue
        for path in (p for p in listed if p.endswith(".wacz")):
            lines.append(f"note: {bundle.name}: {path} left out of the redacted copy (a web archive is not masked; "
                         "its hash stays in the manifest's redaction.withheld)")
    return lines


def _clock() -> Callable[[], datetime]:
    """The export time: now, or ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) when set.

    The time goes into the copy's "exported" custody entry; with it fixed, exporting the same
    bundle again gives the same bytes.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return lambda: datetime.now(UTC)
    try:
        fixed = datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        typer.echo(f"error: SOURCE_DATE_EPOCH must be whole seconds since 1970, not {epoch!r}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    return lambda: fixed


def register(app: typer.Typer) -> None:
    app.command("export")(export)
