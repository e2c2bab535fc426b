"""The custody log and the two allowed changes to a sealed bundle: re-assessment and review."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evidence.bundle import (
    BundleIntegrityError,
    CustodyEvent,
    append_assessment,
    read_bundle,
    record_review,
    verify_bundle,
    write_bundle,
)
from evidence.bundle.example import example_artifacts, example_assessment, example_case, example_context, fixed_clock
from evidence.models import ReviewDecision, ReviewOutcome, Verdict

LATER = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path, example_case(), example_artifacts(), example_context(), clock=fixed_clock).path


def codes(path: Path) -> set[str]:
    return {problem.code for problem in verify_bundle(path).problems}


def _lines(bundle: Path) -> list[str]:
    return (bundle / "custody.jsonl").read_text().splitlines()


def test_capture_is_the_first_custody_entry_with_who_when_and_the_manifest_hash(bundle: Path) -> None:
    [entry] = read_bundle(bundle).custody
    assert entry.event is CustodyEvent.CAPTURED
    assert entry.actor == "ops@example-seller.com"
    assert entry.at == fixed_clock()
    assert entry.manifest_sha256 == read_bundle(bundle).manifest_sha256
    assert entry.prev_entry_sha256 == "0" * 64


def test_reassessment_keeps_the_old_assessment_reseals_and_records_both_hashes(bundle: Path) -> None:
    before = read_bundle(bundle)
    new = example_assessment(verdict=Verdict.NEEDS_ATTENTION, assessed_at=LATER)
    ref = append_assessment(bundle, new, actor="policy-engine", clock=lambda: LATER)
    after = read_bundle(bundle)
    assert after.files("data/assessments/") == [
        "data/assessments/assessment-0001.json",
        "data/assessments/assessment-0002.json",
    ]
    assert after.case.assessment == new
    assert after.assessments[0] == before.case.assessment
    assert ref.manifest_sha256 == after.manifest_sha256 != before.manifest_sha256
    assert after.manifest.sealed_at == LATER and after.manifest.created_at == before.manifest.created_at
    last = after.custody[-1]
    assert (last.event, last.actor, last.at) == (CustodyEvent.ASSESSED, "policy-engine", LATER)
    assert (last.previous_manifest_sha256, last.manifest_sha256) == (before.manifest_sha256, after.manifest_sha256)
    assert "needs attention" in (bundle / "report.html").read_text()
    assert verify_bundle(bundle).ok


def test_a_review_decision_is_sealed_shown_and_recorded(bundle: Path) -> None:
    decision = ReviewDecision(
        reviewer="ann@example-seller.com", decided_at=LATER, outcome=ReviewOutcome.APPROVED_TO_FILE, note="Filed today."
    )
    record_review(bundle, decision, clock=lambda: LATER)
    after = read_bundle(bundle)
    assert after.reviews == [decision]
    assert [e.event for e in after.custody] == [CustodyEvent.CAPTURED, CustodyEvent.REVIEWED]
    assert after.custody[-1].actor == "ann@example-seller.com"
    assert "approved to file - Filed today." in (bundle / "report.html").read_text()
    assert verify_bundle(bundle).ok


def test_a_tampered_bundle_is_not_resealed(bundle: Path) -> None:
    (bundle / "emails/0001.eml").write_bytes(b"rewritten history")
    manifest_before = (bundle / "manifest.json").read_bytes()
    with pytest.raises(BundleIntegrityError, match="file.size_mismatch"):
        append_assessment(bundle, example_assessment(), actor="policy-engine", clock=lambda: LATER)
    assert (bundle / "manifest.json").read_bytes() == manifest_before
    assert len(_lines(bundle)) == 1


def _three_entries(bundle: Path) -> None:
    append_assessment(bundle, example_assessment(assessed_at=LATER), "policy-engine", lambda: LATER)
    decision = ReviewDecision(reviewer="ann", decided_at=LATER + timedelta(hours=1), outcome=ReviewOutcome.REJECTED)
    record_review(bundle, decision, clock=lambda: LATER + timedelta(hours=1))
    assert verify_bundle(bundle).ok


def test_an_edited_entry_breaks_the_chain_at_the_next_entry(bundle: Path) -> None:
    _three_entries(bundle)
    lines = _lines(bundle)
    lines[1] = lines[1].replace("policy-engine", "someone-else")
    (bundle / "custody.jsonl").write_text("\n".join(lines) + "\n")
    problems = verify_bundle(bundle).problems
    assert [(p.code, p.path) for p in problems] == [("custody.chain_broken", "custody.jsonl:3")]


def test_a_removed_middle_entry_is_reported(bundle: Path) -> None:
    _three_entries(bundle)
    lines = _lines(bundle)
    (bundle / "custody.jsonl").write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert codes(bundle) == {"custody.chain_broken", "custody.sequence"}


def test_removing_the_last_entries_is_reported_as_a_stale_head(bundle: Path) -> None:
    _three_entries(bundle)
    (bundle / "custody.jsonl").write_text(_lines(bundle)[0] + "\n")
    assert codes(bundle) == {"custody.head_mismatch"}


def test_a_missing_or_garbled_log_is_reported(bundle: Path) -> None:
    log = bundle / "custody.jsonl"
    original = log.read_bytes()
    log.write_bytes(original + b"{not json\n")
    assert "custody.malformed" in codes(bundle)
    log.write_bytes(original[:-1])
    assert codes(bundle) == {"custody.truncated"}
    log.unlink()
    assert codes(bundle) == {"custody.missing"}


def test_custody_entries_are_one_sorted_json_object_per_line(bundle: Path) -> None:
    _three_entries(bundle)
    for number, line in enumerate(_lines(bundle), start=1):
        entry = json.loads(line)
        assert entry["seq"] == number
        assert list(entry) == sorted(entry)


def test_concurrent_reassessments_both_land_and_the_bundle_still_verifies(bundle: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def assess(n: int) -> None:
        append_assessment(
            bundle, example_assessment(assessed_at=LATER + timedelta(minutes=n)), f"worker-{n}", fixed_clock
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(assess, range(4)))
    after = read_bundle(bundle)
    assert len(after.assessments) == 5
    assert [e.seq for e in after.custody] == [1, 2, 3, 4, 5]
    assert verify_bundle(bundle).ok


def test_reassessing_a_missing_bundle_is_a_clear_error(tmp_path: Path) -> None:
    from evidence.bundle import BundleNotFound

    with pytest.raises(BundleNotFound, match="no such bundle folder"):
        append_assessment(tmp_path / "nope", example_assessment(), "policy-engine", fixed_clock)


def test_an_interrupted_reseal_is_reported_by_verify_not_hidden(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from evidence.bundle import writer

    real = writer.replace_file
    calls: list[Path] = []

    def crash_before_the_manifest(path: Path, data: bytes) -> None:
        if path.name == "manifest.json":
            raise KeyboardInterrupt
        calls.append(path)
        real(path, data)

    monkeypatch.setattr(writer, "replace_file", crash_before_the_manifest)
    with pytest.raises(KeyboardInterrupt):
        append_assessment(bundle, example_assessment(), "policy-engine", fixed_clock)
    assert [p.name for p in calls] == ["assessment-0002.json", "report.html"]
    found = codes(bundle)
    assert "file.unlisted" in found  # the new assessment file
    assert found & {"file.size_mismatch", "file.hash_mismatch"}  # the re-rendered report
