"""``collector review DIR [--port N] [--host H] [--no-open] [--reviewer NAME] [--key KEY]``.

A local web app over the bundles in DIR (a folder of bundles, an output folder of ``collect`` or
``demo``, or one bundle): the queue, each refund, decisions, added files, the filing packet. It
binds 127.0.0.1 on a free port unless told otherwise and prints its address with a random token;
requests without the token are refused (see ``collector/review/security.py``). Decisions are
sealed into the bundles and recorded in their custody logs, signed with ``--key`` (or the
``signing_key`` setting) when given. Exit 0 when stopped with Ctrl-C, 1 when DIR holds no
bundles, 2 for usage errors (a missing DIR, a port in use, an unreadable key).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Optional

import typer

from collector.commands._bundles import bundles_or_exit
from collector.errors import EXIT_USAGE, ConfigError
from collector.review.app import ReviewConfig
from collector.review.server import run
from collector.settings import load_settings
from evidence.bundle import SigningError, load_signing_key


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def review(
    folder: Annotated[Path, typer.Argument(help="A folder of bundles, an output folder (collect, demo), or one bundle.")],
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on (0: a free one).")] = 0,
    host: Annotated[str, typer.Option("--host", help="Address to listen on; keep 127.0.0.1 unless you know why.")] = (
        "127.0.0.1"
    ),
    no_open: Annotated[bool, typer.Option("--no-open", help="Do not open a browser (it opens only when a display exists).")] = False,
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Name recorded with decisions (default: the operator setting).")] = None,
    key: Annotated[Optional[Path], typer.Option("--key", help="Private key to sign re-sealed bundles (default: the signing_key setting).")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="TOML settings file.")] = None,
) -> None:
    """Review refunds in a local web app: queue, evidence, approve/reject, add files, filing packet."""
    source = bundles_or_exit(folder)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            raise _fail(f"--host must be an IP address or localhost, not {host!r}") from None
    try:
        settings = load_settings(config)
        key_path = key or settings.signing_key
        signing_key = load_signing_key(key_path) if key_path else None
    except (ConfigError, SigningError) as exc:
        raise _fail(str(exc)) from None
    review_config = ReviewConfig(folder=source.folder, reviewer=reviewer or settings.operator, signing_key=signing_key)
    try:
        run(review_config, "127.0.0.1" if host == "localhost" else host, port, not no_open, typer.echo)
    except OSError as exc:
        raise _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        pass


def register(app: typer.Typer) -> None:
    app.command("review")(review)
