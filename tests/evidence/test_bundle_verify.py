"""Verification finds every kind of tampering, names it, and the CLI exits 1 (2 for usage errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app
from evidence.bundle import append_assessment, verify_bundle, verify_path, write_bundle
from evidence.bundle.example import example_artifacts, example_assessment, example_case, example_context, fixed_clock
from evidence.hashing import sha256_bytes
from evidence.models import Verdict

runner = CliRunner()


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(
        tmp_path / "out", example_case(), example_artifacts(), example_context(), clock=fixed_clock
    ).path


def codes(path: Path) -> set[str]:
    return {problem.code for problem in verify_bundle(path).problems}


def _reseal_digest(bundle: Path) -> None:
    """What a careful forger does after editing the manifest: recompute manifest.sha256."""
    digest = sha256_bytes((bundle / "manifest.json").read_bytes())
    (bundle / "manifest.sha256").write_text(f"{digest}  manifest.json\n")


def test_an_untouched_bundle_passes_every_check(bundle: Path) -> None:
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert report.files_checked == 8


def test_a_flipped_byte_is_reported_as_a_hash_mismatch(bundle: Path) -> None:
    target = bundle / "emails/0001.eml"
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01
    target.write_bytes(bytes(data))
    problems = verify_bundle(bundle).problems
    assert [(p.code, p.path) for p in problems] == [("file.hash_mismatch", "emails/0001.eml")]


def test_a_truncated_file_is_reported_as_a_size_mismatch(bundle: Path) -> None:
    target = bundle / "captures/01-refund-details.png"
    target.write_bytes(target.read_bytes()[:-5])
    assert codes(bundle) == {"file.size_mismatch"}


def test_a_deleted_file_is_reported_missing(bundle: Path) -> None:
    (bundle / "emails/0002.eml").unlink()
    problems = verify_bundle(bundle).problems
    assert [(p.code, p.path) for p in problems] == [("file.missing", "emails/0002.eml")]


def test_an_added_file_is_reported_unlisted(bundle: Path) -> None:
    (bundle / "emails/0009.eml").write_bytes(b"From: forged@example.com\r\n\r\nI was answered.\r\n")
    problems = verify_bundle(bundle).problems
    assert [(p.code, p.path) for p in problems] == [("file.unlisted", "emails/0009.eml")]


def test_an_edited_manifest_breaks_the_digest(bundle: Path) -> None:
    manifest = bundle / "manifest.json"
    manifest.write_text(manifest.read_text().replace("ops@example-seller.com", "someone-else@example.com"))
    assert "manifest.digest_mismatch" in codes(bundle)


def test_an_edited_manifest_with_a_recomputed_digest_is_caught_by_the_custody_log(bundle: Path) -> None:
    manifest = bundle / "manifest.json"
    manifest.write_text(manifest.read_text().replace("ops@example-seller.com", "someone-else@example.com"))
    _reseal_digest(bundle)
    assert codes(bundle) == {"custody.head_mismatch"}


def test_several_problems_are_all_listed_not_just_the_first(bundle: Path) -> None:
    (bundle / "emails/0001.eml").write_bytes(b"changed")
    (bundle / "emails/0002.eml").unlink()
    (bundle / "captures/extra.png").write_bytes(b"\x89PNG")
    (bundle / "custody.jsonl").write_text("")
    assert codes(bundle) >= {"file.size_mismatch", "file.missing", "file.unlisted", "custody.empty"}


def test_a_manifest_of_another_major_version_is_rejected_clearly(bundle: Path) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["format_version"] = "2.0"
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    problems = verify_bundle(bundle).problems
    assert [p.code for p in problems] == ["manifest.format_version"]
    assert "format version 2.0 is not supported" in problems[0].message


def test_a_newer_minor_version_with_an_extra_field_is_accepted(bundle: Path) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["format_version"] = "1.7"
    manifest["added_in_1_7"] = "something new"
    raw = (json.dumps(manifest, sort_keys=True, indent=2) + "\n").encode()
    (bundle / "manifest.json").write_bytes(raw)
    _reseal_digest(bundle)
    # Only the custody head notices that the manifest changed; the format itself is accepted.
    assert codes(bundle) == {"custody.head_mismatch"}


def test_a_manifest_that_is_not_json_is_reported(bundle: Path) -> None:
    (bundle / "manifest.json").write_bytes(b"\x00\x01garbage")
    assert "manifest.unreadable" in codes(bundle)


def test_a_folder_without_a_manifest_is_reported(tmp_path: Path, bundle: Path) -> None:
    (bundle / "manifest.json").unlink()
    problems = verify_bundle(bundle).problems
    assert problems[0].code == "bundle.missing_manifest"


def test_a_case_about_another_refund_is_reported(bundle: Path) -> None:
    case_path = bundle / "data/case.json"
    case = json.loads(case_path.read_text())
    case["refund_transaction_id"] = "CCR-00001"
    case_path.write_text(json.dumps(case))
    assert {"file.size_mismatch", "data.mismatch"} <= codes(bundle) or {"file.hash_mismatch", "data.mismatch"} <= codes(
        bundle
    )


def test_a_symlink_in_a_bundle_is_reported_and_not_followed(bundle: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (bundle / "captures/link.txt").symlink_to(secret)
    assert "file.symlink" in codes(bundle)


def _edit_first_custody_entry(bundle: Path) -> None:
    append_assessment(bundle, example_assessment(verdict=Verdict.NEEDS_ATTENTION), "policy-bot", fixed_clock)
    log = bundle / "custody.jsonl"
    first, rest = log.read_text().split("\n", 1)
    log.write_text(first.replace("ops@example-seller.com", "someone@example.com") + "\n" + rest)


def test_verify_cli_exits_0_when_every_bundle_passes(bundle: Path) -> None:
    result = runner.invoke(app, ["verify", str(bundle.parent)])
    assert result.exit_code == 0, result.output
    assert "OK   4342076435326_CCR-88121_v1: 8 files" in result.output


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (lambda b: (b / "emails/0001.eml").write_bytes(b"X" * 131), "file.hash_mismatch"),
        (lambda b: (b / "emails/0001.eml").unlink(), "file.missing"),
        (lambda b: (b / "emails/new.eml").write_bytes(b"x"), "file.unlisted"),
        (
            lambda b: (b / "manifest.json").write_text((b / "manifest.json").read_text().replace('"1.0"', '"1.0" ')),
            "manifest.digest_mismatch",
        ),
        (lambda b: _edit_first_custody_entry(b), "custody.chain_broken"),
    ],
    ids=["flipped", "deleted", "unlisted", "manifest-edited", "custody-edited"],
)
def test_verify_cli_names_each_problem_and_exits_1(bundle: Path, tamper, code: str) -> None:
    tamper(bundle)
    result = runner.invoke(app, ["verify", str(bundle)])
    assert result.exit_code == 1, result.output
    assert "FAIL 4342076435326_CCR-88121_v1" in result.output
    assert code in result.output


def test_verify_cli_json_lists_problems_with_code_path_and_message(bundle: Path) -> None:
    (bundle / "emails/0003.eml").unlink()
    (bundle / "emails/zzz.eml").write_bytes(b"x")
    result = runner.invoke(app, ["verify", "--json", str(bundle)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    problems = report["paths"][0]["bundles"][0]["problems"]
    assert {(p["code"], p["path"]) for p in problems} == {
        ("file.missing", "emails/0003.eml"),
        ("file.unlisted", "emails/zzz.eml"),
    }
    assert all(p["message"] for p in problems)
    assert report["ok"] is False


def test_verify_cli_exits_2_for_a_path_that_does_not_exist(tmp_path: Path) -> None:
    result = runner.invoke(app, ["verify", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output
    assert "Traceback" not in result.output


def test_verify_path_reports_an_empty_folder_as_holding_no_bundles(tmp_path: Path) -> None:
    report = verify_path(tmp_path)
    assert not report.ok and report.problems[0].code == "path.no_bundles"


def test_a_collector_output_folder_with_jobs_and_index_verifies(bundle: Path) -> None:
    out = bundle.parent
    (out / "jobs" / "job-1").mkdir(parents=True)
    (out / "jobs" / "job-1" / "report.json").write_text("{}")
    (out / "index.html").write_text("<html></html>")
    report = verify_path(out)
    assert report.ok and [b.name for b in report.bundles] == [bundle.name]


def test_a_broken_bundle_in_a_folder_is_not_skipped(bundle: Path) -> None:
    (bundle / "manifest.json").unlink()
    report = verify_path(bundle.parent)
    assert not report.ok and report.bundles[0].problems[0].code == "bundle.missing_manifest"


def test_verify_dot_inside_a_bundle_folder(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bundle)
    result = runner.invoke(app, ["verify", "."])
    assert result.exit_code == 0, result.output
