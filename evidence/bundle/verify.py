"""Verification: every check on a bundle, every problem listed (code, path, message).

``verify_path`` accepts a bundle folder, a folder of bundles, or an exported zip (checked in
memory, never extracted). For each bundle it checks, without stopping at the first failure:

* ``manifest.json`` present, JSON, a supported format version (same major), valid against the schema;
* ``manifest.sha256`` present and equal to the SHA-256 of the manifest bytes;
* every listed file present, with the listed size and hash; no unlisted files; no symbolic links;
* the structured data (``data/``) valid and about the refund the manifest names;
* web archives (``*.wacz``): every file against the archive's own ``datapackage.json`` hashes;
* the custody log chain and its head (see ``custody``);
* the signature, when present (and required when a trusted-keys folder is given).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from evidence.bundle import custody, serialize
from evidence.bundle.errors import BundleFormatError, FormatVersionError, Problem, UnsafePathError
from evidence.bundle.layout import (
    ASSESSMENTS_DIR,
    CASE,
    CUSTODY,
    DIGEST,
    MANIFEST,
    NAME_RE,
    REVIEWS_DIR,
    SIGNATURE,
    STAGING_PREFIX,
    UNSEALED,
    check_relative_path,
)
from evidence.bundle.manifest import Manifest, parse_manifest
from evidence.bundle.seal import load_model, parse_digest_file
from evidence.bundle.signing import check_signature
from evidence.bundle.sources import BundleSource, DirSource, split_zip
from evidence.hashing import sha256_bytes
from evidence.models import Assessment, RefundCase, ReviewDecision
from evidence.webarchive import check_wacz

BUNDLE_MARKERS = (MANIFEST, DIGEST, CUSTODY, "data", "report.html")


@dataclass
class BundleReport:
    """The result for one bundle."""

    location: str
    name: str | None = None
    manifest_sha256: str | None = None
    signer: str | None = None
    custody_head: str | None = None  # SHA-256 of the log's last line: record it elsewhere to anchor the log
    files_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "name": self.name,
            "ok": self.ok,
            "manifest_sha256": self.manifest_sha256,
            "signer": self.signer,
            "custody_head": self.custody_head,
            "files_checked": self.files_checked,
            "problems": [problem.model_dump() for problem in self.problems],
        }


@dataclass
class VerificationReport:
    """The result for one path given to ``verify_path``: its bundles and problems outside any bundle."""

    path: str
    bundles: list[BundleReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(bundle.ok for bundle in self.bundles)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "problems": [problem.model_dump() for problem in self.problems],
            "bundles": [bundle.as_dict() for bundle in self.bundles],
        }


def is_bundle_dir(path: Path) -> bool:
    """A folder that is (or was meant to be) a bundle: bundle files in it, or a bundle's name."""
    if not path.is_dir() or path.name.startswith((".", STAGING_PREFIX)):
        return False
    return bool(NAME_RE.match(path.name)) or any((path / marker).exists() for marker in BUNDLE_MARKERS)


def verify_path(path: Path, trusted: dict[str, str] | None = None) -> VerificationReport:
    """Verify a bundle folder, a folder of bundles or a zip. ``trusted``: ``{fingerprint: name}``."""
    path = Path(path)
    report = VerificationReport(str(path))
    if path.is_file():
        _verify_zip(path, trusted, report)
    elif is_bundle_dir(path):
        report.bundles.append(verify_source(DirSource(path), trusted))
    elif path.is_dir():
        children = sorted(
            child
            for child in path.iterdir()
            if not child.name.startswith((".", STAGING_PREFIX))
            and (is_bundle_dir(child) or (child.is_file() and child.suffix.lower() == ".zip"))
        )  # other folders (the collector's jobs/, say) are not bundles
        for child in children:
            if child.is_dir():
                report.bundles.append(verify_source(DirSource(child), trusted))
            else:
                sub = verify_path(child, trusted)
                report.bundles.extend(sub.bundles)
                report.problems.extend(sub.problems)
        if not children:
            report.problems.append(Problem(code="path.no_bundles", path=str(path), message="no bundles found here"))
    else:
        report.problems.append(Problem(code="path.missing", path=str(path), message="no such file or folder"))
    return report


def verify_bundle(path: Path, trusted: dict[str, str] | None = None) -> BundleReport:
    """Verify one bundle folder."""
    return verify_source(DirSource(Path(path)), trusted)


def _verify_zip(path: Path, trusted: dict[str, str] | None, report: VerificationReport) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.problems.append(
            Problem(code="zip.unreadable", path=str(path), message=f"not a readable zip archive: {exc}")
        )
        return
    with archive:
        sources, problems = split_zip(archive, str(path))
        report.problems.extend(problems)
        if not sources and not problems:
            report.problems.append(
                Problem(code="path.no_bundles", path=str(path), message="the archive holds no bundles")
            )
        for source in sources:
            report.bundles.append(verify_source(source, trusted))


