"""The custody log: who did what to a bundle, when, and what the manifest was at that moment.

``custody.jsonl`` holds one JSON object per line and is only ever appended to. It is NOT listed
in the manifest (it grows after the manifest is sealed); instead it protects itself:

* every entry carries ``prev_entry_sha256``, the SHA-256 of the previous line's exact bytes
  (``GENESIS``, 64 zeros, for the first), and a ``seq`` counting from 1: editing, inserting,
  removing or reordering an entry breaks the chain at that point;
* every entry carries ``manifest_sha256``, the manifest digest right after the event; since every
  event that re-seals the manifest appends an entry, the LAST entry must name the current digest.
  Cutting entries off the end, or swapping in an older manifest, is therefore detected too;
* the first entry must be ``captured``.

What it cannot prove on its own: someone able to rewrite the whole folder can forge a new,
consistent chain together with a new manifest. Against that, sign the manifest (``manifest.sig``)
with a key kept elsewhere and keep the trusted public keys apart from the bundles.
"""

from __future__ import annotations

import os
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import Field, ValidationError

from evidence.bundle import serialize
from evidence.bundle.errors import BundleFormatError, Problem
from evidence.bundle.layout import CUSTODY
from evidence.bundle.manifest import SHA256_PATTERN
from evidence.hashing import sha256_bytes
from evidence.models import Model, UtcDatetime

GENESIS = "0" * 64


class CustodyEvent(StrEnum):
    CAPTURED = "captured"
    ASSESSED = "assessed"
    REVIEWED = "reviewed"
    EXPORTED = "exported"
    EVIDENCE_ADDED = "evidence_added"  # a reviewer attached a file (re-sealed)
    FILED = "filed"  # the dispute was submitted; details name the case_id (no re-seal)


class CustodyEntry(Model):
    """One line of ``custody.jsonl``."""

    seq: int = Field(ge=1)
    event: CustodyEvent
    at: UtcDatetime
    actor: str
    manifest_sha256: str = Field(pattern=SHA256_PATTERN, description="the manifest digest after the event")
    previous_manifest_sha256: str | None = Field(
        default=None, pattern=SHA256_PATTERN, description="the digest before, when the event re-sealed it"
    )
    details: dict[str, str] = Field(default_factory=dict)
    prev_entry_sha256: str = Field(pattern=SHA256_PATTERN, description="SHA-256 of the previous line")


def next_entry(
    existing: bytes,
    event: CustodyEvent,
    *,
    actor: str,
    at: datetime,
    manifest_sha256: str,
    previous_manifest_sha256: str | None = None,
    details: dict[str, str] | None = None,
) -> CustodyEntry:
    """The entry that follows the log ``existing`` (its bytes; empty for a new log)."""
    lines = existing.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        raise BundleFormatError("the custody log ends in a partial line; refusing to append", CUSTODY)
    prev = sha256_bytes(lines[-1]) if lines else GENESIS
    return CustodyEntry(
        seq=len(lines) + 1,
        event=event,
        at=at,
        actor=actor,
        manifest_sha256=manifest_sha256,
        previous_manifest_sha256=previous_manifest_sha256,
        details=details or {},
        prev_entry_sha256=prev,
    )


def append(
    bundle_dir: Path,
    event: CustodyEvent,
    *,
    actor: str,
    at: datetime,
    manifest_sha256: str,
    previous_manifest_sha256: str | None = None,
    details: dict[str, str] | None = None,
) -> CustodyEntry:
    """Append one entry to ``bundle_dir/custody.jsonl`` (opened for appending, flushed to disk)."""
    log = bundle_dir / CUSTODY
    existing = log.read_bytes() if log.exists() else b""
    entry = next_entry(
        existing, event, actor=actor, at=at, manifest_sha256=manifest_sha256,
        previous_manifest_sha256=previous_manifest_sha256, details=details,
    )  # fmt: skip
    with open(log, "ab") as handle:
        handle.write(serialize.dumps_line(entry))
        handle.flush()
        os.fsync(handle.fileno())
    return entry


def parse_log(data: bytes) -> list[CustodyEntry]:
    """The entries of a log, raising ``BundleFormatError`` on the first unreadable line."""
    entries = []
    for number, line in enumerate(data.splitlines(), start=1):
        try:
            entries.append(CustodyEntry.model_validate(serialize.loads(line, f"{CUSTODY} line {number}")))
        except ValidationError as exc:
            raise BundleFormatError(f"line {number} is not a custody entry: {_first_error(exc)}", CUSTODY) from exc
    return entries


def check_log(data: bytes | None, manifest_sha256: str | None) -> list[Problem]:
    """Every problem with a custody log: missing, unreadable lines, broken chain, stale head."""
    if data is None:
        return [Problem(code="custody.missing", path=CUSTODY, message="the bundle has no custody log")]
    problems: list[Problem] = []
    if data and not data.endswith(b"\n"):
        problems.append(Problem(code="custody.truncated", path=CUSTODY, message="the last line is incomplete"))
    prev = GENESIS
    last: CustodyEntry | None = None
    lines = data.splitlines(keepends=True)
    if not lines:
        problems.append(Problem(code="custody.empty", path=CUSTODY, message="the custody log has no entries"))
    for number, line in enumerate(lines, start=1):
        where = f"{CUSTODY}:{number}"
        try:
            entry = CustodyEntry.model_validate(serialize.loads(line.rstrip(b"\n"), where))
        except (BundleFormatError, ValidationError) as exc:
            detail = _first_error(exc) if isinstance(exc, ValidationError) else exc.message
            problems.append(Problem(code="custody.malformed", path=where, message=f"unreadable entry: {detail}"))
            prev = sha256_bytes(line)
            last = None
            continue
        if entry.prev_entry_sha256 != prev:
            problems.append(
                Problem(
                    code="custody.chain_broken",
                    path=where,
                    message="entry does not chain to the line before it (a line was edited, removed or inserted)",
                )
            )
        if entry.seq != number:
            problems.append(
                Problem(code="custody.sequence", path=where, message=f"entry has seq {entry.seq}, expected {number}")
            )
        if number == 1 and entry.event is not CustodyEvent.CAPTURED:
            problems.append(
                Problem(
                    code="custody.first_event", path=where, message=f"log starts with '{entry.event}', not 'captured'"
                )
            )
        prev = sha256_bytes(line)
        last = entry
    if last is not None and manifest_sha256 is not None and last.manifest_sha256 != manifest_sha256:
        problems.append(
            Problem(
                code="custody.head_mismatch",
                path=CUSTODY,
                message="the last custody entry names another manifest digest"
                " (entries removed, or the manifest replaced)",
            )
        )
    return problems


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "entry"
    return f"{where}: {error['msg']}"
