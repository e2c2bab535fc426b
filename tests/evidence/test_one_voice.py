"""One voice: a refund reads the same on every surface.

One denied dispute whose appeal is still open (the case the surfaces used to disagree on: "already
disputed · closed 19 d ago" in the index and the demo table, an open appeal in the report and in
``collector deadlines``), plus a not-disputable refund whose dispute window is still open ("not
disputable · 20 h left"), rendered through report.html, index.html, ``collector deadlines`` (table
and CSV), the demo's summary rows and ``collector emails thread``. Each must show the same verdict
label, the same deadline (the next one that matters: the appeal's) and the same time left.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from collector.cli import app
from collector.demo import summary_rows
from evidence.bundle import write_bundle, write_index
from evidence.bundle.example import example_context
from evidence.email import EmailConfig, OrderKey, PathSource, collect_thread
from evidence.models import CaseStatus, DisputeCase, DisputeState, RefundCase
from evidence.policy import assess, default_registry
from tests.evidence.policy.factories import PO, RELAY, make_case, utc

NOW = utc(2026, 11, 20, 18, 0)  # Nov 20, 2026, 12:00 PM CST
ZONE = "America/Chicago"
SELLER = "support@acme-lamps.example"
POLICY = default_registry().get("walmart-cc-2024-11")

# What every surface must say about the denied dispute: the appeal deadline (30 days from the
# denial on Nov 6, through the end of Dec 6) and the time left until it, counted from NOW.
EXPECTED = {
    "verdict": "already disputed",
    "deadline": "Dec 7, 2026, 12:00 AM CST",
    "time_left": "16 d 12 h 0 min left",
}
NOT_DISPUTABLE = {"verdict": "not disputable", "deadline": "-", "time_left": "-"}
# The customer's question and the seller's reply 2 h 48 min later (once printed "Latency (h) 2.80").
ASKED = utc(2026, 10, 29, 14, 0)
ASKED_LOCAL = "Oct 29, 2026, 9:00 AM CDT"
LATENCY = "2 h 48 min"


def _eml(sender: str, to: str, at: datetime, message_id: str, body: str, reply_to: str | None = None) -> bytes:
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {'Re: ' if reply_to else ''}Where is my order {PO}?",
        f"Date: {at.strftime('%a, %d %b %Y %H:%M:%S +0000')}",
        f"Message-ID: <{message_id}>",
    ]
    if reply_to:
        headers += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


@pytest.fixture
def mail(tmp_path: Path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "1.eml").write_bytes(_eml(RELAY, SELLER, ASKED, "q1@relay.walmart.com", "The lamp arrived broken."))
    reply_at = ASKED + timedelta(hours=2, minutes=48)
    (folder / "2.eml").write_bytes(
        _eml(SELLER, RELAY, reply_at, "r1@acme-lamps.example", "Sorry! A replacement is on its way.", "q1@relay.walmart.com")
    )
    return folder


def _denied_case(mail: Path) -> RefundCase:
    evidence = collect_thread(
        OrderKey(PO, None, RELAY), [PathSource(mail)], EmailConfig(seller_addresses=[SELLER]), now=NOW
    )
    threads, checks = evidence[0], evidence[1]
    issued = utc(2026, 10, 30, 15, 0)  # 48 h window closed Nov 1: 19 days before NOW
    case = make_case(
        issued_at=issued,
        state=DisputeState.DISPUTED,
        with_messages=False,
        order_date=utc(2026, 10, 20, 15, 0),
        shipped_at=utc(2026, 10, 21, 15, 0),
        dispute_case=DisputeCase(
            case_id="DSP-745123151",
            po=PO,
            type="Customer Care refund",
            submitted_at=issued + timedelta(hours=23),
            status=CaseStatus.DENIED,
            decision_at=utc(2026, 11, 6, 15, 0),
        ),
    )
    case = case.model_copy(update={"threads": threads, "reply_checks": checks})
    return case.model_copy(update={"assessment": assess(case, POLICY, NOW)})


def _not_disputable_case() -> RefundCase:
    case = make_case(issued_at=NOW - timedelta(hours=28), keep_it=True)  # 20 h of the 48 h window left
    case = case.model_copy(
        update={
            "refund_transaction_id": "T-REF-KEEP",
            "refund": case.refund.model_copy(update={"transaction_id": "T-REF-KEEP"}),
        }
    )
    return case.model_copy(update={"assessment": assess(case, POLICY, NOW)})


@pytest.fixture
def bundles(tmp_path: Path, mail: Path) -> tuple[Path, dict[str, Path]]:
    folder = tmp_path / "bundles"
    paths = {}
    for key, case in (("denied", _denied_case(mail)), ("kept", _not_disputable_case())):
        assert case.assessment is not None
        paths[key] = write_bundle(folder, case, [], example_context(), clock=lambda: NOW).path
    write_index(folder, clock=lambda: NOW, now=NOW)
    return folder, paths


class _Texts(HTMLParser):
    """The text of elements with an id, and of each index row's labelled cells."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.rows: list[dict[str, str]] = []
        self._open: list[tuple[str, str, str | None]] = []  # (tag, id, data-label)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr":
            self.rows.append({})
        if tag in ("br", "img", "meta"):
            return
        self._open.append((tag, a.get("id") or "", a.get("data-label")))
        if a.get("id"):
            self.by_id[a["id"] or ""] = ""
        if a.get("data-label") and self.rows:
            self.rows[-1][a["data-label"] or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, ident, label in self._open:
            if ident:
                self.by_id[ident] += data
            if label and self.rows:
                self.rows[-1][label] += data


def _parse(path: Path) -> _Texts:
    parsed = _Texts()
    parsed.feed(path.read_text(encoding="utf-8"))
    return parsed


def _norm(text: str) -> str:
    return " ".join(text.split())


def _index_row(index: _Texts, transaction_id: str) -> dict[str, str]:
    row = next(r for r in index.rows if transaction_id in r.get("Refund", ""))
    return {
        "verdict": _norm(row["Verdict"]),
        "deadline": _norm(row["Deadline"]).removeprefix("appeal by "),
        "time_left": _norm(row["Time left"]),
    }


def test_report_and_index_agree(bundles: tuple[Path, dict[str, Path]]) -> None:
    folder, paths = bundles
    report = _parse(paths["denied"] / "report.html")
    top = {k: _norm(report.by_id[i]) for k, i in (("verdict", "verdict"), ("deadline", "deadline"), ("time_left", "time-left"))}
    assert top == EXPECTED
    assert "Appeal by" in report.by_id["status"] and "File by" not in report.by_id["status"]
    assert "appeal by Dec 7, 2026, 12:00 AM CST" in _norm(report.by_id["next-step"])

    index = _parse(folder / "index.html")
    assert _index_row(index, "T-REF-1") == EXPECTED
    assert _index_row(index, "T-REF-KEEP") == NOT_DISPUTABLE

    kept = _parse(paths["kept"] / "report.html")
    assert _norm(kept.by_id["verdict"]) == "not disputable"
    assert (_norm(kept.by_id["deadline"]), _norm(kept.by_id["time-left"])) == ("-", "-")


def _table_row(table: str, key: str) -> list[str]:
    """A rich table row's cells, a cell wrapped over several lines joined again."""
    lines = table.splitlines()
    start = next(i for i, line in enumerate(lines) if key in line and ("│" in line or "┃" in line))
    cells: list[list[str]] = []
    for line in lines[start:]:
        if not line.strip() or line.lstrip()[0] not in "│┃":
            break
        parts = [p.strip() for p in line.strip().strip("│┃").replace("┃", "│").split("│")]
        cells = cells or [[] for _ in parts]
        for cell, part in zip(cells, parts, strict=True):
            if part:
                cell.append(part)
    return [" ".join(c) for c in cells]


def test_deadlines_table_and_csv_agree(bundles: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    folder, _ = bundles
    runner = CliRunner()
    now = NOW.isoformat().replace("+00:00", "Z")
    out = tmp_path / "deadlines.txt"
    result = runner.invoke(app, ["deadlines", str(folder), "--now", now, "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = out.read_text(encoding="utf-8")
    header = _table_row(table, "Time left")
    cells = dict(zip(header, _table_row(table, PO), strict=True))
    shown = {"verdict": cells["Verdict"], "deadline": cells["Deadline (seller time)"], "time_left": cells["Time left"]}
    assert shown == EXPECTED, table
    assert "T-REF-KEEP" not in table  # nothing to file: not listed
    assert "as of Nov 20, 2026, 12:00 PM CST" in table  # the seller's zone, not UTC

    result = runner.invoke(app, ["deadlines", str(folder), "--now", now, "--format", "csv"])
    assert result.exit_code == 0, result.output
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {"verdict": row["verdict"], "deadline": row["deadline_local"], "time_left": row["time_left"]} == EXPECTED
    assert row["kind"] == "appeal"


def test_demo_summary_rows_agree(bundles: tuple[Path, dict[str, Path]]) -> None:
    _, paths = bundles
    refunds = []
    for key, transaction in (("denied", "T-REF-1"), ("kept", "T-REF-KEEP")):
        from evidence.bundle import read_bundle

        assessment = read_bundle(paths[key]).case.assessment
        assert assessment is not None and assessment.deadline is not None
        refunds.append(
            SimpleNamespace(
                po=PO, transaction_id=transaction, amount="-$42.17", verdict=assessment.verdict.value,
                deadline=assessment.deadline.isoformat(), bundle=str(paths[key]),
            )
        )  # fmt: skip
    scenario = SimpleNamespace(clock=SimpleNamespace(now=NOW), seller=SimpleNamespace(timezone=ZONE))
    rows = summary_rows(SimpleNamespace(report=SimpleNamespace(refunds=refunds)), scenario)  # type: ignore[arg-type]
    shown = {r.transaction_id: {"verdict": r.verdict, "deadline": r.deadline, "time_left": r.time_left} for r in rows}
    assert shown == {"T-REF-1": EXPECTED, "T-REF-KEEP": NOT_DISPUTABLE}
    assert [r.transaction_id for r in rows] == ["T-REF-1", "T-REF-KEEP"]  # the open appeal first


def test_emails_thread_shows_the_reports_times_and_latency(
    bundles: tuple[Path, dict[str, Path]], mail: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _, paths = bundles
    report = (paths["denied"] / "report.html").read_text(encoding="utf-8")
    assert ASKED_LOCAL in report and f"answered after {LATENCY}" in report

    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("COLLECTOR_CONFIG", "COLLECTOR_SELLER_ADDRESSES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLLECTOR_SELLER_TIMEZONE", ZONE)
    result = CliRunner().invoke(
        app,
        ["emails", "thread", str(mail), "--po", PO, "--now", "2026-11-20T18:00:00Z", "--seller-address", SELLER],
        env={"COLUMNS": "240"},
    )
    assert result.exit_code == 0, result.output
    assert ASKED_LOCAL in result.stdout and LATENCY in result.stdout
    assert "2026-10-29T14:00:00Z" not in result.stdout and "2.80" not in result.stdout