def verify_source(source: BundleSource, trusted: dict[str, str] | None = None) -> BundleReport:
    """Every check on one bundle; never raises for what it finds."""
    report = BundleReport(location=source.location)
    problems = report.problems
    paths = source.paths()
    raw = source.read(MANIFEST)
    if raw is None:
        problems.append(
            Problem(
                code="bundle.missing_manifest",
                path=MANIFEST,
                message="no manifest.json: not a bundle, or an unfinished write",
            )
        )
        problems.extend(source.problems)
        return report
    digest = sha256_bytes(raw)
    report.manifest_sha256 = digest
    manifest: Manifest | None = None
    try:
        manifest = parse_manifest(serialize.loads(raw, MANIFEST), MANIFEST)
    except FormatVersionError as exc:
        problems.append(Problem(code="manifest.format_version", path=MANIFEST, message=exc.message))
        return report  # a foreign format: its other files mean something else
    except BundleFormatError as exc:
        problems.append(Problem(code="manifest.unreadable", path=MANIFEST, message=exc.message))
    except ValueError as exc:  # pydantic ValidationError
        problems.append(Problem(code="manifest.schema", path=MANIFEST, message=_one_line(exc)))

    _check_digest(source, digest, problems)
    if manifest is not None:
        report.name = manifest.name
        report.files_checked = _check_files(source, manifest, paths, problems)
        _check_archives(source, manifest, problems)
        _check_data(source, manifest, problems)
        if source.folder_name != manifest.name:
            problems.append(
                Problem(
                    code="bundle.name_mismatch",
                    path=source.folder_name,
                    message=f"the folder is named {source.folder_name!r} but the manifest says {manifest.name!r}",
                )
            )
    log = source.read(CUSTODY)
    problems.extend(custody.check_log(log, digest))
    if log:
        report.custody_head = sha256_bytes(log.splitlines(keepends=True)[-1])
    signature = source.read(SIGNATURE)
    if signature is not None:
        check = check_signature(signature, digest, trusted)
        problems.extend(check.problems)
        report.signer = check.signer
    elif trusted is not None:
        problems.append(Problem(code="signature.missing", path=SIGNATURE, message="the bundle is not signed"))
    problems.extend(source.problems)
    return report


def _check_digest(source: BundleSource, digest: str, problems: list[Problem]) -> None:
    data = source.read(DIGEST)
    if data is None:
        problems.append(Problem(code="manifest.digest_missing", path=DIGEST, message="no manifest.sha256"))
        return
    recorded = parse_digest_file(data)
    if recorded is None:
        problems.append(Problem(code="manifest.digest_malformed", path=DIGEST, message="not '<sha256>  manifest.json'"))
    elif recorded != digest:
        problems.append(
            Problem(code="manifest.digest_mismatch", path=MANIFEST, message="the manifest changed after it was sealed")
        )


def _check_files(source: BundleSource, manifest: Manifest, paths: set[str], problems: list[Problem]) -> int:
    listed: set[str] = set()
    checked = 0
    for entry in manifest.files:
        try:
            check_relative_path(entry.path)
        except UnsafePathError as exc:
            problems.append(Problem(code="manifest.unsafe_path", path=entry.path, message=exc.message))
            continue
        if entry.path in listed or entry.path in UNSEALED:
            problems.append(
                Problem(code="manifest.duplicate", path=entry.path, message="listed twice, or a reserved name")
            )
            continue
        listed.add(entry.path)
        data = source.read(entry.path)
        checked += 1
        if data is None:
            if not any(problem.path == entry.path for problem in source.problems):  # e.g. file.not_regular
                problems.append(
                    Problem(code="file.missing", path=entry.path, message="listed in the manifest but missing")
                )
        elif len(data) != entry.bytes:
            problems.append(
                Problem(
                    code="file.size_mismatch",
                    path=entry.path,
                    message=f"{len(data)} bytes, the manifest says {entry.bytes}",
                )
            )
        elif sha256_bytes(data) != entry.sha256:
            problems.append(
                Problem(
                    code="file.hash_mismatch",
                    path=entry.path,
                    message="content changed since sealing (SHA-256 differs)",
                )
            )
    for path in sorted(paths - listed - UNSEALED):
        problems.append(Problem(code="file.unlisted", path=path, message="present but not listed in the manifest"))
    return checked


def _check_archives(source: BundleSource, manifest: Manifest, problems: list[Problem]) -> None:
    """Web archives (``*.wacz``) also carry their own hashes (``datapackage.json``): check them too."""
    for entry in manifest.files:
        if not entry.path.endswith(".wacz"):
            continue
        data = source.read(entry.path)
        if data is None:
            continue  # already file.missing
        for found in check_wacz(data):
            inside = f" ({found.path})" if found.path else ""
            problems.append(Problem(code=found.code, path=entry.path, message=f"{found.message}{inside}"))


def _check_data(source: BundleSource, manifest: Manifest, problems: list[Problem]) -> None:
    listed = {entry.path for entry in manifest.files}
    for path in sorted(listed):
        model: type[BaseModel] | None = None
        if path == CASE:
            model = RefundCase
        elif path.startswith(ASSESSMENTS_DIR + "/"):
            model = Assessment
        elif path.startswith(REVIEWS_DIR + "/"):
            model = ReviewDecision
        data = source.read(path) if model else None
        if model is None or data is None:
            continue
        try:
            parsed: BaseModel = load_model(model, data, path)
        except BundleFormatError as exc:
            problems.append(Problem(code="data.invalid", path=path, message=exc.message))
            continue
        if isinstance(parsed, RefundCase) and (parsed.po, parsed.refund_transaction_id) != (
            manifest.po,
            manifest.refund_transaction_id,
        ):
            problems.append(
                Problem(code="data.mismatch", path=path, message="the case is about another refund than the manifest")
            )
    if CASE not in listed:
        problems.append(
            Problem(code="data.missing_case", path=CASE, message="the manifest does not list data/case.json")
        )


def _one_line(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "manifest"
        return f"{where}: {first['msg']}"
    return str(exc).splitlines()[0]
