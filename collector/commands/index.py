"""``collector index FOLDER``: write FOLDER/index.html over the bundles in it, most urgent first."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidence.bundle import BundleError, write_index

EXIT_USAGE = 2


def index(folder: Annotated[Path, typer.Argument(help="The folder holding the bundles.")]) -> None:
    """Write index.html: every bundle with verdict, deadline and time left, linking its report."""
    try:
        path = write_index(folder)
    except BundleError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("index")(index)
