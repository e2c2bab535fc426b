"""Deadlines to the minute in UTC, shown in the seller's zone: DST, leap days, month ends, the appeal example."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from evidence.models import CaseStatus, DisputeCase
from evidence.policy import (
    appeal_deadline,
    default_registry,
    dispute_deadline,
    format_local,
    format_time_left,
    seller_zone,
)
from evidence.policy.deadlines import day_count_deadline
from evidence.policy.model import DateBoundary
from tests.evidence.policy.factories import make_case, utc

P2022 = default_registry().get("walmart-cc-2022")
P2024 = default_registry().get("walmart-cc-2024-11")


@pytest.mark.parametrize(
    ("settlement", "zone", "expected_utc", "expected_local"),
    [
        # 45th day is the spring-forward day (2026-03-08): the window closes at the following local midnight, CDT
        (date(2026, 1, 22), "America/Chicago", utc(2026, 3, 9, 5, 0), "Mar 9, 2026, 12:00 AM CDT"),
        # 45th day is the day before the change: closes at midnight still in CST
        (date(2026, 1, 21), "America/Chicago", utc(2026, 3, 8, 6, 0), "Mar 8, 2026, 12:00 AM CST"),
        # 45th day is the fall-back day (2026-11-01): closes at midnight CST
        (date(2026, 9, 17), "America/Chicago", utc(2026, 11, 2, 6, 0), "Nov 2, 2026, 12:00 AM CST"),
        (date(2026, 9, 16), "America/Chicago", utc(2026, 11, 1, 5, 0), "Nov 1, 2026, 12:00 AM CDT"),
        # the 45th day is the leap day 2028-02-29
        (date(2028, 1, 15), "America/Chicago", utc(2028, 3, 1, 6, 0), "Mar 1, 2028, 12:00 AM CST"),
        # month end and year end
        (date(2026, 12, 17), "America/Chicago", utc(2027, 2, 1, 6, 0), "Feb 1, 2027, 12:00 AM CST"),
        (date(2026, 11, 16), "America/Chicago", utc(2027, 1, 1, 6, 0), "Jan 1, 2027, 12:00 AM CST"),
        # another seller zone
        (date(2026, 1, 22), "America/Los_Angeles", utc(2026, 3, 9, 7, 0), "Mar 9, 2026, 12:00 AM PDT"),
        (date(2026, 7, 1), "America/New_York", utc(2026, 8, 16, 4, 0), "Aug 16, 2026, 12:00 AM EDT"),
    ],
)
def test_2022_window_closes_at_end_of_45th_day_in_seller_zone(settlement, zone, expected_utc, expected_local):
    case = make_case(settlement_date=settlement, timezone=zone)
    deadline = dispute_deadline(case.refund, P2022, seller_zone(zone))
    assert deadline.at == expected_utc
    assert format_local(deadline.at, seller_zone(zone)) == expected_local
    assert deadline.basis == f"45 days from settlement date {settlement.isoformat()}"


@pytest.mark.parametrize(
    ("issued", "expected_utc", "expected_local"),
    [
        # across spring-forward: 48 real hours, so the local clock reads one hour later
        (utc(2026, 3, 7, 12, 0), utc(2026, 3, 9, 12, 0), "Mar 9, 2026, 7:00 AM CDT"),
        # across fall-back: the local clock reads one hour earlier
        (utc(2026, 10, 31, 12, 0), utc(2026, 11, 2, 12, 0), "Nov 2, 2026, 6:00 AM CST"),
        # across the leap day
        (utc(2028, 2, 28, 23, 30), utc(2028, 3, 1, 23, 30), "Mar 1, 2028, 5:30 PM CST"),
        # across a month end, seconds kept exactly
        (utc(2026, 1, 30, 20, 15, 42), utc(2026, 2, 1, 20, 15, 42), "Feb 1, 2026, 2:15 PM CST"),
    ],
)
def test_2024_window_is_issued_at_plus_exactly_48_hours(issued, expected_utc, expected_local):
    case = make_case(issued_at=issued)
    tz = seller_zone("America/Chicago")
    deadline = dispute_deadline(case.refund, P2024, tz)
    assert deadline.at == expected_utc
    assert format_local(deadline.at, tz) == expected_local


def test_2022_deadline_is_unknown_without_a_settlement_date():
    case = make_case(settlement_date=None)
    deadline = dispute_deadline(case.refund, P2022, seller_zone("America/Chicago"))
    assert deadline.at is None
    assert "settlement date was not captured" in (deadline.missing or "")


def test_start_of_day_boundary_closes_a_day_earlier_than_end_of_day():
    tz = seller_zone("America/Chicago")
    end = day_count_deadline(date(2026, 1, 22), 45, DateBoundary.END_OF_DAY, tz)
    start = day_count_deadline(date(2026, 1, 22), 45, DateBoundary.START_OF_DAY, tz)
    assert (start, end) == (utc(2026, 3, 8, 6, 0), utc(2026, 3, 9, 5, 0))


def _denied(decided: datetime, status: CaseStatus = CaseStatus.DENIED) -> DisputeCase:
    return DisputeCase(
        case_id="DSP-1",
        po="4342076435326",
        type="Customer Care refund",
        submitted_at=decided - timedelta(days=5),
        status=status,
        decision_at=decided,
    )


@pytest.mark.parametrize("policy", [P2022, P2024], ids=lambda p: p.id)
def test_appeal_denied_3_march_is_due_by_3_april_as_in_the_source_article(policy):
    tz = seller_zone("America/Chicago")
    deadline = appeal_deadline(_denied(utc(2026, 3, 3, 15, 0)), policy, tz)
    assert deadline is not None and deadline.at is not None
    local = deadline.at.astimezone(tz)
    assert (local.month, local.day, local.hour, local.minute) == (4, 3, 0, 0)
    assert format_local(deadline.at, tz) == "Apr 3, 2026, 12:00 AM CDT"


def test_appeal_counts_the_decision_day_in_the_seller_zone():
    # 2026-03-04 03:00Z is still 3 March in Chicago (9 PM CST)
    deadline = appeal_deadline(_denied(utc(2026, 3, 4, 3, 0)), P2024, seller_zone("America/Chicago"))
    assert deadline is not None and deadline.at == utc(2026, 4, 3, 5, 0)


@pytest.mark.parametrize("status", [CaseStatus.SUBMITTED, CaseStatus.APPROVED, CaseStatus.APPEAL_DENIED])
def test_no_appeal_deadline_unless_the_dispute_was_denied(status):
    assert appeal_deadline(_denied(utc(2026, 3, 3, 15, 0), status), P2024, seller_zone("America/Chicago")) is None


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=2, hours=3, minutes=5, seconds=59), "2 d 3 h 5 min left"),
        (timedelta(minutes=1), "1 min left"),
        (timedelta(0), "closed 0 min ago"),
        (-timedelta(hours=4), "closed 4 h 0 min ago"),
    ],
)
def test_time_left_is_shown_to_the_minute(delta, text):
    assert format_time_left(delta) == text


def test_unknown_seller_zone_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        seller_zone("Mars/Olympus")
