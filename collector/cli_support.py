"""Shared helpers for the collector's own sub-commands (login, collect, demo, jobs).

Thin on purpose: turn a ``CollectorError`` (or a missing browser) into one line on stderr and
its exit code, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer

from collector.browser import BrowserNotFound
from collector.errors import EXIT_USAGE, CollectorError

T = TypeVar("T")


def fail(message: str, code: int) -> typer.Exit:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return typer.Exit(code)


@contextmanager
def operator_errors() -> Iterator[None]:
    """Render the collector's errors as one line and the right exit code."""
    try:
        yield
    except CollectorError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except BrowserNotFound as exc:
        raise fail(str(exc), EXIT_USAGE) from None


def run_cli(fn: Callable[[], T]) -> T:
    with operator_errors():
        return fn()
