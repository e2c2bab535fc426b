"""``collector file BUNDLE [--submit] [--headless] [--no-wait]``: fill the dispute form, stop at Review.

Assisted, never silent. The refund must be approved for the evidence it holds now (the review
app, or ``evidence.review.approve``); otherwise one line says why and nothing is opened (exit 1).
The form is filled from the approved packet in the saved Seller Center session (``collector
login``) and stops at Review in a browser window for the person to submit; when they do, the case
ID is recorded in the bundle's custody log. ``--submit`` clicks Submit itself (only with a current
approval, checked again right before) and records the case ID. ``--headless --no-wait`` only
checks that the form takes the packet (exit 0, nothing filed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from collector.commands._bundles import bundles_or_exit
from collector.errors import EXIT_USAGE, operator_errors
from collector.filing import approved_packet, fill_and_stop
from collector.review.server import has_display
from collector.session import ensure_session
from collector.settings import load_settings
from evidence.bundle.writer import record_filed


def file(
    bundle: Annotated[Path, typer.Argument(help="One bundle folder, approved in review.")],
    submit: Annotated[bool, typer.Option("--submit", help="Submit the dispute (only with a current approval).")] = False,
    headless: Annotated[bool, typer.Option("--headless", help="No browser window (default when there is no display).")] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Stop at Review and close instead of waiting for the person.")] = False,
    config: Annotated[Optional[Path], typer.Option("--config", help="TOML settings file.")] = None,
) -> None:
    """Fill the dispute form from the approved packet and stop at Review (or --submit)."""
    source = bundles_or_exit(bundle)
    if not source.single:
        typer.echo(f"error: {bundle} is a folder of bundles; name one bundle", err=True)
        raise typer.Exit(EXIT_USAGE)
    path = source.bundles[0]
    with operator_errors():
        packet = approved_packet(path)
        settings = load_settings(config)
        ensure_session(settings)
        headed = not headless and has_display()
        filing = fill_and_stop(
            settings, path, packet, submit=submit, headed=headed, wait_for_person=headed and not no_wait and not submit,
            say=typer.echo,
        )  # fmt: skip
        if filing.case_id is None:
            typer.echo(f"Stopped at Review; nothing was submitted for PO {packet.po}.")
            return
        record_filed(path, filing.case_id, actor=settings.operator)
    typer.echo(f"Filed: case ID {filing.case_id} (PO {packet.po}); recorded in {path.name}'s custody log.")


def register(app: typer.Typer) -> None:
    app.command("file")(file)
