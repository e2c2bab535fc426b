"""Bad input on the command line: one clear line, exit 2, no traceback (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLLECTOR_DATA_DIR", str(tmp_path / "data"))
    for key in ("COLLECTOR_EMAIL", "COLLECTOR_PASSWORD", "COLLECTOR_TOTP_SECRET", "COLLECTOR_CONFIG"):
        monkeypatch.delenv(key, raising=False)


def _one_error_line(result) -> str:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    return lines[0]


def test_malformed_po_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["collect", "--po", "12-AB", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "not a PO number: '12-AB'" in _one_error_line(result)


def test_empty_orders_file_is_refused(tmp_path: Path) -> None:
    orders = tmp_path / "orders.txt"
    orders.write_text("")
    result = runner.invoke(app, ["collect", "--orders", str(orders)])
    assert result.exit_code == 2
    assert "empty" in _one_error_line(result)


def test_recon_with_unknown_headers_is_refused(tmp_path: Path) -> None:
    recon = tmp_path / "recon.csv"
    recon.write_text("Foo,Bar\n1,2\n")
    result = runner.invoke(app, ["collect", "--recon", str(recon)])
    assert result.exit_code == 2
    assert "unknown reconciliation report" in _one_error_line(result)


def test_out_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder")
    result = runner.invoke(app, ["collect", "--po", "4342076435326", "--out", str(out)])
    assert result.exit_code == 2
    assert "is a file, not a folder" in _one_error_line(result)


def test_missing_session_without_credentials_says_to_run_login(tmp_path: Path) -> None:
    result = runner.invoke(app, ["collect", "--po", "4342076435326", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no saved Seller Center session: run `collector login`" in _one_error_line(result)


def test_partly_bad_orders_file_reports_skipped_lines_before_going_on(tmp_path: Path) -> None:
    orders = tmp_path / "orders.txt"
    orders.write_text("4342076435326\noops\n")
    result = runner.invoke(app, ["collect", "--orders", str(orders), "--out", str(tmp_path / "out")])
    assert "warning:" in result.output and "line 2" in result.output
    assert result.exit_code == 2  # then stops: no saved session in this test
    assert "collector login" in _one_error_line(result)


def test_nothing_to_collect_is_a_usage_error() -> None:
    result = runner.invoke(app, ["collect"])
    assert result.exit_code == 2
    assert "nothing to collect" in _one_error_line(result)


def test_resume_of_an_unknown_job_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["collect", "--resume", "job-000000000000", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no job job-000000000000" in _one_error_line(result)


def test_bad_setting_in_the_environment_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLECTOR_CONCURRENCY", "lots")
    result = runner.invoke(app, ["collect", "--po", "4342076435326"])
    assert result.exit_code == 2
    assert "invalid setting concurrency" in _one_error_line(result)
