"""Exports: deterministic zips that verify as they are, zip-slip rejection, redaction, the CLI."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app
from evidence.bundle import BundleIntegrityError, export_bundles, verify_path, write_bundle
from evidence.bundle.example import (
    CUSTOMER_EMAIL,
    example_artifacts,
    example_case,
    example_context,
    fixed_clock,
)
from evidence.hashing import sha256_bytes

runner = CliRunner()
NAME = "4342076435326_CCR-88121_v1"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(
        tmp_path / "bundles", example_case(), example_artifacts(), example_context(), clock=fixed_clock
    ).path


def _export(bundle: Path, out: Path, **kwargs: object) -> Path:
    [archive] = export_bundles([bundle], out, actor="ann@example-seller.com", clock=fixed_clock, **kwargs)  # type: ignore[arg-type]
    return archive


def test_exporting_twice_gives_the_same_bytes(bundle: Path, tmp_path: Path) -> None:
    first = _export(bundle, tmp_path / "one")
    second = _export(bundle, tmp_path / "two")
    assert first.name == f"{NAME}.zip"
    assert first.read_bytes() == second.read_bytes()


def test_archive_entries_are_sorted_with_fixed_times_modes_and_png_stored(bundle: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(_export(bundle, tmp_path / "out")) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names) and all(name.startswith(f"{NAME}/") for name in names)
        assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {info.external_attr >> 16 for info in infos} == {0o100644}
        methods = {info.filename.rsplit("/", 1)[-1]: info.compress_type for info in infos}
        assert methods["01-refund-details.png"] == zipfile.ZIP_STORED
        assert methods["case.json"] == methods["report.html"] == zipfile.ZIP_DEFLATED
        for info in infos:
            original = bundle / info.filename.split("/", 1)[1]
            if info.filename.endswith(("manifest.json", ".eml", ".png")):
                assert archive.read(info) == original.read_bytes()


def test_an_export_verifies_as_is_and_records_itself_in_its_custody_log(bundle: Path, tmp_path: Path) -> None:
    archive = _export(bundle, tmp_path / "out")
    result = runner.invoke(app, ["verify", str(archive)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as zf:
        last = json.loads(zf.read(f"{NAME}/custody.jsonl").decode().splitlines()[-1])
    assert (last["event"], last["actor"], last["details"]["redacted"]) == ("exported", "ann@example-seller.com", "no")
    assert len((bundle / "custody.jsonl").read_text().splitlines()) == 1  # the source is only read


def test_a_tampered_entry_in_an_export_is_reported(bundle: Path, tmp_path: Path) -> None:
    archive = _export(bundle, tmp_path / "out")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("emails/0001.eml"):
                data = data.replace(b"Where", b"Wh3re")
            dst.writestr(info, data)
    result = runner.invoke(app, ["verify", str(tampered)])
    assert result.exit_code == 1
    assert "file.hash_mismatch  emails/0001.eml" in result.output


def test_zip_slip_entries_are_rejected_and_nothing_is_written(bundle: Path, tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(_export(bundle, tmp_path / "out")) as src, zipfile.ZipFile(evil, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("../../escaped.txt", b"pwned")
        dst.writestr("/tmp/absolute-escape.txt", b"pwned")
        dst.writestr(f"{NAME}/../../sneaky.txt", b"pwned")
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    report = verify_path(evil)
    unsafe = sorted(p.path for p in report.problems if p.code == "zip.unsafe_path")
    assert unsafe == sorted(["../../escaped.txt", f"{NAME}/../../sneaky.txt", "/tmp/absolute-escape.txt"])
    assert not report.ok
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before
    assert not (tmp_path.parent / "escaped.txt").exists() and not Path("/tmp/absolute-escape.txt").exists()
    result = runner.invoke(app, ["verify", str(evil)])
    assert result.exit_code == 1 and "zip.unsafe_path" in result.output


def test_a_file_that_is_not_a_zip_is_reported(tmp_path: Path) -> None:
    fake = tmp_path / "bundle.zip"
    fake.write_bytes(b"PK\x03\x04 truncated")
    result = runner.invoke(app, ["verify", str(fake)])
    assert result.exit_code == 1 and "zip.unreadable" in result.output


def test_redaction_masks_customer_data_and_withholds_originals_by_hash(bundle: Path, tmp_path: Path) -> None:
    archive = _export(bundle, tmp_path / "out", redact=True)
    assert archive.name == f"{NAME}-redacted.zip"
    assert verify_path(archive).ok
    with zipfile.ZipFile(archive) as zf:
        names = {name.split("/", 1)[1] for name in zf.namelist()}
        texts = {name: zf.read(f"{NAME}/{name}").decode("utf-8") for name in names}
    assert not any(name.startswith("emails/") or name.endswith(".png") for name in names)
    for name in ("data/case.json", "report.html", "captures/01-refund-details.html"):
        for secret in ("Jane", "Buyer", "1200 Example Avenue", "Springfield", "62704", CUSTOMER_EMAIL):
            assert secret not in texts[name], (secret, name)
    case = json.loads(texts["data/case.json"])
    assert case["order"]["customer_name"] == "[redacted]"
    assert case["order"]["ship_to"]["state"] == "IL"
    assert "the carrier shows delivery" in texts["report.html"]
    assert "Redacted copy" in texts["report.html"]
    redaction = json.loads(texts["manifest.json"])["redaction"]
    assert redaction["masked"] == ["customer_name", "customer_address", "customer_email"]
    original = json.loads((bundle / "manifest.json").read_text())
    originals = {entry["path"]: entry for entry in original["files"]}
    assert {e["path"]: e for e in redaction["withheld"]} == {
        path: originals[path] for path in originals if path.startswith("emails/") or path.endswith(".png")
    }
    assert redaction["source_manifest_sha256"] == sha256_bytes((bundle / "manifest.json").read_bytes())
    last = json.loads(texts["custody.jsonl"].splitlines()[-1])
    assert (
        last["details"]["redacted"] == "yes" and last["previous_manifest_sha256"] == redaction["source_manifest_sha256"]
    )


def test_one_archive_for_many_bundles(tmp_path: Path) -> None:
    folder = tmp_path / "bundles"
    for _ in range(2):
        write_bundle(folder, example_case(), example_artifacts(), example_context(), clock=fixed_clock)
    result = runner.invoke(
        app, ["export", str(folder), "--out", str(tmp_path / "out"), "--single", "all.zip", "--actor", "ann"]
    )
    assert result.exit_code == 0, result.output
    report = verify_path(tmp_path / "out" / "all.zip")
    assert report.ok and sorted(b.name for b in report.bundles) == [f"{NAME}", NAME.replace("_v1", "_v2")]


def test_export_refuses_a_tampered_bundle_with_exit_1(bundle: Path, tmp_path: Path) -> None:
    (bundle / "emails/0002.eml").unlink()
    with pytest.raises(BundleIntegrityError):
        _export(bundle, tmp_path / "out")
    result = runner.invoke(app, ["export", str(bundle), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "file.missing" in result.output
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("single", ["../outside.zip", "/tmp/x.zip", "archive.tar"])
def test_export_single_takes_only_a_plain_zip_name(bundle: Path, tmp_path: Path, single: str) -> None:
    result = runner.invoke(app, ["export", str(bundle), "--out", str(tmp_path / "out"), "--single", single])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not (tmp_path / "outside.zip").exists()


def test_export_of_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(tmp_path / "nope"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "no such folder" in result.output


def test_cli_exports_are_byte_identical_with_source_date_epoch(bundle: Path, tmp_path: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": "1795000000"}
    for out in ("a", "b"):
        result = runner.invoke(app, ["export", str(bundle), "--out", str(tmp_path / out), "--actor", "ann"], env=env)
        assert result.exit_code == 0, result.output
        assert "verified" in result.output
    assert (tmp_path / "a" / f"{NAME}.zip").read_bytes() == (tmp_path / "b" / f"{NAME}.zip").read_bytes()
