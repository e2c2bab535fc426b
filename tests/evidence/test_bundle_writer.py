"""Writing bundles: golden bytes, layout, versions, atomicity, and reading them back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidence.bundle import (
    Artifact,
    BundleFormatError,
    BundleNotFound,
    UnsafePathError,
    read_bundle,
    verify_bundle,
    verify_path,
    write_bundle,
)
from evidence.bundle import custody as custody_module
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock
from evidence.bundle.writer import clean_stale_staging
from evidence.hashing import sha256_bytes


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _write(folder: Path):
    return write_bundle(folder, example_case(), example_artifacts(), example_context(), clock=fixed_clock)


def test_same_case_and_clock_give_byte_identical_bundles(tmp_path: Path) -> None:
    first = _write(tmp_path / "a")
    second = _write(tmp_path / "b")
    assert first.name == second.name == "4342076435326_CCR-88121_v1"
    a, b = _tree(first.path), _tree(second.path)
    assert sorted(a) == sorted(b)
    different = [path for path in a if a[path] != b[path]]
    assert different == []
    assert first.manifest_sha256 == second.manifest_sha256


def test_bundle_has_the_documented_layout_and_every_file_is_listed(tmp_path: Path) -> None:
    ref = _write(tmp_path)
    files = _tree(ref.path)
    assert set(files) == {
        "manifest.json", "manifest.sha256", "custody.jsonl", "report.html", "data/case.json",
        "data/assessments/assessment-0001.json", "captures/01-refund-details.png",
        "captures/01-refund-details.html", "emails/0001.eml", "emails/0002.eml", "emails/0003.eml",
    }  # fmt: skip
    manifest = json.loads(files["manifest.json"])
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json", "manifest.sha256", "custody.jsonl"}
    for path, entry in listed.items():
        assert entry["sha256"] == sha256_bytes(files[path]) and entry["bytes"] == len(files[path])
    assert listed["emails/0001.eml"]["media_type"] == "message/rfc822"
    assert files["manifest.sha256"] == f"{sha256_bytes(files['manifest.json'])}  manifest.json\n".encode()
    assert manifest["format_version"] == "1.0"
    assert manifest["tool"] == {
        "name": "cc-refund-collector",
        "version": "0.1.0",
        "playwright": "1.45.0",
        "browser": "Chromium 126.0",
    }
    assert (manifest["operator"], manifest["job_id"], manifest["policy_id"]) == (
        "ops@example-seller.com",
        "job-20261120-0001",
        "walmart-cc-2024-11",
    )
    assert manifest["source_urls"] == ["https://seller.walmart.com/transactions?po=4342076435326"]


def test_json_files_are_sorted_utf8_with_a_trailing_newline(tmp_path: Path) -> None:
    case = example_case(customer_body="Où est mon colis ? 📦")
    ref = write_bundle(tmp_path, case, example_artifacts(), example_context(), clock=fixed_clock)
    raw = (ref.path / "data/case.json").read_bytes()
    assert raw.endswith(b"}\n") and not raw.endswith(b"\n\n")
    assert "Où est mon colis ? 📦".encode() in raw  # not \u-escaped
    keys = list(json.loads(raw))
    assert keys == sorted(keys)


def test_emails_are_stored_byte_for_byte(tmp_path: Path) -> None:
    raw = b"From: a@b.c\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\nbody with \xff odd byte\r\n"
    artifacts = [*example_artifacts()[:2], Artifact("emails/0001.eml", raw)]
    ref = write_bundle(tmp_path, example_case(), artifacts, example_context(), clock=fixed_clock)
    assert (ref.path / "emails/0001.eml").read_bytes() == raw


def test_collecting_the_same_refund_again_adds_a_version_and_keeps_the_first(tmp_path: Path) -> None:
    first = _write(tmp_path)
    before = _tree(first.path)
    second = _write(tmp_path)
    third = _write(tmp_path)
    assert (second.name, third.name) == ("4342076435326_CCR-88121_v2", "4342076435326_CCR-88121_v3")
    assert _tree(first.path) == before
    assert json.loads((third.path / "manifest.json").read_text())["supersedes"] == second.name
    assert verify_path(tmp_path).ok


def test_a_failed_write_leaves_no_bundle_and_no_staging_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(custody_module, "append", boom)
    with pytest.raises(Exception, match="No space left on device"):
        _write(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_stale_staging_folders_are_ignored_by_readers_and_cleaned_by_the_next_write(tmp_path: Path) -> None:
    stale = tmp_path / ".staging-4342076435326_CCR-88121_v1-99999999-abcd"  # a pid that cannot exist
    (stale / "data").mkdir(parents=True)
    (stale / "data/case.json").write_text("{half")
    ref = _write(tmp_path)
    assert report_ok(tmp_path)
    assert not stale.exists()
    assert ref.version == 1
    assert clean_stale_staging(tmp_path) == []


def report_ok(folder: Path) -> bool:
    report = verify_path(folder)
    return report.ok and len(report.bundles) == 1


@pytest.mark.parametrize(
    "path",
    ["../escape.png", "/etc/passwd", "captures/../../x", "notes/readme.txt", "captures\\x.png", "emails/.hidden"],
)
def test_artifacts_outside_captures_and_emails_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(UnsafePathError):
        write_bundle(tmp_path, example_case(), [Artifact(path, b"x")], example_context(), clock=fixed_clock)
    assert list(tmp_path.iterdir()) == []


def test_read_bundle_exposes_the_case_with_its_assessment_and_paths(tmp_path: Path) -> None:
    ref = _write(tmp_path)
    bundle = read_bundle(ref.path)
    assert bundle.case == example_case()
    assert bundle.case.assessment is not None and bundle.case.assessment.verdict.value == "ready_to_file"
    assert bundle.manifest_sha256 == ref.manifest_sha256
    assert bundle.report_path == ref.path / "report.html"
    assert bundle.file("emails/0002.eml").read_bytes().startswith(b"From: support@")
    assert [entry.event.value for entry in bundle.custody] == ["captured"]
    with pytest.raises(KeyError):
        bundle.file("custody.jsonl")


def test_read_bundle_gives_one_line_errors_for_bad_folders(tmp_path: Path) -> None:
    with pytest.raises(BundleNotFound, match="no such bundle folder"):
        read_bundle(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleFormatError, match="no manifest.json"):
        read_bundle(tmp_path / "empty")
    ref = _write(tmp_path / "b")
    manifest = json.loads((ref.path / "manifest.json").read_text())
    manifest["format_version"] = "2.0"
    (ref.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleFormatError, match=r"format version 2.0 is not supported \(this tool reads 1.x"):
        read_bundle(ref.path)


def test_a_bundle_without_a_case_assessment_reads_as_not_assessed(tmp_path: Path) -> None:
    case = example_case().model_copy(update={"assessment": None})
    ref = write_bundle(tmp_path, case, example_artifacts(), example_context(), clock=fixed_clock)
    assert read_bundle(ref.path).case.assessment is None
    assert verify_bundle(ref.path).ok
    assert "Not assessed" in (ref.path / "report.html").read_text()
