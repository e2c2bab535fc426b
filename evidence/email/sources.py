"""Where raw messages come from: a folder of ``.eml`` files, an mbox, a Maildir (and IMAP, see
``evidence.email.imap``). Every reader yields ``RawMessage`` items one at a time, so a mailbox of
any size is read in constant memory.

* **mbox** (Gmail Takeout, Thunderbird, mutt): streamed line by line with a hand-rolled "From "
  splitter. A line starting ``From `` separates messages when it opens the file, looks like a
  real separator (``From <sender> <ctime date>``), or follows a blank line and ends in a year.
  ``>From `` lines are unquoted one level (mboxrd). The bytes kept for a message are what sits between separators,
  without the separator line: the message as the mail client stored it.
* **Maildir**: every file in ``cur/`` and ``new/`` (sorted by name, which starts with the
  delivery time).
* **.eml folder**: every ``*.eml`` file below the folder, sorted by path.

``detect_kind`` tells them apart; ``iter_path`` reads any of them. A path that does not exist, or
a file that cannot be read, raises ``EmailSourceError`` with a one-line message. Only regular
files are opened (a named pipe would wait for a writer forever), except the process's own
standard input (``/dev/stdin`` from a pipe), which is read once, whole, and then sniffed in memory.
"""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from evidence.models import MessageSource

__all__ = ["EmailSourceError", "PathKind", "RawMessage", "detect_kind", "iter_eml_folder", "iter_maildir",
           "iter_mbox", "iter_path"]  # fmt: skip

_FROM_LINE = re.compile(rb"^From \S+\s+\w{3} \w{3} [ \d]?\d \d{1,2}:\d\d(:\d\d)? (\S+ )?\d{4}")
_LOOSE_FROM_LINE = re.compile(rb"^From \S+ .*\d{4}\s*$")  # sender, then a date ending in the year
_QUOTED_FROM = re.compile(rb"^>+From ")


class EmailSourceError(ValueError):
    """A mail source that cannot be read; the message is one line, fit for the CLI."""


class PathKind(StrEnum):
    EML = "eml"
    EML_FOLDER = "eml-folder"
    MBOX = "mbox"
    MAILDIR = "maildir"


@dataclass(frozen=True)
class RawMessage:
    """One message's bytes exactly as stored, where they came from, and a time to fall back on."""

    data: bytes
    origin: str
    source: MessageSource = MessageSource.MAILBOX
    fallback_time: datetime | None = None


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise EmailSourceError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _is_stdin(path: Path) -> bool:
    """``path`` is this process's standard input (``/dev/stdin``, ``/proc/self/fd/0``) and not a regular file."""
    try:
        found = os.stat(path)
        regular = stat.S_ISREG(found.st_mode) or stat.S_ISDIR(found.st_mode)
        return not regular and os.path.samestat(found, os.fstat(0))
    except (OSError, ValueError):
        return False


def detect_kind(path: Path) -> PathKind:
    """What kind of mail source ``path`` is; ``EmailSourceError`` if none."""
    if not path.exists():
        raise EmailSourceError(f"{path}: no such file or folder")
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            return PathKind.MAILDIR
        return PathKind.EML_FOLDER
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a named pipe, socket or device: never waited on
            raise EmailSourceError(f"{path}: not a regular file (a named pipe, socket or device)")
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise EmailSourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return _kind_of(head, path)


def _kind_of(head: bytes, path: Path) -> PathKind:
    if head.startswith(b"From "):
        return PathKind.MBOX
    if re.match(rb"^[\x21-\x39\x3b-\x7e]+:", head.lstrip(b"\r\n")):  # starts with a header line
        return PathKind.EML
    if path.suffix.lower() in (".eml", ".msg", ".mbox"):
        return PathKind.MBOX if path.suffix.lower() == ".mbox" else PathKind.EML
    raise EmailSourceError(f"{path}: not an e-mail file, mbox or Maildir")


def iter_mbox(path: Path) -> Iterator[RawMessage]:
    """Stream an mbox: one message in memory at a time."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise EmailSourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        yield from _split_mbox(handle, path)


def _split_mbox(handle: Iterable[bytes], path: Path) -> Iterator[RawMessage]:
    lines: list[bytes] = []
    index = 0
    previous_blank = True
    started = False
    for line in handle:
        if line.startswith(b"From ") and (
            not started or _FROM_LINE.match(line) or (previous_blank and _LOOSE_FROM_LINE.match(line))
        ):
            if started and lines:
                yield _mbox_item(lines, path, index)
                index += 1
            lines = []
            started = True
            previous_blank = False
            continue
        if not started:
            continue  # junk before the first separator
        if _QUOTED_FROM.match(line):
            line = line[1:]
        lines.append(line)
        previous_blank = line in (b"\n", b"\r\n")
    if started and lines:
        yield _mbox_item(lines, path, index)


def _mbox_item(lines: list[bytes], path: Path, index: int) -> RawMessage:
    # The blank line before the next separator belongs to the mbox format, not to the message.
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return RawMessage(data=b"".join(lines), origin=f"mbox:{path}#{index}")


def iter_maildir(path: Path) -> Iterator[RawMessage]:
    for sub in ("cur", "new"):
        folder = path / sub
        if not folder.is_dir():
            continue
        for item in sorted(folder.iterdir()):
            if item.is_file() and not item.name.startswith("."):
                yield RawMessage(data=_read(item), origin=str(item), fallback_time=_mtime(item))


def iter_eml_folder(path: Path) -> Iterator[RawMessage]:
    for item in sorted(path.rglob("*")):
        if item.is_file() and item.suffix.lower() == ".eml":
            yield RawMessage(data=_read(item), origin=str(item), fallback_time=_mtime(item))


def iter_path(path: str | Path) -> Iterator[RawMessage]:
    """Every message in a file, folder, mbox or Maildir (checked before the first item is read)."""
    path = Path(path)
    if _is_stdin(path):  # a pipe cannot be read twice (sniffed, then read): read it once, whole
        data = _read(path)
        if _kind_of(data[:4096], path) is PathKind.MBOX:
            return _split_mbox(io.BytesIO(data), path)
        return iter([RawMessage(data=data, origin=str(path))])
    kind = detect_kind(path)
    if kind is PathKind.EML:
        return iter([RawMessage(data=_read(path), origin=str(path), fallback_time=_mtime(path))])
    if kind is PathKind.MBOX:
        return iter_mbox(path)
    if kind is PathKind.MAILDIR:
        return iter_maildir(path)
    return iter_eml_folder(path)
