"""Errors raised by the bundle code, and the ``Problem`` a verification reports.

Errors are for things the caller asked for and cannot get (no such bundle, an unsafe path, a key
that does not load); each carries the ``path`` it is about and reads as one line. Problems are
what verification finds in a bundle: it never raises for them, it lists them all.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict


class BundleError(Exception):
    """Root of the bundle errors. ``path`` is the bundle, file or key concerned (may be None)."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.message = message
        super().__init__(f"{self.path}: {message}" if self.path else message)


class BundleNotFound(BundleError):
    """The path is not there, or holds no bundle."""


class BundleFormatError(BundleError):
    """A bundle that cannot be read: no manifest, bad JSON, an unsupported format version."""


class FormatVersionError(BundleFormatError):
    """A manifest of a format version this reader does not support (another major version)."""


class BundleIntegrityError(BundleError):
    """A bundle that fails verification, so it must not be re-sealed or exported. ``problems`` lists why."""

    def __init__(self, problems: list[Problem], path: str | Path | None = None) -> None:
        self.problems = problems
        shown = "; ".join(str(problem) for problem in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"the bundle fails verification: {shown}{more}", path)


class UnsafePathError(BundleError):
    """A path that would leave its folder (absolute, ``..``, backslashes) or is otherwise invalid."""


class SigningError(BundleError):
    """A key that cannot be created, loaded or used."""


class Problem(BaseModel):
    """One thing wrong with a bundle: a stable ``code``, the file it concerns, a readable message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.path}: {self.message}"
