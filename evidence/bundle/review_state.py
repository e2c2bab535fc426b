"""Where a bundle stands in review: ``review_state(bundle) -> ReviewState``.

The state comes from the bundle itself (its sealed review decisions and its custody log), never
from a side file, so every tool that reads bundles (the review app, ``collector status``, the
index) agrees:

* ``filed``: the custody log holds a ``filed`` entry with a ``case_id`` (the dispute was submitted);
* otherwise the latest review decision: none is ``to_review``, then ``rejected``,
  ``needs_evidence`` or ``approved``;
* an approval is ``approval_stale`` when the evidence changed after it; a ``needs_evidence``
  decision followed by new evidence is ``to_review`` again (the reviewer decides on it).

What "evidence changed" means: recording a decision re-seals the bundle (a new review file, a
re-rendered report, a new manifest digest), and so does a new assessment, so the manifest digest
cannot be compared as it is. The *evidence digest* (``evidence_digest``) is the SHA-256 of the
manifest's entries for the evidence files only: everything listed except ``report.html`` (a
rendering), ``data/reviews/`` (the decisions) and ``data/assessments/`` (derived from the evidence
by the policy; re-running ``collector assess`` does not void an approval, whose text is in the
decision). The ``reviewed`` custody entry of an approval records the evidence digest it was made
on (``details.evidence_sha256``) next to the manifest digest it was made on
(``previous_manifest_sha256``); a file added to the bundle afterwards changes the evidence digest
and the approval goes stale until someone approves again.
"""

from __future__ import annotations

from enum import StrEnum

from evidence.bundle.custody import CustodyEntry, CustodyEvent
from evidence.bundle.layout import ASSESSMENTS_DIR, REPORT, REVIEWS_DIR, review_path
from evidence.bundle.manifest import Manifest
from evidence.bundle.reader import Bundle
from evidence.hashing import sha256_bytes
from evidence.models import ReviewOutcome

EVIDENCE_DIGEST_DETAIL = "evidence_sha256"
CASE_ID_DETAIL = "case_id"
REVIEW_FILE_DETAIL = "file"


class ReviewState(StrEnum):
    TO_REVIEW = "to_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    NEEDS_EVIDENCE = "needs_evidence"
    FILED = "filed"
    APPROVAL_STALE = "approval_stale"


def is_evidence(path: str) -> bool:
    """Whether a manifest path is evidence (not a rendering, a decision or an assessment)."""
    return path != REPORT and not path.startswith((REVIEWS_DIR + "/", ASSESSMENTS_DIR + "/"))


def evidence_digest(manifest: Manifest) -> str:
    """SHA-256 over ``<sha256> <path>`` lines of the evidence files, sorted by path."""
    lines = sorted(f"{entry.sha256} {entry.path}\n" for entry in manifest.files if is_evidence(entry.path))
    return sha256_bytes("".join(lines).encode("utf-8"))


def filed_entry(bundle: Bundle) -> CustodyEntry | None:
    """The latest ``filed`` custody entry that names a case ID, if any."""
    for entry in reversed(bundle.custody):
        if entry.event is CustodyEvent.FILED and entry.details.get(CASE_ID_DETAIL):
            return entry
    return None


def decision_entry(bundle: Bundle, number: int) -> CustodyEntry | None:
    """The ``reviewed`` custody entry of review decision ``number`` (1-based), if the log has it."""
    rel = review_path(number)
    for entry in bundle.custody:
        if entry.event is CustodyEvent.REVIEWED and entry.details.get(REVIEW_FILE_DETAIL) == rel:
            return entry
    return None


def _evidence_changed_since(bundle: Bundle) -> bool:
    """Whether the evidence changed after the latest decision (True when the log cannot tell)."""
    entry = decision_entry(bundle, len(bundle.reviews))
    if entry is None:
        return True  # a decision the custody log does not account for is not trusted
    made_on = entry.details.get(EVIDENCE_DIGEST_DETAIL)
    if made_on is not None:
        return made_on != evidence_digest(bundle.manifest)
    # A decision recorded before evidence digests were kept: changed once evidence was added after it.
    return any(e.event is CustodyEvent.EVIDENCE_ADDED for e in bundle.custody[entry.seq :])


def approval_is_current(bundle: Bundle) -> bool:
    """Whether the latest decision is an approval made on the evidence the bundle holds now."""
    if not bundle.reviews or bundle.reviews[-1].outcome is not ReviewOutcome.APPROVED_TO_FILE:
        return False
    return not _evidence_changed_since(bundle)


def review_state(bundle: Bundle) -> ReviewState:
    """The bundle's review state (see the module docstring for the rules)."""
    if filed_entry(bundle) is not None:
        return ReviewState.FILED
    if not bundle.reviews:
        return ReviewState.TO_REVIEW
    outcome = bundle.reviews[-1].outcome
    if outcome is ReviewOutcome.REJECTED:
        return ReviewState.REJECTED
    if outcome is ReviewOutcome.NEEDS_MORE_EVIDENCE:
        # Evidence added since: back in the queue for a decision.
        return ReviewState.TO_REVIEW if _evidence_changed_since(bundle) else ReviewState.NEEDS_EVIDENCE
    return ReviewState.APPROVED if approval_is_current(bundle) else ReviewState.APPROVAL_STALE
