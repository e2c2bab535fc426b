"""``collector index FOLDER``: write index.html over the bundles in FOLDER, most urgent first.

FOLDER is a folder of bundles, an output folder (``collect``'s: ``bundles/index.html``;
``demo``'s: its newest run) or one bundle (the index of the folder holding it). A folder with
no bundles gets no page: one line, exit 1. Exit 2 for a folder that does not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from collector.commands._bundles import bundles_or_exit
from collector.folders import BUNDLES_DIR
from evidence.bundle import BundleError, write_index
from evidence.bundle.index import bundle_folders

EXIT_FAILED, EXIT_USAGE = 1, 2


def index(
    folder: Annotated[
        Path, typer.Argument(help="A folder of bundles, an output folder (collect, demo), or one bundle.")
    ],
) -> None:
    """Write index.html: every bundle with verdict, deadline and time left, linking its report."""
    source = bundles_or_exit(folder)
    states = {}
    if source.folder.name == BUNDLES_DIR:  # an output folder's bundles: the states `collector status` shows
        from collector.cases.overview import index_states

        states = index_states(source.folder.parent, datetime.now(UTC))
    try:
        path = write_index(source.folder, states=states)
    except BundleError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(f"wrote {path} ({len(bundle_folders(source.folder))} bundle(s))")


def register(app: typer.Typer) -> None:
    app.command("index")(index)
