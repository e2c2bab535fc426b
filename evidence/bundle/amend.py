"""Changing a sealed bundle the only ways allowed: a new assessment, a review decision.

Both add a new file (earlier assessments and reviews stay), re-render ``report.html``, re-seal
the manifest (new digest), re-sign it when a key is given (otherwise an existing signature is
removed, since it no longer matches) and append a custody entry with the old and new digests.

Re-seals of one bundle are serialized by an exclusive ``flock`` on its folder (POSIX only).
A bundle that fails verification is never re-sealed (``BundleIntegrityError``): re-sealing would
launder the tampering. Files are replaced one by one (temporary file + ``os.replace``) in the
order new file, report, manifest, digest, signature, custody; an interruption leaves a state that
``collector verify`` reports (an unlisted file or a stale digest), never a silently wrong one.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evidence.bundle import custody, serialize
from evidence.bundle.custody import CustodyEvent
from evidence.bundle.errors import BundleIntegrityError, BundleNotFound
from evidence.bundle.layout import DIGEST, MANIFEST, REPORT, SIGNATURE, assessment_path, review_path
from evidence.bundle.manifest import BundleRef, Clock, utc_now
from evidence.bundle.reader import Bundle, read_bundle, read_files
from evidence.bundle.seal import report_bytes, seal
from evidence.bundle.signing import SigningKey
from evidence.bundle.verify import verify_bundle
from evidence.bundle.writer import replace_file
from evidence.models import Assessment, ReviewDecision


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
            bundle, rel, serialize.dumps(assessment), CustodyEvent.ASSESSED, actor, clock, signing_key, details,
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
        return _reseal(
            bundle, rel, serialize.dumps(decision), CustodyEvent.REVIEWED, decision.reviewer, clock, signing_key,
            details, assessments=bundle.assessments, reviews=[*bundle.reviews, decision],
        )  # fmt: skip


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the bundle folder, so two re-seals cannot interleave."""
    if not path.is_dir():
        raise BundleNotFound("no such bundle folder", path)
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _intact(path: Path) -> Bundle:
    report = verify_bundle(path)
    if not report.ok:
        raise BundleIntegrityError(report.problems, path)
    return read_bundle(path)


def _reseal(
    bundle: Bundle,
    rel: str,
    data: bytes,
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
    files[rel] = data
    content = {path: body for path, body in files.items() if path != REPORT}
    files[REPORT] = report_bytes(bundle.name, bundle.case, content, at, assessments=assessments, reviews=reviews)
    sealed = seal(files, bundle.manifest, at, key)
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
