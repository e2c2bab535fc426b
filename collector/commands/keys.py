"""``collector keys new [--out DIR] [--name NAME]``: an Ed25519 key pair for signing bundles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from collector.folders import absolute
from evidence.bundle import SigningError, load_signing_key, new_key_pair

EXIT_USAGE = 2
# Outside any working tree by default, so a private key is not committed by accident.
DEFAULT_KEY_DIR = Path.home() / ".config" / "cc-refund-collector" / "keys"

keys_app = typer.Typer(help="Signing keys for evidence bundles.", no_args_is_help=True)


@keys_app.command("new")
def new(
    out: Annotated[
        Path, typer.Option("--out", help="Output folder for NAME.key (private, mode 0600) and NAME.pub.")
    ] = DEFAULT_KEY_DIR,
    name: Annotated[str, typer.Option("--name", help="Key name, shown by `collector verify`.")] = "collector",
) -> None:
    """Create an Ed25519 key pair. Keep the .key private; copy the .pub to the verifiers' trusted-keys folder."""
    try:
        private_path, public_path = new_key_pair(absolute(out), name)
    except SigningError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    fingerprint = load_signing_key(private_path).fingerprint
    typer.echo(f"private key: {private_path} (mode 0600; never commit or share it)")
    typer.echo(f"public key:  {public_path}")
    typer.echo(f"fingerprint: {fingerprint}")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
