"""A bundle holding a web archive: verify checks the archive's own hashes besides the manifest's,
a redacted export leaves the archive out and says so, the report links each capture's replay."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app
from evidence.bundle import Artifact, export_bundles, read_bundle, verify_bundle, write_bundle
from evidence.bundle.example import PO, example_artifacts, example_case, example_context, fixed_clock
from evidence.hashing import sha256_bytes
from evidence.scrub import Exchange
from evidence.webarchive import ArchivedExchange, ArchivePage, build_wacz

runner = CliRunner()
ARCHIVE = "captures/archive.wacz"


def _wacz() -> bytes:
    at = fixed_clock()
    url = f"https://seller.walmart.com/transactions?q={PO}"
    page = Exchange("GET", url, [], None, [("Content-Type", "text/html")], b"<h1>Refund details</h1><p>Jane Q. Buyer</p>")
    data, _ = build_wacz([ArchivedExchange(page, 200, "OK", at)],
                         [ArchivePage("01-refund-details", url, "transactions.refund-details", at)],
                         secrets=[], created=at, software="test")
    return data


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    artifacts = [*example_artifacts(), Artifact(ARCHIVE, _wacz(), "application/wacz")]
    return write_bundle(tmp_path / "out", example_case(), artifacts, example_context(), clock=fixed_clock).path


def _tamper_warc(bundle: Path) -> None:
    """Change an archived answer inside the WACZ (the zip rewritten around it)."""
    path = bundle / ARCHIVE
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    warc = gzip.decompress(entries["archive/data.warc.gz"]).replace(b"Refund details", b"Refund DETAILS")
    entries["archive/data.warc.gz"] = gzip.compress(warc)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    path.write_bytes(buffer.getvalue())


def test_a_bundle_with_an_intact_archive_verifies(bundle: Path) -> None:
    report = verify_bundle(bundle)
    assert report.ok, report.problems


def test_a_tampered_warc_is_reported_by_the_manifest_and_by_the_archive_itself(bundle: Path) -> None:
    _tamper_warc(bundle)
    problems = {(p.code, p.path) for p in verify_bundle(bundle).problems}
    changed = ("file.size_mismatch", ARCHIVE) if ("file.size_mismatch", ARCHIVE) in problems else ("file.hash_mismatch", ARCHIVE)
    assert problems == {changed, ("archive.hash_mismatch", ARCHIVE)}


def test_a_forger_who_reseals_the_manifest_is_still_caught_by_the_archives_hashes(bundle: Path) -> None:
    _tamper_warc(bundle)
    manifest = json.loads((bundle / "manifest.json").read_text())
    data = (bundle / ARCHIVE).read_bytes()
    for entry in manifest["files"]:
        if entry["path"] == ARCHIVE:
            entry["sha256"], entry["bytes"] = sha256_bytes(data), len(data)
    raw = (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    (bundle / "manifest.json").write_bytes(raw)
    (bundle / "manifest.sha256").write_text(f"{sha256_bytes(raw)}  manifest.json\n")
    codes = {p.code for p in verify_bundle(bundle).problems}
    assert "archive.hash_mismatch" in codes and "file.hash_mismatch" not in codes


def test_verify_cli_names_the_archive_problem(bundle: Path) -> None:
    _tamper_warc(bundle)
    result = runner.invoke(app, ["verify", str(bundle)])
    assert result.exit_code == 1
    assert "archive.hash_mismatch  captures/archive.wacz" in result.output and "archive/data.warc.gz" in result.output


def test_a_redacted_export_leaves_the_archive_out_and_says_so(bundle: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(bundle), "--out", str(tmp_path / "exports"), "--redact"])
    assert result.exit_code == 0, result.output
    assert f"{bundle.name}: captures/archive.wacz left out of the redacted copy" in result.output
    (archive,) = (tmp_path / "exports").glob("*-redacted.zip")
    with zipfile.ZipFile(archive) as exported:
        names = exported.namelist()
        manifest = json.loads(exported.read(f"{bundle.name}/manifest.json"))
        report = exported.read(f"{bundle.name}/report.html").decode()
    assert not any(name.endswith(".wacz") for name in names)
    assert ARCHIVE in [entry["path"] for entry in manifest["redaction"]["withheld"]]  # sealed by hash
    assert "collector replay" not in report and "archive.wacz" not in report.split("<h2 id=\"files-h\">")[0]


def test_a_plain_export_keeps_the_archive_and_prints_no_note(bundle: Path, tmp_path: Path) -> None:
    (archive,) = export_bundles([bundle], tmp_path / "exports", actor="tester")
    with zipfile.ZipFile(archive) as exported:
        assert f"{bundle.name}/{ARCHIVE}" in exported.namelist()
    result = runner.invoke(app, ["export", str(bundle), "--out", str(tmp_path / "again")])
    assert result.exit_code == 0 and "left out" not in result.output


def test_the_report_shows_each_captures_replay_and_links_the_archive(bundle: Path) -> None:
    html = (bundle / "report.html").read_text()
    assert f"collector replay {bundle.name} 01-refund-details" in html
    assert 'href="captures/archive.wacz"' in html
    assert read_bundle(bundle).manifest.entry(ARCHIVE) is not None
