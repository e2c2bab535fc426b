"""The ``collector`` command line.

Thin by design: each sub-command lives in ``collector/commands/<name>.py`` and exposes
``register(app)``; it parses options, calls a library function, renders the result and picks the
exit code (0 ok, 1 some orders / checks failed, 2 usage or configuration error).

Conventions every command gets from here: ``--version``; shell completion
(``--install-completion``); ``-v/--verbose`` and ``-q/--quiet`` before the command (console log
level; quiet also hides progress); boolean options are flags, shown without a value in
``--help``, and a flag followed by ``true``/``false``/... is refused (exit 2) instead of that
word being read as the next argument (``verify --json true`` would verify a folder "true").
"""

from __future__ import annotations

from collector import prestart

prestart.start_early()  # `collect`: its browser server comes up while the imports below run

import importlib  # noqa: E402
import pkgutil
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

try:  # typer 0.2x carries its own copy of click
    from typer._click import Context, Parameter
    from typer._click.exceptions import UsageError
except ImportError:  # older typer: click itself
    from click import Context, Parameter  # type: ignore[no-redef]
    from click.exceptions import UsageError  # type: ignore[no-redef]
from typer.models import DefaultPlaceholder

from collector import commands
from collector.errors import operator_errors
from collector.logging import configure_logging, set_verbosity
from collector.settings import select_account, selected_account

DISTRIBUTION = "cc-refund-collector"
BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0", "y", "n", "t", "f"})


def _flags(params: list[Parameter]) -> list[Parameter]:
    return [p for p in params if getattr(p, "is_flag", False) and not getattr(p, "count", False)]


def _show_flags_without_value(params: list[Parameter]) -> list[Parameter]:
    for param in params:
        if (getattr(param, "is_flag", False) or getattr(param, "count", False)) and param.metavar is None:
            param.metavar = ""  # typer would show "<bool>", as if the flag took a value
    return params


def _refuse_flag_values(ctx: Context, params: list[Parameter], args: list[str]) -> None:
    names = {name for p in _flags(params) for name in (*p.opts, *p.secondary_opts) if name.startswith("--")}
    for flag, value in zip(args, args[1:]):
        if flag == "--":
            return
        if flag in names and value.lower() in BOOLEAN_WORDS and not Path(value).exists():
            raise UsageError(f"{flag} is a flag and takes no value: write {flag} alone, without {value!r}", ctx)


class ConventionCommand(TyperCommand):
    def get_params(self, ctx: Context) -> list[Parameter]:
        return _show_flags_without_value(super().get_params(ctx))

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        _refuse_flag_values(ctx, self.get_params(ctx), args)
        return super().parse_args(ctx, args)


class ConventionGroup(TyperGroup):
    def get_params(self, ctx: Context) -> list[Parameter]:
        return _show_flags_without_value(super().get_params(ctx))


app = typer.Typer(
    name="collector",
    help="Collect, verify and assess evidence for disputing Walmart Customer Care refunds.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    cls=ConventionGroup,
)


def version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"collector {version()}")
        raise typer.Exit(0)


# The options that name an account's output folder, by command: `--account NAME` makes the
# account's `out` their default (click's default_map), so no command needs to know about accounts.
OUTPUT_FOLDER_OPTIONS: dict[str, Any] = {
    "collect": "out", "track": "out", "watch": "out", "status": "folder",
    "jobs": {"list": "folder", "show": "folder"},
}


def _account_defaults(folder: Path, names: dict[str, Any]) -> dict[str, Any]:
    return {command: _account_defaults(folder, option) if isinstance(option, dict) else {option: folder}
            for command, option in names.items()}


@app.callback()
def global_options(
    ctx: typer.Context,
    verbose: Annotated[
        int, typer.Option(
            "-v", "--verbose", count=True, show_default=False, help="More on the console: -v info, -vv debug."
        )
    ] = 0,
    quiet: Annotated[
        bool, typer.Option("-q", "--quiet", help="Only errors on the console; no progress display.")
    ] = False,
    show_version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit."),
    ] = False,
    account: Annotated[
        str | None,
        typer.Option("--account", metavar="NAME", show_default=False,
                     help="Work for this seller account of the accounts file (env COLLECTOR_ACCOUNT): its settings, session and output folder."),
    ] = None,
) -> None:
    """Collect, verify and assess evidence for disputing Walmart Customer Care refunds."""
    if verbose and quiet:
        raise typer.BadParameter("give -v or -q, not both", param_hint="-q/--quiet")
    select_account(account)  # every invocation sets it: nothing carries over to the next (tests run many)
    ctx.call_on_close(lambda: select_account(None))
    if selected_account() and not ctx.resilient_parsing:
        from collector.accounts import account_in_use

        with operator_errors():  # an unknown account or a bad accounts file: one line, exit 2, before any command
            chosen = account_in_use()
        ctx.default_map = {**(ctx.default_map or {}), **_account_defaults(chosen.out_dir, OUTPUT_FOLDER_OPTIONS)}
    set_verbosity(-1 if quiet else verbose)
    # Log lines go to stderr, warnings and errors only unless -v: a command that never starts a
    # job (login, emails, ...) prints no info lines. A job re-configures it with its log file.
    configure_logging(console_level="warning")


def _use_conventions(typer_app: typer.Typer) -> None:
    """Every command and group gets the conventions above (commands register themselves)."""
    for command in typer_app.registered_commands:
        if command.cls in (None, TyperCommand):  # typer's default
            command.cls = ConventionCommand
    for group in typer_app.registered_groups:
        if isinstance(group.cls, DefaultPlaceholder) or group.cls in (None, TyperGroup):
            group.cls = ConventionGroup
        if group.typer_instance is not None:
            _use_conventions(group.typer_instance)


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"collector.commands.{info.name}")
        module.register(app)
    _use_conventions(app)


_register_commands()


def main() -> None:
    app()
