"""Where a bundle's bytes come from: a folder, or a folder inside a zip (read in memory).

Verification reads through these so that a zip is checked exactly like a folder, without ever
extracting it: nothing from an archive is written anywhere, so a zip-slip entry cannot escape.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from evidence.bundle.errors import Problem, UnsafePathError
from evidence.bundle.layout import check_relative_path

# A zip entry larger than this is not read (a bundle file is screenshots and text, not gigabytes).
MAX_ENTRY_BYTES = 512 * 1024 * 1024


class BundleSource(Protocol):
    """Read access to one bundle's files by relative POSIX path."""

    location: str
    folder_name: str
    problems: list[Problem]

    def paths(self) -> set[str]: ...

    def read(self, path: str) -> bytes | None: ...


@dataclass
class DirSource:
    """A bundle folder. Symbolic links are reported and never followed."""

    root: Path
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.location = str(self.root)
        self.folder_name = self.root.resolve().name  # "." names the folder it stands for
        self._paths: set[str] | None = None

    def paths(self) -> set[str]:
        if self._paths is None:
            found: set[str] = set()
            for current, dirs, files in os.walk(self.root, followlinks=False):
                base = Path(current)
                for name in list(dirs) + files:
                    full = base / name
                    rel = full.relative_to(self.root).as_posix()
                    if full.is_symlink():
                        self.problems.append(
                            Problem(code="file.symlink", path=rel, message="symbolic links are not allowed in a bundle")
                        )
                        if name in dirs:
                            dirs.remove(name)
                    elif name in files:
                        found.add(rel)
            self._paths = found
        return self._paths

    def read(self, path: str) -> bytes | None:
        if path not in self.paths():
            return None
        try:
            return (self.root / path).read_bytes()
        except OSError:
            return None


@dataclass
class ZipSource:
    """The entries under ``<folder_name>/`` in an open zip file."""

    archive: zipfile.ZipFile
    archive_path: str
    folder_name: str
    members: dict[str, zipfile.ZipInfo]
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.location = f"{self.archive_path}:{self.folder_name}/"

    def paths(self) -> set[str]:
        return set(self.members)

    def read(self, path: str) -> bytes | None:
        info = self.members.get(path)
        if info is None:
            return None
        if info.file_size > MAX_ENTRY_BYTES:
            self.problems.append(Problem(code="zip.entry_too_large", path=path, message="entry is too large to check"))
            return None
        try:
            return self.archive.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            self.problems.append(Problem(code="zip.corrupt_entry", path=path, message=f"cannot read the entry: {exc}"))
            return None


def split_zip(archive: zipfile.ZipFile, archive_path: str) -> tuple[list[ZipSource], list[Problem]]:
    """Group a zip's entries by top folder (one bundle each), rejecting every unsafe entry."""
    problems: list[Problem] = []
    groups: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in archive.infolist():
        name = info.filename
        if info.is_dir():
            name = name.rstrip("/")
        mode = info.external_attr >> 16
        try:
            check_relative_path(name)
        except UnsafePathError as exc:
            problems.append(
                Problem(code="zip.unsafe_path", path=name, message=f"entry escapes the archive folder: {exc.message}")
            )
            continue
        if stat.S_ISLNK(mode):
            problems.append(Problem(code="zip.unsafe_path", path=name, message="symbolic-link entries are not allowed"))
            continue
        if info.is_dir():
            continue
        folder, sep, rest = name.partition("/")
        if not sep:
            problems.append(
                Problem(code="zip.layout", path=name, message="file at the top of the archive; bundles are folders")
            )
            continue
        groups.setdefault(folder, {})[rest] = info
    sources = [ZipSource(archive, archive_path, folder, members) for folder, members in sorted(groups.items())]
    return sources, problems
