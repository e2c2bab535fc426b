"""What a folder given on the command line may be, and where the bundles and jobs in it are.

Every command that reads bundles (``verify``, ``export``, ``index``, ``assess``, ``deadlines``)
accepts, for each PATH:

* one bundle folder;
* a folder of bundles (``<out>/bundles``; for ``verify`` also a folder of exported ``.zip``);
* an output folder of ``collector collect`` (``<out>``: its ``bundles/`` inside);
* an output folder of ``collector demo`` (its newest ``run-<time>/bundles``).

``jobs list`` / ``jobs show`` accept an output folder (``<out>``, or a demo's: its newest
``run-<time>``). The paths returned are absolute, so what the commands print can be pasted.
A path that does not exist (or a file where a folder is needed) is ``BadPath``, a usage error
(exit 2); a folder with nothing to work on is ``NothingHere`` (one line, exit 1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from evidence.bundle.verify import is_bundle_dir

BUNDLES_DIR = "bundles"  # as collector.jobs writes them (not imported: jobs pulls in Playwright)
JOBS_DIR = "jobs"
RUN_GLOB = "run-*"  # collector demo: <out>/run-<UTC time>/


class BadPath(Exception):
    """The path does not exist, or is a file where a folder is needed (a usage error)."""


class NothingHere(Exception):
    """The folder exists but holds no bundles (or no jobs)."""


def absolute(path: Path) -> Path:
    """``path`` made absolute (``~`` expanded, ``..`` folded), symlinks kept."""
    return Path(os.path.abspath(Path(path).expanduser()))


@dataclass(frozen=True)
class BundleSource:
    """Where the bundles of one PATH are. ``folder``: the folder holding them (the bundle's
    parent when PATH is one bundle); ``note``: one line worth telling (which demo run)."""

    given: Path
    folder: Path
    bundles: list[Path] = field(default_factory=list)
    archives: list[Path] = field(default_factory=list)
    single: bool = False
    note: str | None = None


def _bundles_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(child for child in folder.iterdir() if is_bundle_dir(child))


def _archives_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        child for child in folder.iterdir() if child.is_file() and child.suffix.lower() == ".zip"
        and not child.name.startswith(".")
    )


def _newest_run(folder: Path, inside: str) -> tuple[Path | None, int]:
    """The newest ``run-*`` folder of a demo output folder that has ``inside``; and how many do."""
    runs = sorted(run for run in folder.glob(RUN_GLOB) if run.is_dir() and (run / inside).is_dir())
    return (runs[-1] if runs else None), len(runs)


def locate_bundles(path: Path, *, archives: bool = False, missing: str = "no such folder") -> BundleSource:
    """The bundles PATH stands for (see the module docstring). ``archives``: a folder of exported
    ``.zip`` files counts too (``verify``)."""
    given = Path(path)
    where = absolute(given)
    if not where.exists():
        raise BadPath(f"{missing}: {given}")
    if where.is_file():
        if archives:
            return BundleSource(given, where.parent, archives=[where], single=True)
        raise BadPath(f"{given} is a file, not a bundle or a folder of bundles")
    if is_bundle_dir(where):
        return BundleSource(given, where.parent, bundles=[where], single=True)

    def found(folder: Path, note: str | None = None) -> BundleSource | None:
        bundles, zips = _bundles_in(folder), _archives_in(folder) if archives else []
        if bundles or zips:
            return BundleSource(given, folder, bundles=bundles, archives=zips, note=note)
        return None

    source = found(where) or found(where / BUNDLES_DIR)
    if source is not None:
        return source
    run, runs = _newest_run(where, BUNDLES_DIR)
    if run is not None:
        note = f"{given} holds {runs} demo runs: using the newest, {run.name}" if runs > 1 else None
        source = found(run / BUNDLES_DIR, note)
        if source is not None:
            return source
    raise NothingHere(
        f"no bundles in {where} (looked in it, in {BUNDLES_DIR}/ and in the newest {RUN_GLOB}/{BUNDLES_DIR}/)"
    )


def locate_output(path: Path) -> tuple[Path, str | None]:
    """The output folder PATH stands for: one holding ``jobs/`` (PATH itself, its parent when
    PATH is that ``jobs/`` or the ``bundles/`` beside it, or a demo's newest run). Returns the
    folder and a note (which demo run) or None."""
    given = Path(path)
    where = absolute(given)
    if not where.exists():
        raise BadPath(f"no such folder: {given}")
    if (where / JOBS_DIR).is_dir():
        return where, None
    if where.name in (JOBS_DIR, BUNDLES_DIR) and (where.parent / JOBS_DIR).is_dir():
        return where.parent, None
    run, runs = _newest_run(where, JOBS_DIR)
    if run is not None:
        return run, (f"{given} holds {runs} demo runs: using the newest, {run.name}" if runs > 1 else None)
    raise NothingHere(f"no jobs in {where} (looked for {JOBS_DIR}/ in it and in the newest {RUN_GLOB}/)")
