"""index.html over a folder of bundles: most urgent first, each linking its report."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from collector.cli import app
from evidence.bundle import write_bundle, write_index
from evidence.bundle.example import example_artifacts, example_assessment, example_case, example_context, fixed_clock
from evidence.models import Verdict

runner = CliRunner()


def _bundle(
    folder: Path, transaction: str, deadline: datetime | None, verdict: Verdict = Verdict.READY_TO_FILE
) -> None:
    case = example_case()
    refund = case.refund.model_copy(update={"transaction_id": transaction})
    assessment = example_assessment(verdict=verdict).model_copy(update={"deadline": deadline}) if deadline else None
    case = case.model_copy(update={"refund_transaction_id": transaction, "refund": refund, "assessment": assessment})
    write_bundle(folder, case, example_artifacts(), example_context(), clock=fixed_clock)


def test_index_lists_bundles_by_deadline_with_verdict_time_left_and_report_links(tmp_path: Path) -> None:
    now = fixed_clock()
    _bundle(tmp_path, "CCR-LATE", now + timedelta(days=3), Verdict.NEEDS_ATTENTION)
    _bundle(tmp_path, "CCR-SOON", now + timedelta(hours=5))
    _bundle(tmp_path, "CCR-NONE", None)
    index = write_index(tmp_path, clock=fixed_clock)
    text = index.read_text()
    links = re.findall(r'<a href="([^"]+)">', text)
    assert links == [
        "4342076435326_CCR-SOON_v1/report.html",
        "4342076435326_CCR-LATE_v1/report.html",
        "4342076435326_CCR-NONE_v1/report.html",
    ]
    assert all((tmp_path / link).is_file() for link in links)
    assert "5 h 0 min left" in text and "3 d 0 h 0 min left" in text
    assert "needs attention" in text
    assert text.count("not assessed") == 2  # the verdict cell and its line in the counts per verdict
    assert text.count("verified") == 3


def test_index_puts_open_deadlines_before_closed_ones_most_recently_closed_first(tmp_path: Path) -> None:
    now = fixed_clock()
    _bundle(tmp_path, "CCR-CLOSED-LONG-AGO", now - timedelta(days=60), Verdict.WINDOW_CLOSED)
    _bundle(tmp_path, "CCR-CLOSED-YESTERDAY", now - timedelta(days=1), Verdict.WINDOW_CLOSED)
    _bundle(tmp_path, "CCR-OPEN", now + timedelta(hours=30))
    links = re.findall(r'<a href="([^"]+)">', write_index(tmp_path, clock=fixed_clock).read_text())
    assert [link.split("_")[1] for link in links] == ["CCR-OPEN", "CCR-CLOSED-YESTERDAY", "CCR-CLOSED-LONG-AGO"]


def test_index_counts_time_left_from_the_given_now(tmp_path: Path) -> None:
    now = fixed_clock()
    _bundle(tmp_path, "CCR-1", now + timedelta(hours=10))
    text = write_index(tmp_path, clock=lambda: now + timedelta(days=6), now=now).read_text()
    assert "10 h 0 min left" in text and "time left as of" in text


def test_index_flags_a_tampered_bundle_and_marks_older_versions(tmp_path: Path) -> None:
    _bundle(tmp_path, "CCR-1", fixed_clock() + timedelta(days=1))
    _bundle(tmp_path, "CCR-1", fixed_clock() + timedelta(days=1))
    (tmp_path / "4342076435326_CCR-1_v2" / "emails" / "0001.eml").write_bytes(b"edited")
    text = write_index(tmp_path, clock=fixed_clock).read_text()
    assert "1 problem(s)" in text
    assert text.count("superseded") == 1 and text.index("CCR-1_v2/report.html") < text.index("CCR-1_v1/report.html")


def test_index_cli_writes_the_page_and_rejects_a_missing_folder(tmp_path: Path) -> None:
    _bundle(tmp_path, "CCR-1", datetime(2026, 11, 22, tzinfo=UTC))
    result = runner.invoke(app, ["index", str(tmp_path)])
    assert result.exit_code == 0 and (tmp_path / "index.html").is_file()
    result = runner.invoke(app, ["index", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no such folder" in result.output


def test_index_lists_a_bundle_that_cannot_be_read_instead_of_hiding_it(tmp_path: Path) -> None:
    _bundle(tmp_path, "CCR-1", datetime(2026, 11, 22, tzinfo=UTC))
    (tmp_path / "4342076435326_CCR-1_v1" / "manifest.json").unlink()
    text = write_index(tmp_path, clock=fixed_clock).read_text()
    assert "4342076435326_CCR-1_v1/report.html" in text and "problem(s)" in text


def test_index_counts_refunds_and_dollars_per_verdict_and_lists_open_refunds_first(tmp_path: Path) -> None:
    now = fixed_clock()
    _bundle(tmp_path, "CCR-READY-1", now + timedelta(hours=30))
    _bundle(tmp_path, "CCR-READY-2", now + timedelta(hours=3))
    _bundle(tmp_path, "CCR-KEPT", now + timedelta(hours=1), Verdict.NOT_DISPUTABLE)  # open window, nothing to file
    _bundle(tmp_path, "CCR-CLOSED", now - timedelta(days=2), Verdict.WINDOW_CLOSED)
    # denied: the dispute window closed long ago, the appeal is open for 16 more days
    case = example_case()
    assessment = example_assessment(verdict=Verdict.ALREADY_DISPUTED).model_copy(
        update={"deadline": now - timedelta(days=19), "appeal_deadline": now + timedelta(days=16)}
    )
    refund = case.refund.model_copy(update={"transaction_id": "CCR-DENIED"})
    case = case.model_copy(update={"refund_transaction_id": "CCR-DENIED", "refund": refund, "assessment": assessment})
    write_bundle(tmp_path, case, example_artifacts(), example_context(), clock=fixed_clock)

    text = write_index(tmp_path, clock=fixed_clock).read_text()
    links = [link.split("_")[1] for link in re.findall(r'<a href="([^"]+)">', text)]
    assert links == ["CCR-READY-2", "CCR-READY-1", "CCR-DENIED", "CCR-CLOSED", "CCR-KEPT"]
    totals = text.split('id="totals"')[1].split("</section>")[0]
    rows = [re.sub(r"<[^>]+>", " ", row).split() for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", totals)]
    assert rows == [
        ["ready", "to", "file", "2", "2", "-$90.10"],
        ["already", "disputed", "1", "1", "-$45.05"],
        ["window", "closed", "1", "0", "-$45.05"],
        ["not", "disputable", "1", "0", "-$45.05"],
    ]
    assert '<strong id="open-count">3 open</strong>' in totals and '<strong id="open-amount">-$135.15</strong>' in totals
    denied = text.split("CCR-DENIED_v1/report.html")[1].split("</tr>")[0]
    assert "appeal by" in denied and "16 d 0 h 0 min left" in denied and "closed" not in denied
    kept = text.split("CCR-KEPT_v1/report.html")[1].split("</tr>")[0]
    assert "not disputable" in kept and "min left" not in kept and 'data-label="Time left"><div class="v">-<' in kept
