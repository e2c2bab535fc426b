"""The ``collector`` command line.

Thin by design: each sub-command lives in ``collector/commands/<name>.py`` and exposes
``register(app)``; it parses options, calls a library function, renders the result and picks the
exit code (0 ok, 1 some orders / checks failed, 2 usage or configuration error).
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from collector import commands

app = typer.Typer(
    name="collector",
    help="Collect, verify and assess evidence for disputing Walmart Customer Care refunds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"collector.commands.{info.name}")
        module.register(app)


_register_commands()


def main() -> None:
    app()
