"""The bundle commands' shared front door: a PATH argument -> its bundles, or the exit.

A folder with no bundles is one line and exit 1; a path that is not there (or not a folder of
bundles, an output folder or a bundle) is one line and exit 2; a note (e.g. "newest of 3 demo
runs") goes to stderr. Used by ``assess``, ``deadlines``, ``export`` and ``index``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from collector.errors import EXIT_FAILED, EXIT_USAGE
from collector.folders import BadPath, BundleSource, NothingHere, locate_bundles


def bundles_or_exit(path: Path) -> BundleSource:
    try:
        source = locate_bundles(path)
    except BadPath as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except NothingHere as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    if source.note:
        typer.echo(f"note: {source.note}", err=True)
    return source
