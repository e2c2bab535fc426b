"""``collector login``: sign in to Seller Center once and save the session for the jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from collector.errors import operator_errors
from collector.session import check_session, login_interactive, login_with_credentials
from collector.settings import load_settings


def login(
    check: Annotated[bool, typer.Option("--check", help="Only say whether the saved session still works (exit 0/1).")] = False,
    headed: Annotated[bool, typer.Option("--headed", help="Sign in by hand in a browser window even when credentials are configured.")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file.")] = None,
) -> None:
    """Open Seller Center to sign in (2FA included) and save the session (mode 0600).

    With COLLECTOR_EMAIL, COLLECTOR_PASSWORD and COLLECTOR_TOTP_SECRET set it signs in headless.
    """
    with operator_errors():
        settings = load_settings(config)
        if check:
            ok = check_session(settings)
            print(f"The saved session {'works' if ok else 'does not work: run `collector login`'} ({settings.base_url}).")
            raise typer.Exit(0 if ok else 1)
        path = login_with_credentials(settings) if settings.has_credentials and not headed else login_interactive(settings)
    print(f"Signed in to {settings.base_url}; session saved to {path}")


def register(app: typer.Typer) -> None:
    app.command("login")(login)
