"""The deadlines list: sorted by time left, CSV with a header row, iCalendar that parses (folding, CRLF)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from evidence.models import CaseStatus, DisputeCase, DisputeState
from evidence.policy import CSV_COLUMNS, default_registry, open_deadlines, to_csv, to_ics
from evidence.policy.ical import fold_line
from tests.evidence.policy.factories import make_case, utc

REG = default_registry()
ISSUED = utc(2026, 11, 20, 15, 0)
NOW = ISSUED + timedelta(hours=12)


def _cases():
    soon = make_case(issued_at=ISSUED)
    later = make_case(issued_at=ISSUED + timedelta(hours=5))
    closed = make_case(issued_at=ISSUED - timedelta(days=3))
    kept = make_case(keep_it=True)
    denied = make_case(
        state=DisputeState.DISPUTED,
        dispute_case=DisputeCase(
            case_id="DSP-1",
            po="4342076435326",
            type="Customer Care refund",
            submitted_at=ISSUED,
            status=CaseStatus.DENIED,
            decision_at=NOW - timedelta(hours=1),
        ),
    )
    in_review = make_case(state=DisputeState.DISPUTED)
    return [
        ("b/later", later),
        ("b/closed", closed),
        ("b/kept", kept),
        ("b/denied", denied),
        ("b/review", in_review),
        ("b/soon", soon),
    ]


def _policy(case):
    return REG.for_refund(case.refund.issued_at, case.seller.timezone)


def test_open_refunds_are_listed_soonest_first_and_closed_ones_left_out():
    rows = open_deadlines(_cases(), _policy, NOW)
    assert [(r.bundle, r.kind) for r in rows] == [("b/soon", "dispute"), ("b/later", "dispute"), ("b/denied", "appeal")]
    assert rows[0].time_left == timedelta(hours=36)
    assert rows[0].deadline_local == "Nov 22, 2026, 9:00 AM CST"


def test_csv_has_a_header_row_and_one_row_per_deadline():
    rows = list(csv.reader(io.StringIO(to_csv(open_deadlines(_cases(), _policy, NOW)))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r[0] for r in rows[1:]] == ["4342076435326"] * 3
    assert rows[1][3] == "2026-11-22T15:00:00Z" and rows[1][5] == "1 d 12 h 0 min left"


def _unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    physical = text.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return logical


def test_icalendar_parses_with_one_event_and_alarm_per_deadline():
    rows = open_deadlines(_cases(), _policy, NOW)
    lines = _unfold(to_ics(rows, NOW))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 3
    assert lines.count("BEGIN:VALARM") == 3 and lines.count("TRIGGER:-PT4H") == 3
    assert "DTSTART:20261122T150000Z" in lines
    assert "UID:dispute-T-REF-1-4342076435326@cc-refund-collector" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:Dispute deadline"))
    assert "\\," in description and "Bundle: b/soon" in description  # commas escaped


def test_event_uid_is_stable_across_runs():
    rows = open_deadlines(_cases()[:1], _policy, NOW)
    first = [line for line in _unfold(to_ics(rows, NOW)) if line.startswith("UID:")]
    second = [line for line in _unfold(to_ics(rows, NOW + timedelta(hours=1))) if line.startswith("UID:")]
    assert first == second and len(first) == 1


def test_folding_never_splits_a_utf8_character():
    line = "SUMMARY:" + "Réponse automatique – 日本語 " * 10
    parts = fold_line(line)
    assert len(parts) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line
