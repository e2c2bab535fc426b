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

from evidence.bundle.errors import BundleFormatError, Problem, UnsafePathError
from evidence.bundle.layout import check_relative_path

# A zip entry larger than this is not read (a bundle file is screenshots and text, not gigabytes).
MAX_ENTRY_BYTES = 512 * 1024 * 1024


def _not_regular(mode: int) -> str:
    kind = (
        "a folder" if stat.S_ISDIR(mode)
        else "a named pipe" if stat.S_ISFIFO(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a file"
    )  # fmt: skip
    return f"not a regular file ({kind})"


def read_regular_file(path: Path) -> bytes:
    """The bytes of the regular file ``path``; ``BundleFormatError`` for anything else.

    Opening a named pipe for reading waits for a writer, forever if none comes: the file is
    opened non-blocking and checked with ``fstat`` before a byte is read. Other ``OSError`` s
    (not found, permission) propagate.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise BundleFormatError(_not_regular(mode), path)
        os.set_blocking(fd, True)
        with open(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


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
                    try:
                        mode = os.lstat(full).st_mode
                    except OSError:
                        continue  # removed meanwhile
                    if stat.S_ISLNK(mode):
                        self.problems.append(
                            Problem(code="file.symlink", path=rel, message="symbolic links are not allowed in a bundle")
                        )
                        if name in dirs:
                            dirs.remove(name)
                    elif name in files and not stat.S_ISREG(mode):  # a named pipe would block the reader
                        self.problems.append(Problem(code="file.not_regular", path=rel, message=_not_regular(mode)))
                    elif name in files:
                        found.add(rel)
            self._paths = found
        return self._paths

    def read(self, path: str) -> bytes | None:
        if path not in self.paths():
            return None
        try:
            return read_regular_file(self.root / path)
        except BundleFormatError as exc:  # replaced by a pipe or a folder since the walk
            self.problems.append(Problem(code="file.not_regular", path=path, message=exc.message))
            return None
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
