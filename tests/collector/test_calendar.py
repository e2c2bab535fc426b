"""`collector deadlines --format ics` as a calendar to subscribe to: an open deadline is an event;
once the refund is filed (a tracked case) the same UID comes back STATUS:CANCELLED; a tracked
denial adds the appeal deadline; `collector calendar write` keeps a file up to date."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cases import SqliteCaseStore, TrackedCase
from collector.cli import app
from evidence.bundle import write_bundle
from evidence.bundle.example import PO, TRANSACTION, example_artifacts, example_case, example_context, fixed_clock
from evidence.models import CaseStatus

runner = CliRunner()
NOW = "2026-11-20T21:15:00Z"  # 19 h 25 min before the dispute deadline (Nov 21 16:40 UTC)
UID = f"UID:dispute-{TRANSACTION}-{PO}@cc-refund-collector"
APPEAL_UID = f"UID:appeal-{TRANSACTION}-{PO}@cc-refund-collector"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    write_bundle(tmp_path / "bundles", example_case(), example_artifacts(), example_context(), clock=fixed_clock)
    return tmp_path


def _events(out: Path, now: str = NOW) -> list[list[str]]:
    result = runner.invoke(app, ["deadlines", str(out), "--format", "ics", "--now", now])
    assert result.exit_code == 0, result.output
    lines = result.stdout.replace("\r\n", "\n").replace("\n ", "").split("\n")  # the runner may drop the CRs
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = []
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return events


def _track(out: Path, status: CaseStatus, appeal_deadline: datetime | None = None) -> None:
    with SqliteCaseStore(out / ".collector" / "cases.sqlite") as store:
        store.save_case(TrackedCase("5900000001", PO, TRANSACTION, "Customer Care refund",
                                    datetime(2026, 11, 20, 22, tzinfo=UTC), status,
                                    decision_at=datetime(2026, 11, 25, 18, tzinfo=UTC) if appeal_deadline else None,
                                    appeal_deadline=appeal_deadline))


def test_an_open_deadline_is_an_event_then_cancelled_once_filed(out: Path) -> None:
    [event] = _events(out)
    assert UID in event and "STATUS:CONFIRMED" in event and "SEQUENCE:0" in event
    assert "DTSTART:20261121T164000Z" in event

    _track(out, CaseStatus.SUBMITTED)
    [event] = _events(out)
    assert UID in event and "STATUS:CANCELLED" in event and "SEQUENCE:1" in event
    assert "DTSTART:20261121T164000Z" in event and not any(line.startswith("TRIGGER") for line in event)
    table = runner.invoke(app, ["deadlines", str(out), "--format", "csv", "--now", NOW])
    assert table.stdout.splitlines()[1:] == []  # filed: no longer listed as open


def test_a_tracked_denial_opens_the_appeal_deadline(out: Path) -> None:
    appeal = datetime(2026, 12, 26, 6, tzinfo=UTC)
    _track(out, CaseStatus.DENIED, appeal_deadline=appeal)
    events = {next(line for line in e if line.startswith("UID:")): e for e in _events(out, "2026-11-26T12:00:00Z")}
    assert "STATUS:CANCELLED" in events[UID]
    assert "STATUS:CONFIRMED" in events[APPEAL_UID] and "DTSTART:20261226T060000Z" in events[APPEAL_UID]
    csv = runner.invoke(app, ["deadlines", str(out), "--format", "csv", "--now", "2026-11-26T12:00:00Z"])
    [row] = csv.stdout.splitlines()[1:]
    assert row.startswith(f"{PO},{TRANSACTION},appeal,2026-12-26T06:00:00Z")
    _track(out, CaseStatus.APPEAL_SUBMITTED, appeal_deadline=appeal)
    events = {next(line for line in e if line.startswith("UID:")): e for e in _events(out, "2026-11-28T12:00:00Z")}
    assert "STATUS:CANCELLED" in events[APPEAL_UID]


def test_calendar_write_keeps_a_file_to_subscribe_to(out: Path, tmp_path: Path) -> None:
    target = tmp_path / "cal" / "deadlines.ics"
    result = runner.invoke(app, ["calendar", "write", str(out), str(target), "--now", NOW])
    assert result.exit_code == 0, result.output
    first = target.read_bytes()
    assert first.startswith(b"BEGIN:VCALENDAR\r\n") and UID.encode() in first and b"STATUS:CONFIRMED" in first
    _track(out, CaseStatus.APPROVED)
    with SqliteCaseStore(out / ".collector" / "cases.sqlite") as store:
        case = store.case("5900000001")
        assert case is not None
        case.amount_reimbursed = Decimal("45.05")
        store.save_case(case)
    runner.invoke(app, ["calendar", "write", str(out), str(target), "--now", NOW])
    assert b"STATUS:CANCELLED" in target.read_bytes() and b"STATUS:CONFIRMED" not in target.read_bytes()


def test_calendar_serve_answers_on_loopback(out: Path, tmp_path: Path) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTOR_")}
    proc = subprocess.Popen([sys.executable, "-m", "collector", "calendar", "serve", str(out), "--port", str(port)],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and "serving http://127.0.0.1:" in proc.stdout.readline()
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/deadlines.ics", timeout=10) as answer:
                    body, kind = answer.read(), answer.headers["Content-Type"]
                break
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
        assert kind == "text/calendar; charset=utf-8"
        assert body.startswith(b"BEGIN:VCALENDAR\r\n") and UID.encode() in body  # as of now: cancelled (closed)
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/other", timeout=10)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
