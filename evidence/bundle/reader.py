"""Reading a bundle folder into models: ``read_bundle(path) -> Bundle``.

Reading parses; it does not verify hashes (``verify_bundle`` does). Only files the manifest
lists are read, so a file slipped into the folder never reaches ``Bundle.case``. Errors are one
line each: ``BundleNotFound`` (no such folder), ``BundleFormatError`` (no manifest, bad JSON,
a foreign format version, invalid data).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evidence.bundle import custody, serialize
from evidence.bundle.custody import CustodyEntry
from evidence.bundle.errors import BundleFormatError, BundleNotFound
from evidence.bundle.layout import (
    ADDED_RECORDS_DIR,
    ASSESSMENTS_DIR,
    CASE,
    CUSTODY,
    MANIFEST,
    REPORT,
    REVIEWS_DIR,
    SIGNATURE,
    STAGING_PREFIX,
)
from evidence.bundle.manifest import Manifest, parse_manifest
from evidence.bundle.seal import load_model
from evidence.bundle.sources import read_regular_file
from evidence.hashing import sha256_bytes
from evidence.models import AddedEvidence, Assessment, RefundCase, ReviewDecision


@dataclass(frozen=True)
class Bundle:
    """A bundle as read. ``case.assessment`` is the latest assessment (``assessments[-1]``)."""

    path: Path
    manifest: Manifest
    manifest_sha256: str
    case: RefundCase
    assessments: list[Assessment]
    reviews: list[ReviewDecision]
    custody: list[CustodyEntry]

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def report_path(self) -> Path:
        return self.path / REPORT

    @property
    def signed(self) -> bool:
        return (self.path / SIGNATURE).exists()

    def file(self, relative: str) -> Path:
        """The absolute path of a file the manifest lists (KeyError for anything else)."""
        if self.manifest.entry(relative) is None:
            raise KeyError(f"{relative} is not listed in the manifest of {self.name}")
        return self.path / relative

    def files(self, prefix: str = "") -> list[str]:
        return [entry.path for entry in self.manifest.files if entry.path.startswith(prefix)]


def read_manifest(path: Path) -> tuple[Manifest, bytes]:
    """The parsed manifest of the bundle folder ``path`` and its exact bytes."""
    path = Path(path)
    if not path.exists():
        raise BundleNotFound("no such bundle folder", path)
    if not path.is_dir():
        raise BundleNotFound("not a folder (use `collector verify` for exported zips)", path)
    if path.name.startswith(STAGING_PREFIX):
        raise BundleFormatError("an unfinished write (staging folder), not a bundle", path)
    manifest_path = path / MANIFEST
    try:
        raw = read_regular_file(manifest_path)
    except FileNotFoundError as exc:
        raise BundleFormatError("no manifest.json: not a bundle, or an unfinished write", path) from exc
    try:
        manifest = parse_manifest(serialize.loads(raw, str(manifest_path)), str(manifest_path))
    except ValueError as exc:  # pydantic's ValidationError
        raise BundleFormatError(f"invalid manifest: {str(exc).splitlines()[0]}", manifest_path) from exc
    return manifest, raw


def read_bundle(path: Path) -> Bundle:
    """Parse the bundle folder at ``path``."""
    path = Path(path)
    manifest, raw = read_manifest(path)
    listed = {entry.path for entry in manifest.files}
    if CASE not in listed:
        raise BundleFormatError("the manifest does not list data/case.json", path)
    case = load_model(RefundCase, _read(path, CASE), CASE)
    assessments = [
        load_model(Assessment, _read(path, rel), rel) for rel in sorted(listed) if rel.startswith(ASSESSMENTS_DIR + "/")
    ]
    reviews = [
        load_model(ReviewDecision, _read(path, rel), rel) for rel in sorted(listed) if rel.startswith(REVIEWS_DIR + "/")
    ]
    log = path / CUSTODY
    entries = custody.parse_log(_read(path, CUSTODY)) if log.exists() else []
    added = [
        load_model(AddedEvidence, _read(path, rel), rel)
        for rel in sorted(listed)
        if rel.startswith(ADDED_RECORDS_DIR + "/")
    ]
    current = case.model_copy(update={"assessment": assessments[-1]}) if assessments else case
    if added:
        current = current.model_copy(update={"added_evidence": added})
    return Bundle(
        path=path,
        manifest=manifest,
        manifest_sha256=sha256_bytes(raw),
        case=current,
        assessments=assessments,
        reviews=reviews,
        custody=entries,
    )


def read_files(path: Path, manifest: Manifest) -> dict[str, bytes]:
    """The bytes of every file the manifest lists (for re-sealing and exporting)."""
    return {entry.path: _read(path, entry.path) for entry in manifest.files}


def _read(path: Path, relative: str) -> bytes:
    try:
        return read_regular_file(path / relative)
    except FileNotFoundError as exc:
        raise BundleFormatError(f"{relative} is listed in the manifest but missing", path) from exc
    except OSError as exc:
        raise BundleFormatError(f"{relative}: cannot read ({exc.strerror or exc})", path) from exc
