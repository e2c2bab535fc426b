"""A bundle's review state: from its sealed decisions and its custody log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from evidence.bundle import read_bundle, record_review, verify_bundle, write_bundle
from evidence.bundle.example import FIXED_NOW, example_artifacts, example_case, example_context, fixed_clock
from evidence.bundle.review_state import ReviewState, evidence_digest, review_state
from evidence.bundle.writer import record_filed
from evidence.models import ReviewDecision, ReviewOutcome

LATER = FIXED_NOW + timedelta(hours=2)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path, example_case(), example_artifacts(), example_context(), clock=fixed_clock).path


def _decide(bundle: Path, outcome: ReviewOutcome, minutes: int = 0) -> None:
    at = LATER + timedelta(minutes=minutes)
    record_review(bundle, ReviewDecision(reviewer="ann", decided_at=at, outcome=outcome), clock=lambda: at)


def test_a_new_bundle_is_to_review(bundle: Path) -> None:
    assert review_state(read_bundle(bundle)) is ReviewState.TO_REVIEW


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        (ReviewOutcome.APPROVED_TO_FILE, ReviewState.APPROVED),
        (ReviewOutcome.REJECTED, ReviewState.REJECTED),
        (ReviewOutcome.NEEDS_MORE_EVIDENCE, ReviewState.NEEDS_EVIDENCE),
    ],
)
def test_the_latest_decision_counts(bundle: Path, outcome: ReviewOutcome, state: ReviewState) -> None:
    _decide(bundle, ReviewOutcome.REJECTED if outcome is not ReviewOutcome.REJECTED else ReviewOutcome.APPROVED_TO_FILE)
    _decide(bundle, outcome, minutes=5)
    assert review_state(read_bundle(bundle)) is state


def test_an_approval_survives_its_own_reseal_and_records_the_evidence_it_was_made_on(bundle: Path) -> None:
    before = read_bundle(bundle)
    _decide(bundle, ReviewOutcome.APPROVED_TO_FILE)
    after = read_bundle(bundle)
    assert after.manifest_sha256 != before.manifest_sha256  # the approval re-sealed the bundle
    entry = after.custody[-1]
    assert entry.previous_manifest_sha256 == before.manifest_sha256
    assert entry.details["evidence_sha256"] == evidence_digest(before.manifest) == evidence_digest(after.manifest)
    assert review_state(after) is ReviewState.APPROVED


def test_an_approval_without_its_custody_entry_is_not_trusted(bundle: Path) -> None:
    _decide(bundle, ReviewOutcome.APPROVED_TO_FILE)
    read = read_bundle(bundle)
    stripped = type(read)(**{**read.__dict__, "custody": read.custody[:1]})
    assert review_state(stripped) is ReviewState.APPROVAL_STALE


def test_filed_needs_a_case_id_and_wins(bundle: Path) -> None:
    _decide(bundle, ReviewOutcome.APPROVED_TO_FILE)
    with pytest.raises(ValueError, match="case ID"):
        record_filed(bundle, "  ", actor="ann", clock=lambda: LATER)
    entry = record_filed(bundle, "DSP-1234", actor="ann", clock=lambda: LATER)
    read = read_bundle(bundle)
    assert review_state(read) is ReviewState.FILED
    assert entry.manifest_sha256 == read.manifest_sha256
    assert verify_bundle(bundle).ok
