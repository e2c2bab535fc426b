"""``collector verify PATH...``: check bundles, folders of bundles and exported zips.

PATH is one bundle, a folder of bundles or of exported zips, an output folder of ``collect``
(its ``bundles/``) or of ``demo`` (its newest ``run-*/bundles``), or one zip. Every problem is
listed (code, path, message), not just the first. Exit 0 when everything passes, 1 when any
check fails or a PATH holds no bundles (one line), 2 for usage errors (a path or the
trusted-keys folder missing).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from collector.folders import NothingHere, BadPath, absolute, locate_bundles
from evidence.bundle import SigningError, VerificationReport, load_trusted_keys, verify_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def verify(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Bundles, folders of bundles or zips, output folders (collect, demo), or .zip files."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
    trusted_keys: Annotated[
        Optional[Path],
        typer.Option("--trusted-keys", help="Folder of trusted *.pub keys: bundles must be signed by one of them."),
    ] = None,
) -> None:
    """Verify evidence bundles: manifest, digest, every file's size and hash, custody chain, signature."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        typer.echo(f"error: no such file or folder: {', '.join(missing)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    trusted = None
    if trusted_keys is not None:
        try:
            trusted = load_trusted_keys(trusted_keys)
        except SigningError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
    reports: list[VerificationReport] = []
    empty = False
    for path in paths:
        try:
            source = locate_bundles(path, archives=True, missing="no such file or folder")
        except BadPath as exc:  # gone since the check above
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
        except NothingHere as exc:
            empty = True
            if as_json:
                reports.append(verify_path(absolute(path), trusted))  # its problem: path.no_bundles
            else:
                typer.echo(f"error: {exc}", err=True)
            continue
        if source.note and not as_json:
            typer.echo(f"note: {source.note}", err=True)
        target = (source.bundles or source.archives)[0] if source.single else source.folder
        reports.append(verify_path(target, trusted))
    if as_json:
        typer.echo(json.dumps({"ok": all(r.ok for r in reports), "paths": [r.as_dict() for r in reports]}, indent=2))
    else:
        for report in reports:
            _print(report)
    ok = not empty and all(report.ok for report in reports)
    raise typer.Exit(EXIT_OK if ok else EXIT_FAILED)


def _print(report: VerificationReport) -> None:
    for problem in report.problems:
        typer.echo(f"FAIL {report.path}\n  {problem.code}  {problem.path}  {problem.message}")
    for bundle in report.bundles:
        label = bundle.name or bundle.location
        if bundle.ok:
            signed = f", signed by {bundle.signer}" if bundle.signer else ", not signed"
            digest = (bundle.manifest_sha256 or "")[:16]
            typer.echo(f"OK   {label}: {bundle.files_checked} files, manifest {digest}{signed}  ({bundle.location})")
            continue
        typer.echo(f"FAIL {label}: {len(bundle.problems)} problem(s)  ({bundle.location})")
        for problem in bundle.problems:
            typer.echo(f"  {problem.code}  {problem.path}  {problem.message}")
    total = len(report.bundles)
    failed = sum(not bundle.ok for bundle in report.bundles)
    typer.echo(f"{report.path}: {total - failed} of {total} bundle(s) verified" + ("" if report.ok else ", FAILED"))


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
