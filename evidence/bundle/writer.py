"""Writing a new bundle atomically (the collector's entry point), and re-sealing one after a new
assessment or review (the policy engine's and the reviewer's entry points).

Usage from the collector's pipeline::

    from evidence.bundle import Artifact, BundleContext, write_bundle

    ref = write_bundle(
        out_dir,                       # the job's evidence folder
        case,                          # evidence.models.RefundCase (its assessment, if any, is kept)
        [Artifact("captures/01-refund-details.png", png_bytes),
         Artifact("captures/01-refund-details.html", html_bytes),
         Artifact("emails/0001.eml", raw_eml_bytes)],
        BundleContext(tool_version="0.1.0", operator="ops@example.com", job_id="job-42",
                      playwright_version="1.45.0", browser_version="Chromium 126",
                      policy_id="walmart-cc-2024-11", signing_key=None),
        clock=lambda: datetime.now(UTC),  # inject a fixed clock in tests: byte-identical bundles
    )
    ref.path, ref.name, ref.version, ref.manifest_sha256

``case.captures[*].screenshot/snapshot`` and ``Message.raw_path`` should name artifact paths;
the report links and embeds them. Artifacts live under ``captures/`` or ``emails/`` only.

Atomicity: everything is written into ``out_dir/.staging-<name>-<pid>-<random>/`` and renamed
into place in one ``rename``; a crash leaves only a staging folder, which readers ignore and the
next ``write_bundle`` in that folder removes (when its process is gone). A refund collected again
gets a new version beside the old one (``..._v2``), never an overwrite.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from filelock import FileLock

from evidence.bundle import custody, serialize
from evidence.bundle.custody import CustodyEntry, CustodyEvent
from evidence.bundle.errors import BundleError, BundleIntegrityError, BundleNotFound, UnsafePathError
from evidence.bundle.layout import (
    CASE,
    DIGEST,
    MANIFEST,
    REPORT,
    SIGNATURE,
    STAGING_PREFIX,
    assessment_path,
    bundle_key,
    bundle_name,
    added_path,
    added_record_path,
    check_artifact_path,
    check_relative_path,
    media_type_for,
    parse_version,
    review_path,
)
from evidence.bundle.manifest import (
    FORMAT_VERSION,
    Artifact,
    BundleContext,
    BundleRef,
    Clock,
    Manifest,
    ToolVersions,
    utc_now,
)
from evidence.bundle.reader import Bundle, read_bundle, read_files
from evidence.bundle.review_state import CASE_ID_DETAIL, EVIDENCE_DIGEST_DETAIL, evidence_digest
from evidence.bundle.seal import Sealed, report_bytes, seal
from evidence.bundle.signing import SigningKey
from evidence.bundle.verify import verify_bundle
from evidence.hashing import sha256_bytes
from evidence.models import AddedEvidence, Assessment, EvidenceKind, RefundCase, ReviewDecision

MAX_VERSION_ATTEMPTS = 20


def write_bundle(
    out_dir: Path,
    case: RefundCase,
    artifacts: Sequence[Artifact],
    context: BundleContext,
    clock: Clock = utc_now,
) -> BundleRef:
    """Write a sealed bundle for ``case`` into ``out_dir`` and return where it went."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = _content_files(case, artifacts)
    declared = {artifact.path: artifact.media_type for artifact in artifacts if artifact.media_type}
    at = clock()
    key = bundle_key(case.po, case.refund_transaction_id)
    clean_stale_staging(out_dir)
    version = next_version(out_dir, key)
    for _ in range(MAX_VERSION_ATTEMPTS):
        name = bundle_name(case.po, case.refund_transaction_id, version)
        supersedes = bundle_name(case.po, case.refund_transaction_id, version - 1) if version > 1 else None
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            name=name,
            po=case.po,
            refund_transaction_id=case.refund_transaction_id,
            version=version,
            supersedes=supersedes,
            created_at=at,
            sealed_at=at,
            tool=ToolVersions(
                version=context.tool_version,
                playwright=context.playwright_version,
                browser=context.browser_version,
            ),
            operator=context.operator,
            job_id=context.job_id,
            policy_id=context.policy_id,
            source_urls=sorted(set(case.source_urls)),
            files=[],
        )
        assessments = [case.assessment] if case.assessment else []
        all_files = dict(files)
        all_files[REPORT] = report_bytes(name, case, files, at, assessments=assessments, reviews=[])
        sealed = seal(all_files, manifest, at, context.signing_key, media_types=declared)
        details = dict(context.custody_details)
        if context.signing_key:
            details["signed_by"] = context.signing_key.fingerprint
        if context.job_id:
            details["job_id"] = context.job_id
        staging = out_dir / f"{STAGING_PREFIX}{name}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            write_tree(staging, all_files, sealed)
            custody.append(
                staging, CustodyEvent.CAPTURED, actor=context.operator, at=at,
                manifest_sha256=sealed.digest, details=details,
            )  # fmt: skip
            final = out_dir / name
            if final.exists():
                raise FileExistsError(errno.EEXIST, "exists", str(final))
            os.rename(staging, final)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                version += 1  # another writer took this version meanwhile: take the next one
                continue
            raise BundleError(f"cannot write the bundle: {exc.strerror or exc}", out_dir / name) from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _fsync_dir(out_dir)
        return BundleRef(path=final, name=name, version=version, manifest_sha256=sealed.digest)
    raise BundleError(f"no free version after {MAX_VERSION_ATTEMPTS} attempts", out_dir / key)


