"""Review decisions, files added in review (re-assessed), stale approvals and the filing packet."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from evidence.bundle import read_bundle, verify_bundle, write_bundle
from evidence.bundle.custody import CustodyEvent
from evidence.bundle.example import FIXED_NOW, example_artifacts, example_case, example_context, fixed_clock
from evidence.bundle.review_state import ReviewState, review_state
from evidence.models import EvidenceKind, FindingStatus, RefundCase, Shipment
from evidence.policy import assess, default_registry
from evidence.review import (
    MAX_DESCRIPTION,
    REASONS,
    DecisionError,
    add_evidence_and_reassess,
    approve,
    build_packet,
    needs_evidence,
    reject,
)

LATER = FIXED_NOW + timedelta(hours=1)
TEXT = "The customer was answered by a person within 20 hours; the carrier shows delivery."


def lost_in_transit_case() -> RefundCase:
    """An insured shipment never delivered, refunded as lost: the carrier claim is expected."""
    case = example_case()
    order = case.order.model_copy(
        update={"shipments": [Shipment(carrier="UPS", tracking_number="1Z999AA10123456784",
                                       shipped_at=FIXED_NOW - timedelta(days=10), insured=True)]}  # fmt: skip
    )
    refund = case.refund.model_copy(update={"reason_code": "LOST_IN_TRANSIT", "reason": "Lost in transit"})
    case = case.model_copy(update={"order": order, "refund": refund})
    policy = default_registry().get("walmart-cc-2024-11")
    return case.model_copy(update={"assessment": assess(case, policy, FIXED_NOW)})


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path, example_case(), example_artifacts(), example_context(), clock=fixed_clock).path


@pytest.fixture
def lost(tmp_path: Path) -> Path:
    return write_bundle(tmp_path, lost_in_transit_case(), example_artifacts(), example_context(), fixed_clock).path


def _claim(bundle: Path) -> None:
    add_evidence_and_reassess(
        bundle, b"%PDF-1.4 claim 7781", "UPS claim 7781.pdf", EvidenceKind.CARRIER_CLAIM, "ann",
        label="UPS claim 7781", now=LATER,
    )  # fmt: skip


def _finding(bundle: Path, code: str):
    return next(f for f in read_bundle(bundle).case.assessment.findings if f.code == code)


def test_approve_records_the_text_reason_and_files_in_custody(bundle: Path) -> None:
    before = read_bundle(bundle)
    approve(bundle, "Ann Reviewer", text=TEXT, reason=REASONS[0], attachments=["emails/0003.eml"], clock=lambda: LATER)
    after = read_bundle(bundle)
    decision = after.reviews[-1]
    assert (decision.text, decision.reason_option, decision.attachments) == (TEXT, REASONS[0], ["emails/0003.eml"])
    entry = after.custody[-1]
    assert (entry.event, entry.actor, entry.at) == (CustodyEvent.REVIEWED, "Ann Reviewer", LATER)
    assert entry.previous_manifest_sha256 == before.manifest_sha256
    assert review_state(after) is ReviewState.APPROVED
    assert verify_bundle(bundle).ok
    packet = build_packet(after)
    assert packet.approved and packet.problems == []
    assert (packet.reason, packet.description, packet.attachments) == (REASONS[0], TEXT, ["emails/0003.eml"])
    assert packet.form_url == "https://seller.walmart.com/disputes/new?transaction=CCR-88121"
    assert packet.steps[0].startswith("Open Transactions dashboard")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": TEXT, "reason": "Because"}, "choose one of the form's reasons"),
        ({"text": "too short", "reason": REASONS[0]}, "20 to 2000 characters"),
        ({"text": "x" * (MAX_DESCRIPTION + 1), "reason": REASONS[0]}, "20 to 2000 characters"),
        ({"text": TEXT, "reason": REASONS[0], "attachments": ["../../etc/passwd"]}, "not a file of this bundle"),
    ],
)
def test_a_bad_approval_is_refused_and_nothing_is_recorded(bundle: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(DecisionError, match=message):
        approve(bundle, "ann", **kwargs)
    assert read_bundle(bundle).reviews == []


def test_reject_and_needs_evidence_need_a_reason(bundle: Path) -> None:
    with pytest.raises(DecisionError, match="say why"):
        reject(bundle, "ann", "  ")
    needs_evidence(bundle, "ann", "attach the carrier claim", clock=lambda: LATER)
    assert review_state(read_bundle(bundle)) is ReviewState.NEEDS_EVIDENCE
    reject(bundle, "ann", "duplicate of a filed case", clock=lambda: LATER)
    read = read_bundle(bundle)
    assert review_state(read) is ReviewState.REJECTED and read.reviews[-1].note == "duplicate of a filed case"
    assert build_packet(read).problems[0] == "not approved (rejected)"


def test_a_carrier_claim_turns_the_finding_from_unknown_to_pass(lost: Path) -> None:
    assert _finding(lost, "lost_order.carrier_claim").status is FindingStatus.UNKNOWN
    _claim(lost)
    read = read_bundle(lost)
    finding = _finding(lost, "lost_order.carrier_claim")
    assert finding.status is FindingStatus.PASS
    assert "UPS claim 7781" in finding.detail
    [added] = read.case.added_evidence
    assert added.path == "added/0001-UPS-claim-7781.pdf" and added.added_by == "ann"
    assert (lost / added.path).read_bytes() == b"%PDF-1.4 claim 7781"
    assert [e.event for e in read.custody][-2:] == [CustodyEvent.EVIDENCE_ADDED, CustodyEvent.ASSESSED]
    assert read.manifest.entry(added.path) is not None
    assert verify_bundle(lost).ok
    assert build_packet(read).attachments[0] == added.path


def test_evidence_added_after_an_approval_makes_it_stale_until_approved_again(lost: Path) -> None:
    approve(lost, "ann", text=TEXT, reason=REASONS[0], clock=lambda: LATER)
    assert review_state(read_bundle(lost)) is ReviewState.APPROVED
    _claim(lost)
    read = read_bundle(lost)
    assert review_state(read) is ReviewState.APPROVAL_STALE
    packet = build_packet(read)
    assert not packet.approved and packet.problems[0].startswith("the evidence changed after the approval")
    approve(lost, "ann", text=TEXT, reason=REASONS[0], clock=lambda: LATER + timedelta(minutes=5))
    assert review_state(read_bundle(lost)) is ReviewState.APPROVED


def test_an_empty_upload_is_refused(bundle: Path) -> None:
    with pytest.raises(DecisionError, match="empty"):
        add_evidence_and_reassess(bundle, b"", "note.txt", EvidenceKind.CALL_NOTE, "ann", now=LATER)
    assert read_bundle(bundle).case.added_evidence == []


def test_the_packet_reasons_are_the_dispute_forms_reasons() -> None:
    from pages.dispute_form import REASONS as FORM_REASONS

    assert REASONS == FORM_REASONS


def test_a_redacted_export_withholds_added_files_and_masks_their_records(lost: Path, tmp_path: Path) -> None:
    import zipfile

    from evidence.bundle import export_bundles, verify_path

    add_evidence_and_reassess(
        lost, b"%PDF claim for Jane Q. Buyer", "claim.pdf", EvidenceKind.CARRIER_CLAIM, "ann",
        label="Claim for Jane Q. Buyer", now=LATER,
    )  # fmt: skip
    [archive] = export_bundles([lost], tmp_path / "out", actor="ann", redact=True, clock=lambda: LATER)
    assert verify_path(archive).ok
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert not any("/added/0001-claim.pdf" in n for n in names)
        record = next(n for n in names if n.endswith("data/added/added-0001.json"))
        assert "Jane" not in zf.read(record).decode()


def test_the_report_names_the_forms_reason_and_where_the_form_is(bundle: Path) -> None:
    html = (bundle / "report.html").read_text(encoding="utf-8")
    assert "reason <strong>Customer was contacted within 48 hours</strong>" in html
    assert "<code>https://seller.walmart.com/disputes/new?transaction=CCR-88121</code>" in html


def test_needs_evidence_goes_back_to_review_once_evidence_is_added(lost: Path) -> None:
    needs_evidence(lost, "ann", "attach the carrier claim", clock=lambda: LATER)
    assert review_state(read_bundle(lost)) is ReviewState.NEEDS_EVIDENCE
    _claim(lost)
    assert review_state(read_bundle(lost)) is ReviewState.TO_REVIEW
