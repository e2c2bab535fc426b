"""``--all-accounts`` for the commands that work for one seller account: collect and track run
once per account of the accounts file, in the file's order, each with that account selected (as
``collector --account NAME`` would) and into that account's output folder (``for_each_account``);
watch runs one watcher per account side by side (``accounts_for``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from collector.accounts import Account, accounts_file_for, load_accounts
from collector.errors import EXIT_USAGE, fail, operator_errors
from collector.folders import absolute
from collector.settings import load_settings, select_account, selected_account


def accounts_for(ctx: typer.Context, config: Path | None) -> list[Account]:
    """The accounts of the accounts file, for ``--all-accounts`` (refused with --out or --account)."""
    source = ctx.get_parameter_source("out")
    if source is not None and source.name == "COMMANDLINE":
        raise fail("--all-accounts writes each account into its own output folder (its `out`): drop --out", EXIT_USAGE)
    if selected_account():
        raise fail("give --account NAME (or COLLECTOR_ACCOUNT) or --all-accounts, not both", EXIT_USAGE)
    with operator_errors():
        base = load_settings(config)
        return load_accounts(accounts_file_for(base.accounts_file, base.data_dir))


def for_each_account(ctx: typer.Context, config: Path | None, run: Callable[[Account], None]) -> int:
    """``run(account)`` for every account; the worst exit code (2 over 1 over 0). One account's
    failure does not stop the next: each says its own error line under its heading."""
    accounts = accounts_for(ctx, config)
    worst = 0
    for account in accounts:
        # the heading on stderr: stdout stays each account's own output (--json: one document each)
        typer.echo(f"== account {account.name}: {absolute(account.out_dir)}", err=True)
        select_account(account.name)
        try:
            run(account)
            code = 0
        except typer.Exit as exc:
            code = exc.exit_code
        finally:
            select_account(None)
        worst = max(worst, code)
    return worst
