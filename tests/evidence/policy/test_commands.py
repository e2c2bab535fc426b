"""``collector assess`` and ``collector deadlines`` on real bundles (no browser)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app
from evidence.bundle import read_bundle, verify_path, write_bundle
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock
from evidence.models import Verdict

runner = CliRunner()
NOW = "2026-11-20T21:15Z"  # the example refund was issued 2026-11-19 16:40Z: 19 h 25 min left


@pytest.fixture
def bundles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("COLLECTOR_POLICY_ID", raising=False)
    folder = tmp_path / "bundles"
    write_bundle(folder, example_case(), example_artifacts(), example_context(), clock=fixed_clock)
    return folder


def _only_bundle(folder: Path) -> Path:
    (path,) = [p for p in folder.iterdir() if p.is_dir()]
    return path


def _one_error_line(result) -> str:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    return lines[0]


def test_assess_records_a_new_sealed_assessment(bundles: Path) -> None:
    path = _only_bundle(bundles)
    before = len(read_bundle(path).assessments)
    result = runner.invoke(app, ["assess", str(path), "--now", NOW, "--actor", "reviewer@example.com"])
    assert result.exit_code == 0, result.output
    assert "ready to file" in result.output and "File by Nov 21, 2026, 10:40 AM CST (19 h 25 min left)" in result.output
    bundle = read_bundle(path)
    assert len(bundle.assessments) == before + 1
    latest = bundle.assessments[-1]
    assert (latest.policy_id, latest.verdict) == ("walmart-cc-2024-11", Verdict.READY_TO_FILE)
    assert bundle.custody[-1].actor == "reviewer@example.com"
    assert verify_path(path).ok


def test_assess_with_another_policy_id_uses_it(bundles: Path) -> None:
    path = _only_bundle(bundles)
    result = runner.invoke(app, ["assess", str(path), "--now", NOW, "--policy", "walmart-cc-2022"])
    assert result.exit_code == 0, result.output
    latest = read_bundle(path).assessments[-1]
    assert latest.policy_id == "walmart-cc-2022"
    # the example has no settlement date: the 45-day rule cannot be computed, the screen's window end is used
    deadline = next(f for f in latest.findings if f.code == "deadline")
    assert "cannot be computed" in deadline.detail and "Nov 21, 2026, 10:40 AM CST" in deadline.detail


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "walmart-cc-1999"], "unknown policy id 'walmart-cc-1999'"),
        (["--now", "next tuesday"], "cannot read the time 'next tuesday'"),
        (["--now", "2026-11-20T21:15"], "has no time zone"),
    ],
)
def test_assess_bad_arguments_give_one_line_and_change_nothing(bundles: Path, args: list[str], message: str) -> None:
    path = _only_bundle(bundles)
    before = (path / "manifest.json").read_bytes()
    result = runner.invoke(app, ["assess", str(path), *args])
    assert result.exit_code == 2
    assert message in _one_error_line(result)
    assert (path / "manifest.json").read_bytes() == before


def test_assess_says_when_a_folder_holds_no_bundles(tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", str(tmp_path), "--now", NOW])
    assert result.exit_code == 1
    assert "no bundles in" in _one_error_line(result)


def test_deadlines_csv_lists_the_open_refund_with_a_header(bundles: Path) -> None:
    result = runner.invoke(app, ["deadlines", str(bundles), "--format", "csv", "--now", NOW])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["po"], r["kind"], r["deadline_utc"], r["time_left"]) for r in rows] == [
        ("4342076435326", "dispute", "2026-11-21T16:40:00Z", "19 h 25 min left")
    ]


def test_deadlines_leaves_out_a_closed_window(bundles: Path) -> None:
    result = runner.invoke(app, ["deadlines", str(bundles), "--format", "csv", "--now", "2026-11-21T16:40Z"])
    assert result.exit_code == 0
    assert result.output.splitlines()[1:] == []


def test_deadlines_writes_an_icalendar_file_with_crlf(bundles: Path, tmp_path: Path) -> None:
    out = tmp_path / "deadlines.ics"
    result = runner.invoke(app, ["deadlines", str(bundles), "--format", "ics", "--out", str(out), "--now", NOW])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"DTSTART:20261121T164000Z\r\n" in data and data.count(b"BEGIN:VALARM") == 1


def test_deadlines_table_names_the_po(bundles: Path, tmp_path: Path) -> None:
    out = tmp_path / "table.txt"
    result = runner.invoke(app, ["deadlines", str(bundles), "--out", str(out), "--now", NOW])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "4342076435326" in text and "19 h 25 min left" in text and "Nov 21, 2026, 10:40 AM CST" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "nope"], "unknown policy id 'nope'"),
        (["--now", "soon"], "cannot read the time 'soon'"),
    ],
)
def test_deadlines_bad_arguments_give_one_line(bundles: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["deadlines", str(bundles), *args])
    assert result.exit_code == 2
    assert message in _one_error_line(result)


def test_deadlines_says_when_a_folder_holds_no_bundles(tmp_path: Path) -> None:
    result = runner.invoke(app, ["deadlines", str(tmp_path)])
    assert result.exit_code == 1
    assert "no bundles in" in _one_error_line(result)


def test_assess_does_not_reseal_a_tampered_bundle(bundles: Path) -> None:
    path = _only_bundle(bundles)
    email = path / "emails" / "0001.eml"
    email.write_bytes(email.read_bytes() + b"tampered")
    before = (path / "manifest.json").read_bytes()
    result = runner.invoke(app, ["assess", str(path), "--now", NOW])
    assert result.exit_code == 1
    assert "fails verification" in result.output
    assert (path / "manifest.json").read_bytes() == before


def test_assess_writes_nothing_when_one_path_is_bad(bundles: Path, tmp_path: Path) -> None:
    path = _only_bundle(bundles)
    before = (path / "manifest.json").read_bytes()
    result = runner.invoke(app, ["assess", str(path), str(tmp_path / "missing"), "--now", NOW])
    assert result.exit_code == 2
    assert "no such folder" in _one_error_line(result)
    assert (path / "manifest.json").read_bytes() == before


def test_assess_dry_run_prints_the_verdict_and_the_clock_used_and_writes_nothing(bundles: Path) -> None:
    path = _only_bundle(bundles)
    files_before = sorted(p.relative_to(path) for p in path.rglob("*"))
    bundle_before = read_bundle(path)
    result = runner.invoke(app, ["assess", str(path), "--now", NOW, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Assessing as of 2026-11-20T21:15:00Z (--now); dry run: nothing is written." in result.output
    assert "ready to file" in result.output
    assert sorted(p.relative_to(path) for p in path.rglob("*")) == files_before
    assert len(read_bundle(path).custody) == len(bundle_before.custody)


def test_assess_without_now_says_it_used_the_current_time(bundles: Path) -> None:
    result = runner.invoke(app, ["assess", str(_only_bundle(bundles)), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "(the current time: pass --now to choose another)" in result.output