def _content_files(case: RefundCase, artifacts: Sequence[Artifact]) -> dict[str, bytes]:
    files: dict[str, bytes] = {CASE: serialize.dumps(case.model_copy(update={"assessment": None}))}
    if case.assessment is not None:
        files[assessment_path(1)] = serialize.dumps(case.assessment)
    for artifact in artifacts:
        path = check_artifact_path(artifact.path)
        if path in files:
            raise UnsafePathError("two artifacts have the same path", path)
        files[path] = bytes(artifact.data)
    return files


def next_version(out_dir: Path, key: str) -> int:
    """One more than the highest existing version of ``key`` in ``out_dir`` (1 if none)."""
    versions = [v for child in out_dir.iterdir() if (v := parse_version(child.name, key)) is not None]
    return max(versions, default=0) + 1


def write_tree(folder: Path, files: Mapping[str, bytes], sealed: Sealed) -> None:
    """Write content files and the seal (manifest, digest, signature) into a new ``folder``."""
    folder.mkdir(parents=False, exist_ok=False)
    everything = dict(files)
    everything[MANIFEST] = sealed.manifest_bytes
    everything[DIGEST] = sealed.digest_bytes
    if sealed.signature_bytes is not None:
        everything[SIGNATURE] = sealed.signature_bytes
    for path, data in sorted(everything.items()):
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder + ``os.replace``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def clean_stale_staging(out_dir: Path) -> list[Path]:
    """Remove staging folders left by writers that are no longer running; return what was removed."""
    removed = []
    for child in out_dir.glob(f"{STAGING_PREFIX}*"):
        pid = _staging_pid(child.name)
        if pid is not None and pid != os.getpid() and _process_alive(pid):
            continue
        if pid == os.getpid():
            continue  # ours, in progress (threads of this process)
        shutil.rmtree(child, ignore_errors=True)
        removed.append(child)
    return removed


