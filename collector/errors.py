"""The collector's errors: one root, each carrying the exit code the CLI uses for it, and the
helper that renders them on the command line (one line on stderr, never a traceback).

Page-object errors (``pages.errors``) stay theirs; the collector only reads their ``transient``
marker (see ``collector.retry``). These are the errors of the job itself.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from collector.browser import BrowserNotFound

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
CLIP_CHARS = 60
# A full, over-quota or read-only disk: no order can succeed until the operator makes room.
STORAGE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def clip(text: str, limit: int = CLIP_CHARS) -> str:
    """``repr`` of operator input for an error message, cut to ``limit`` characters with an ellipsis."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def storage_failure(exc: BaseException) -> str | None:
    """``no space left on <path>`` when ``exc`` (or the error it wraps) is a full, over-quota or
    read-only disk; None for anything else."""
    for error in (exc, exc.__cause__, exc.__context__):
        if isinstance(error, OSError) and error.errno in STORAGE_ERRNOS:
            where = getattr(exc, "path", None) or error.filename or "the output disk"
            if error.errno == errno.EROFS:
                return f"{where} is on a read-only file system"
            return f"no space left on {where}"
    return None


class CollectorError(Exception):
    """Root of the collector's own errors. ``str(exc)`` is one line meant for the operator."""

    exit_code = EXIT_FAILED


class ConfigError(CollectorError):
    """A setting, option or input the job cannot start with (exit 2)."""

    exit_code = EXIT_USAGE


class InputError(ConfigError):
    """A bad PO list, orders file or reconciliation report (exit 2)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(where + message)


class SessionMissing(ConfigError):
    """No saved session, or it no longer signs in, and no credentials to sign in with (exit 2)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}: run `collector login`, then run the same command again")


class SessionLost(CollectorError):
    """The session expired mid-run with no credentials to sign in again (exit 1, resumable)."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(
            f"the Seller Center session expired: run `collector login`, then "
            f"`collector collect --resume {job_id}` (everything collected so far is kept)"
        )


class LoginError(CollectorError):
    """Signing in failed (wrong credentials, locked account, 2FA refused)."""

    exit_code = EXIT_USAGE


# --------------------------------------------------------------------------- on the command line


def fail(message: str, code: int) -> typer.Exit:
    """Print ``error: <message>`` on stderr; return the ``typer.Exit`` to raise."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    return typer.Exit(code)


@contextmanager
def operator_errors() -> Iterator[None]:
    """Render the collector's errors (and a missing browser) as one line and the right exit code."""
    try:
        yield
    except CollectorError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except BrowserNotFound as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    except OSError as exc:  # a full disk while writing the index or the report: one line, not a traceback
        problem = storage_failure(exc)
        if problem is None:
            raise
        raise fail(f"{problem}: make room, then run the same command again", EXIT_FAILED) from None
