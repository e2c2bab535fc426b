"""Exporting bundles as deterministic zip archives, optionally redacted.

Each bundle becomes the folder ``<name>/`` inside the archive (``<name>.zip``, or one archive
for many with ``single=``). The same bundle exported with the same clock gives the same bytes:
entries sorted by path, a fixed timestamp (1980-01-01 00:00:00), fixed permissions (0644),
already-compressed media (PNG, JPEG, zip) STORED and everything else DEFLATED at level 9.
The archive is written to a temporary file beside the target and renamed into place.

An export records itself: the exported copy's custody log ends with an "exported" entry (who,
when, redacted or not). The source bundle is only read, never changed, so exporting from a
read-only evidence store works and exporting twice gives identical archives.

A bundle that fails verification is not exported (``BundleIntegrityError``). A redacted copy is
re-sealed (new manifest with a ``redaction`` section, new digest) and its signature is re-made
with ``signing_key`` or dropped; an unredacted copy keeps the original manifest and signature.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from evidence.bundle import custody, serialize
from evidence.bundle.custody import CustodyEvent
from evidence.bundle.errors import BundleError, BundleIntegrityError, UnsafePathError
from evidence.bundle.layout import (
    ASSESSMENTS_DIR,
    CASE,
    CUSTODY,
    DIGEST,
    MANIFEST,
    REPORT,
    REVIEWS_DIR,
    SIGNATURE,
    is_compressed,
)
from evidence.bundle.manifest import Clock, Redaction, utc_now
from evidence.bundle.reader import read_bundle, read_files
from evidence.bundle.redact import REPLACEMENT, redact_files
from evidence.bundle.seal import load_model, report_bytes, seal
from evidence.bundle.signing import SigningKey
from evidence.bundle.verify import verify_bundle
from evidence.models import Assessment, RefundCase, ReviewDecision

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644


def export_bundles(
    bundle_paths: Sequence[Path],
    out_dir: Path,
    *,
    actor: str,
    redact: bool = False,
    single: str | None = None,
    clock: Clock = utc_now,
    signing_key: SigningKey | None = None,
) -> list[Path]:
    """Export each bundle to ``out_dir/<name>.zip`` (or all into ``out_dir/<single>``); return the archives."""
    out_dir = Path(out_dir)
    _check_out_dir(out_dir)
    if single is not None and (Path(single).name != single or not single.endswith(".zip") or single.startswith(".")):
        raise UnsafePathError("--single takes a plain file name ending in .zip (it is written into --out)", single)
    at = clock()
    copies = [
        exported_files(Path(path), actor=actor, redact=redact, at=at, signing_key=signing_key) for path in bundle_paths
    ]
    names = [name for name, _ in copies]
    if len(set(names)) != len(names):
        raise BundleError("the same bundle is given twice", out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BundleError(f"cannot create the folder: {exc.strerror or exc}", out_dir) from None
    suffix = "-redacted" if redact else ""
    if single is not None:
        entries = {f"{name}/{path}": data for name, files in copies for path, data in files.items()}
        target = out_dir / single
        write_zip(target, entries)
        return [target]
    written = []
    for name, files in copies:
        target = out_dir / f"{name}{suffix}.zip"
        write_zip(target, {f"{name}/{path}": data for path, data in files.items()})
        written.append(target)
    return written


def _check_out_dir(out_dir: Path) -> None:
    """``out_dir`` is, or can become, a folder: no file where it (or a folder above it) should be."""
    for folder in (out_dir, *out_dir.parents):
        if folder.exists():
            if not folder.is_dir():
                what = "is a file" if folder == out_dir else f"cannot be made: {folder} is a file"
                raise BundleError(f"{what}, not a folder (--out names the folder for the archives)", out_dir)
            return


def exported_files(
    bundle_path: Path, *, actor: str, redact: bool, at: datetime, signing_key: SigningKey | None = None
) -> tuple[str, dict[str, bytes]]:
    """The name and ``{path: bytes}`` of a bundle's exported copy (with its "exported" custody entry)."""
    report = verify_bundle(bundle_path)
    if not report.ok:
        raise BundleIntegrityError(report.problems, bundle_path)
    bundle = read_bundle(bundle_path)
    files = read_files(bundle.path, bundle.manifest)
    log = (bundle.path / CUSTODY).read_bytes()
    details = {"redacted": "yes" if redact else "no"}
    if not redact:
        files[MANIFEST] = (bundle.path / MANIFEST).read_bytes()
        files[DIGEST] = (bundle.path / DIGEST).read_bytes()
        if (bundle.path / SIGNATURE).exists():
            files[SIGNATURE] = (bundle.path / SIGNATURE).read_bytes()
        entry = custody.next_entry(
            log, CustodyEvent.EXPORTED, actor=actor, at=at, manifest_sha256=bundle.manifest_sha256, details=details
        )
        files[CUSTODY] = log + serialize.dumps_line(entry)
        return bundle.name, files
    types = {entry.path: entry.media_type for entry in bundle.manifest.files}
    redacted = redact_files(files, bundle.case.model_copy(update={"assessment": None}), types)
    content = redacted.files
    assessments = [
        load_model(Assessment, content[p], p) for p in sorted(content) if p.startswith(ASSESSMENTS_DIR + "/")
    ]
    reviews = [load_model(ReviewDecision, content[p], p) for p in sorted(content) if p.startswith(REVIEWS_DIR + "/")]
    content[REPORT] = report_bytes(
        bundle.name, load_model(RefundCase, content[CASE], CASE), content, at,
        assessments=assessments, reviews=reviews, redacted=redacted.masked,
    )  # fmt: skip
    redaction = Redaction(
        masked=redacted.masked,
        replacement=REPLACEMENT,
        rewritten=redacted.rewritten,
        withheld=redacted.withheld,
        source_manifest_sha256=bundle.manifest_sha256,
    )
    sealed = seal(content, bundle.manifest.model_copy(update={"redaction": redaction}), at, signing_key)
    content[MANIFEST] = sealed.manifest_bytes
    content[DIGEST] = sealed.digest_bytes
    if sealed.signature_bytes is not None:
        content[SIGNATURE] = sealed.signature_bytes
    details["masked"] = ",".join(redacted.masked)
    details["withheld_files"] = str(len(redacted.withheld))
    details["signature"] = "re-signed" if signing_key else "none"
    entry = custody.next_entry(
        log, CustodyEvent.EXPORTED, actor=actor, at=at, manifest_sha256=sealed.digest,
        previous_manifest_sha256=bundle.manifest_sha256, details=details,
    )  # fmt: skip
    content[CUSTODY] = log + serialize.dumps_line(entry)
    return bundle.name, content


def write_zip(target: Path, entries: Mapping[str, bytes]) -> None:
    """A deterministic zip of ``entries`` at ``target`` (temporary file + rename)."""
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(temp, "w") as archive:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
                info.external_attr = FILE_MODE << 16
                info.create_system = 3  # Unix, so the permissions above are meaningful everywhere
                if is_compressed(name):
                    info.compress_type = zipfile.ZIP_STORED
                    archive.writestr(info, entries[name])
                else:
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, entries[name], compresslevel=9)
        os.replace(temp, target)
    except OSError as exc:  # a full disk, a read-only folder: one line, and no partial archive
        temp.unlink(missing_ok=True)
        raise BundleError(f"cannot write the archive: {exc.strerror or exc}", target) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
