"""A reviewer's decisions on a bundle, and files a reviewer adds (then the refund is re-assessed).

Each decision goes through :func:`evidence.bundle.record_review` (a sealed review file, a
re-rendered report, a new manifest digest, a re-signature when a key is given, and a ``reviewed``
custody entry naming the reviewer, the time and the digests it was made on).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from evidence.bundle import BundleRef, read_bundle, record_review
from evidence.bundle.manifest import Clock, utc_now
from evidence.bundle.signing import SigningKey
from evidence.bundle.writer import MAX_ADDED_BYTES, add_evidence, append_assessment
from evidence.models import AddedEvidence, EvidenceKind, ReviewDecision, ReviewOutcome
from evidence.policy import PolicyError, assess, default_registry
from evidence.review.packet import MAX_DESCRIPTION, MIN_DESCRIPTION, REASONS

ASSESSOR = "policy-engine"
MAX_UPLOAD_BYTES = MAX_ADDED_BYTES


class DecisionError(ValueError):
    """A decision that cannot be recorded as given (one line, for the reviewer)."""


def _reviewer(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise DecisionError("say who is deciding (the reviewer's name)")
    return name


def approve(
    bundle_path: Path,
    reviewer: str,
    *,
    text: str,
    reason: str,
    attachments: Sequence[str] = (),
    note: str = "",
    clock: Clock = utc_now,
    signing_key: SigningKey | None = None,
) -> BundleRef:
    """Approve filing with the final ``text``, the form's ``reason`` and the chosen files, in order."""
    text = text.strip()
    if reason not in REASONS:
        raise DecisionError(f"choose one of the form's reasons: {', '.join(REASONS)}")
    if not MIN_DESCRIPTION <= len(text) <= MAX_DESCRIPTION:
        raise DecisionError(f"the text must be {MIN_DESCRIPTION} to {MAX_DESCRIPTION} characters (it is {len(text)})")
    bundle = read_bundle(bundle_path)
    unknown = [a for a in attachments if bundle.manifest.entry(a) is None]
    if unknown:
        raise DecisionError(f"not a file of this bundle: {unknown[0]}")
    decision = ReviewDecision(
        reviewer=_reviewer(reviewer), decided_at=clock(), outcome=ReviewOutcome.APPROVED_TO_FILE, note=note.strip(),
        reason_option=reason, text=text, attachments=list(dict.fromkeys(attachments)),
    )  # fmt: skip
    return record_review(bundle_path, decision, clock=lambda: decision.decided_at, signing_key=signing_key)


def reject(
    bundle_path: Path, reviewer: str, reason: str, clock: Clock = utc_now, signing_key: SigningKey | None = None
) -> BundleRef:
    """Decide not to file, saying why."""
    return _simple(bundle_path, reviewer, ReviewOutcome.REJECTED, reason, "say why it is rejected", clock, signing_key)


def needs_evidence(
    bundle_path: Path, reviewer: str, note: str, clock: Clock = utc_now, signing_key: SigningKey | None = None
) -> BundleRef:
    """Hold the refund until the evidence named in ``note`` is attached."""
    missing = "say which evidence is needed"
    return _simple(bundle_path, reviewer, ReviewOutcome.NEEDS_MORE_EVIDENCE, note, missing, clock, signing_key)


def _simple(
    path: Path, reviewer: str, outcome: ReviewOutcome, note: str, empty: str, clock: Clock, key: SigningKey | None
) -> BundleRef:
    if not note.strip():
        raise DecisionError(empty)
    decision = ReviewDecision(reviewer=_reviewer(reviewer), decided_at=clock(), outcome=outcome, note=note.strip())
    return record_review(path, decision, clock=lambda: decision.decided_at, signing_key=key)


def add_evidence_and_reassess(
    bundle_path: Path,
    data: bytes,
    filename: str,
    kind: EvidenceKind,
    actor: str,
    *,
    label: str = "",
    note: str = "",
    now: datetime | None = None,
    signing_key: SigningKey | None = None,
) -> tuple[BundleRef, AddedEvidence]:
    """Attach a file (``evidence_added``), then assess the refund again (``assessed``) under the
    policy of its current assessment (or the one in force when it was issued)."""
    at = now or utc_now()
    actor = _reviewer(actor)
    try:
        _, record = add_evidence(
            bundle_path, data, filename, kind, actor, label=label, note=note, clock=lambda: at,
            signing_key=signing_key,
        )  # fmt: skip
    except ValueError as exc:
        raise DecisionError(str(exc)) from exc
    bundle = read_bundle(bundle_path)
    registry = default_registry()
    current = bundle.case.assessment
    try:
        policy = registry.select(
            policy_id=current.policy_id if current else None,
            issued_at=bundle.case.refund.issued_at,
            timezone=bundle.case.seller.timezone,
        )
    except (PolicyError, KeyError, ValueError):
        policy = registry.for_refund(bundle.case.refund.issued_at, bundle.case.seller.timezone)
    assessment = assess(bundle.case, policy, at)
    ref = append_assessment(bundle_path, assessment, actor=ASSESSOR, clock=lambda: at, signing_key=signing_key)
    return ref, record
