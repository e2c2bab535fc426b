"""``collector packet BUNDLE [--json]``: the filing packet of an approved refund.

The dispute form's reason, the description, the files to attach in order, the steps and the
Seller Center URLs. Printed for an approval of the bundle's current evidence (exit 0); otherwise
the proposal is printed with why it cannot be filed yet (exit 1). Exit 2 for a bad BUNDLE.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from collector.commands._bundles import bundles_or_exit
from collector.errors import EXIT_FAILED, EXIT_USAGE
from evidence.bundle import BundleError, read_bundle
from evidence.review import build_packet


def packet(
    bundle: Annotated[Path, typer.Argument(help="One bundle folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the packet as JSON.")] = False,
) -> None:
    """Print what to paste into the dispute form and where the form is, for an approved refund."""
    source = bundles_or_exit(bundle)
    if not source.single:
        typer.echo(f"error: {bundle} is a folder of bundles; name one bundle", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        built = build_packet(read_bundle(source.bundles[0]))
    except BundleError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if as_json:
        typer.echo(json.dumps(built.as_json(), indent=2, ensure_ascii=False))
    else:
        state = built.state.value.replace("_", " ")
        typer.echo(f"Filing packet: PO {built.po}, refund {built.transaction_id} ({state})")
        typer.echo("")
        typer.echo(built.as_text().rstrip())
        typer.echo("")
        if built.form_url:
            typer.echo(f"Dispute form: {built.form_url}")
        if built.refund_url:
            typer.echo(f"Refund as captured: {built.refund_url}")
        for number, step in enumerate(built.steps, 1):
            typer.echo(f"  {number}. {step}")
    if not built.approved:
        typer.echo(f"error: not ready to file: {'; '.join(built.problems)}", err=True)
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    app.command("packet")(packet)