def _staging_pid(name: str) -> int | None:
    parts = name.rsplit("-", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- re-sealing
# Changing a sealed bundle the only ways allowed: a new assessment, a review decision, a file a
# reviewer adds (``add_evidence``).
#
# Each adds new files (earlier assessments and reviews stay), re-render ``report.html``, re-seal
# the manifest (new digest), re-sign it when a key is given (otherwise an existing signature is
# removed, since it no longer matches) and append a custody entry with the old and new digests.
#
# Re-seals of one bundle are serialized by an exclusive ``flock`` on its folder (POSIX only).
# A bundle that fails verification is never re-sealed (``BundleIntegrityError``): re-sealing would
# launder the tampering. Files are replaced one by one (temporary file + ``os.replace``) in the
# order new file, report, manifest, digest, signature, custody; an interruption leaves a state that
# ``collector verify`` reports (an unlisted file or a stale digest), never a silently wrong one.


def append_assessment(
    bundle_path: Path,
    assessment: Assessment,
    actor: str,
    clock: Clock = utc_now,
    signing_key: SigningKey | None = None,
) -> BundleRef:
    """Add ``assessment`` as the bundle's current assessment and record "assessed"."""
    with _locked(Path(bundle_path)):
        bundle = _intact(Path(bundle_path))
        rel = assessment_path(len(bundle.assessments) + 1)
        details = {"file": rel, "policy_id": assessment.policy_id, "verdict": assessment.verdict.value}
        return _reseal(
            bundle, {rel: serialize.dumps(assessment)}, CustodyEvent.ASSESSED, actor, clock, signing_key, details,
            assessments=[*bundle.assessments, assessment], reviews=bundle.reviews,
        )  # fmt: skip


def record_review(
    bundle_path: Path,
    decision: ReviewDecision,
    clock: Clock = utc_now,
    signing_key: SigningKey | None = None,
) -> BundleRef:
    """Add a reviewer's decision and record "reviewed" (the actor is ``decision.reviewer``)."""
    with _locked(Path(bundle_path)):
        bundle = _intact(Path(bundle_path))
        rel = review_path(len(bundle.reviews) + 1)
        details = {"file": rel, "outcome": decision.outcome.value}
        details[EVIDENCE_DIGEST_DETAIL] = evidence_digest(bundle.manifest)
        return _reseal(
            bundle, {rel: serialize.dumps(decision)}, CustodyEvent.REVIEWED, decision.reviewer, clock, signing_key,
            details, assessments=bundle.assessments, reviews=[*bundle.reviews, decision],
        )  # fmt: skip


MAX_ADDED_BYTES = 25 * 1024 * 1024


def add_evidence(
    bundle_path: Path,
    data: bytes,
    filename: str,
    kind: EvidenceKind,
    actor: str,
    *,
    label: str = "",
    note: str = "",
    clock: Clock = utc_now,
    signing_key: SigningKey | None = None,
) -> tuple[BundleRef, AddedEvidence]:
    """Attach a reviewer's file: ``added/NNNN-<name>`` plus its record, re-sealed, "evidence_added".

    The record (``data/added/added-NNNN.json``) says what the file is (``kind``), who added it and
    when; reading the bundle lays the records over the case (``case.added_evidence``) so the policy
    sees them. Re-assess afterwards (``evidence.review.add_evidence_and_reassess`` does both).
    """
    if not data:
        raise ValueError("the file is empty")
    if len(data) > MAX_ADDED_BYTES:
        raise ValueError(f"the file is larger than {MAX_ADDED_BYTES // (1024 * 1024)} MB")
    name = PurePosixPath(filename.replace("\\", "/")).name.strip() or "file"
    with _locked(Path(bundle_path)):
        bundle = _intact(Path(bundle_path))
        number = len(bundle.case.added_evidence) + 1
        rel = check_relative_path(added_path(number, name))
        at = clock()
        record = AddedEvidence(
            path=rel, kind=kind, label=label.strip() or name, filename=name, media_type=media_type_for(rel),
            size=len(data), sha256=sha256_bytes(data), added_by=actor, added_at=at, note=note.strip(),
        )  # fmt: skip
        details = {"file": rel, "kind": kind.value, "sha256": record.sha256, "record": added_record_path(number)}
        ref = _reseal(
            bundle, {rel: data, added_record_path(number): serialize.dumps(record)}, CustodyEvent.EVIDENCE_ADDED,
            actor, lambda: at, signing_key, details, assessments=bundle.assessments, reviews=bundle.reviews,
        )  # fmt: skip
        return ref, record


def record_filed(bundle_path: Path, case_id: str, actor: str, clock: Clock = utc_now) -> CustodyEntry:
    """Record that the dispute was submitted ("filed", with its ``case_id``); no re-seal.

    Filing changes nothing in the evidence, so the entry names the current manifest digest.
    """
    if not case_id.strip():
        raise ValueError("a filed entry needs the case ID from the confirmation")
    with _locked(Path(bundle_path)):
        bundle = _intact(Path(bundle_path))
        return custody.append(
            bundle.path, CustodyEvent.FILED, actor=actor, at=clock(), manifest_sha256=bundle.manifest_sha256,
            details={CASE_ID_DETAIL: case_id.strip()},
        )  # fmt: skip


LOCKS_DIR = ".locks"  # beside the bundles: verify and index skip dot folders


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the bundle, so two re-seals cannot interleave.

    The lock is a file beside the bundle (``.locks/<name>.lock`` in its parent: nothing may be
    added inside a sealed folder), taken with ``filelock`` (fcntl on Unix, msvcrt on Windows),
    so reading and verifying bundles works on every platform.
    """
    if not path.is_dir():
        raise BundleNotFound("no such bundle folder", path)
    locks = path.parent / LOCKS_DIR
    locks.mkdir(exist_ok=True)
    with FileLock(locks / f"{path.name}.lock"):
        yield


def _intact(path: Path) -> Bundle:
    report = verify_bundle(path)
    if not report.ok:
        raise BundleIntegrityError(report.problems, path)
    return read_bundle(path)


def _reseal(
    bundle: Bundle,
    new_files: Mapping[str, bytes],
    event: CustodyEvent,
    actor: str,
    clock: Clock,
    key: SigningKey | None,
    details: dict[str, str],
    *,
    assessments: list[Assessment],
    reviews: list[ReviewDecision],
) -> BundleRef:
    at = clock()
    files = read_files(bundle.path, bundle.manifest)
    files.update(new_files)
    content = {path: body for path, body in files.items() if path != REPORT}
    files[REPORT] = report_bytes(bundle.name, bundle.case, content, at, assessments=assessments, reviews=reviews)
    sealed = seal(files, bundle.manifest, at, key)
    for rel, data in new_files.items():
        replace_file(bundle.path / rel, data)
    replace_file(bundle.path / REPORT, files[REPORT])
    replace_file(bundle.path / MANIFEST, sealed.manifest_bytes)
    replace_file(bundle.path / DIGEST, sealed.digest_bytes)
    signature = bundle.path / SIGNATURE
    if key is not None and sealed.signature_bytes is not None:
        replace_file(signature, sealed.signature_bytes)
        details = {**details, "signature": f"re-signed by {key.name} ({key.fingerprint[:16]})"}
    elif signature.exists():
        signature.unlink()
        details = {**details, "signature": "dropped (no key given to re-sign)"}
    custody.append(
        bundle.path, event, actor=actor, at=at, manifest_sha256=sealed.digest,
        previous_manifest_sha256=bundle.manifest_sha256, details=details,
    )  # fmt: skip
    return BundleRef(path=bundle.path, name=bundle.name, version=bundle.manifest.version, manifest_sha256=sealed.digest)
