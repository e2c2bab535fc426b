"""evidence.formatting: one label per verdict, one way to write times, durations and money, and
the next deadline that matters (an open appeal after a denial, not the closed dispute window)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from evidence import formatting as fmt
from evidence.models import Assessment, Finding, FindingStatus, Money, Verdict

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
CHICAGO = "America/Chicago"


def _assessment(verdict: Verdict, deadline: datetime | None, appeal: datetime | None = None, **extra) -> Assessment:
    return Assessment(
        policy_id="walmart-cc-2024-11", assessed_at=NOW, deadline=deadline, appeal_deadline=appeal, verdict=verdict,
        **extra,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("verdict", "label"),
    [
        (Verdict.READY_TO_FILE, "ready to file"),
        ("ready_to_file", "ready to file"),
        ("ready to file", "ready to file"),  # already a label: unchanged
        (Verdict.NEEDS_ATTENTION, "needs attention"),
        (Verdict.NOT_DISPUTABLE, "not disputable"),
        (Verdict.WINDOW_CLOSED, "window closed"),
        (Verdict.ALREADY_DISPUTED, "already disputed"),
        (None, "not assessed"),
    ],
)
def test_one_label_per_verdict(verdict: Verdict | str | None, label: str) -> None:
    assert fmt.verdict_label(verdict) == label


def test_every_verdict_has_a_label_and_no_label_has_an_underscore() -> None:
    assert set(fmt.VERDICT_LABELS) == set(Verdict)
    assert all("_" not in label for label in fmt.VERDICT_LABELS.values())


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=2, hours=3, minutes=5, seconds=59), "2 d 3 h 5 min"),
        (timedelta(hours=21, minutes=20), "21 h 20 min"),
        (timedelta(minutes=12), "12 min"),
        (timedelta(seconds=59), "0 min"),
        (-timedelta(hours=4), "4 h 0 min"),
        (timedelta(hours=2.8), "2 h 48 min"),
    ],
)
def test_durations_are_written_one_way(delta: timedelta, text: str) -> None:
    assert fmt.duration(delta) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=21, minutes=20), "21 h 20 min left"),
        (timedelta(minutes=1), "1 min left"),
        (timedelta(0), "closed 0 min ago"),  # at the deadline instant the window is closed
        (-timedelta(days=19, hours=3), "closed 19 d 3 h 0 min ago"),
    ],
)
def test_time_left(delta: timedelta, text: str) -> None:
    assert fmt.time_left(delta) == text


def test_latency_hours_read_as_a_duration() -> None:
    assert fmt.latency(2.8) == "2 h 48 min"
    assert fmt.latency(19.4667) == "19 h 28 min"
    assert fmt.latency(None) == "-"


def test_local_time_is_the_screens_format_in_the_sellers_zone() -> None:
    assert fmt.local_time(NOW, CHICAGO) == "Nov 20, 2026, 12:00 PM CST"
    assert fmt.local_time(datetime(2026, 7, 1, 5, 5, tzinfo=UTC), CHICAGO) == "Jul 1, 2026, 12:05 AM CDT"
    assert fmt.local_time(NOW, "Not/AZone") == "Nov 20, 2026, 6:00 PM UTC"  # unknown zone: UTC, never a crash


def test_money_and_totals() -> None:
    values = [Money(amount=Decimal("-45.05")), Money(amount=Decimal("-1200.00"))]
    assert fmt.money(values[0]) == "-$45.05"
    assert fmt.money(None) == "-"
    assert fmt.money_total(values) == "-$1,245.05"
    assert fmt.money_total([]) == "$0.00"
    assert fmt.money_total([*values, Money(amount=Decimal("3"), currency="CAD")]) == "-$1,245.05 + CAD 3.00"


def test_the_next_deadline_after_a_denial_is_the_open_appeal_not_the_closed_dispute_window() -> None:
    appeal = NOW + timedelta(days=16, hours=12)
    status = fmt.status(_assessment(Verdict.ALREADY_DISPUTED, NOW - timedelta(days=19), appeal), NOW, CHICAGO)
    assert (status.verdict, status.kind, status.at) == ("already disputed", "appeal", appeal)
    assert status.deadline == "Dec 7, 2026, 12:00 AM CST" and status.time_left == "16 d 12 h 0 min left"
    assert status.label == "Appeal by" and status.open


def test_a_dispute_under_review_has_no_deadline_that_matters() -> None:
    status = fmt.status(_assessment(Verdict.ALREADY_DISPUTED, NOW - timedelta(days=19)), NOW, CHICAGO)
    assert (status.kind, status.deadline, status.time_left, status.open) == (None, "-", "-", False)


def test_a_denial_without_a_decision_date_has_an_unknown_appeal_deadline() -> None:
    finding = Finding(code="appeal.deadline", title="t", status=FindingStatus.UNKNOWN, detail="d")
    status = fmt.status(_assessment(Verdict.ALREADY_DISPUTED, None, findings=[finding]), NOW, CHICAGO)
    assert (status.kind, status.deadline, status.time_left, status.open) == ("appeal", "unknown", "unknown", True)


def test_a_not_disputable_refund_shows_no_time_left() -> None:
    status = fmt.status(_assessment(Verdict.NOT_DISPUTABLE, NOW + timedelta(hours=20)), NOW, CHICAGO)
    assert (status.verdict, status.deadline, status.time_left, status.open) == ("not disputable", "-", "-", False)


def test_open_and_closed_dispute_windows() -> None:
    ready = fmt.status(_assessment(Verdict.READY_TO_FILE, NOW + timedelta(hours=21, minutes=20)), NOW, CHICAGO)
    assert (ready.label, ready.deadline, ready.time_left) == ("File by", "Nov 21, 2026, 9:20 AM CST", "21 h 20 min left")
    closed = fmt.status(_assessment(Verdict.WINDOW_CLOSED, NOW - timedelta(minutes=1)), NOW, CHICAGO)
    assert (closed.label, closed.time_left, closed.open) == ("Dispute window closed", "closed 1 min ago", False)
    unknown = fmt.status(_assessment(Verdict.NEEDS_ATTENTION, None), NOW, CHICAGO)
    assert (unknown.deadline, unknown.time_left, unknown.open) == ("unknown", "unknown", True)
    assert fmt.status(None, NOW, CHICAGO).verdict == "not assessed"


def test_urgency_puts_open_refunds_first_by_deadline_then_closed_then_nothing_to_do() -> None:
    def st(verdict: Verdict, hours: float | None, appeal: float | None = None) -> fmt.Status:
        deadline = NOW + timedelta(hours=hours) if hours is not None else None
        appeal_at = NOW + timedelta(hours=appeal) if appeal is not None else None
        return fmt.status(_assessment(verdict, deadline, appeal_at), NOW, CHICAGO)

    rows = {
        "appeal-in-16-d": st(Verdict.ALREADY_DISPUTED, -400, appeal=396),
        "ready-in-5-h": st(Verdict.READY_TO_FILE, 5),
        "not-disputable-20-h": st(Verdict.NOT_DISPUTABLE, 20),
        "needs-unknown": st(Verdict.NEEDS_ATTENTION, None),
        "closed-yesterday": st(Verdict.WINDOW_CLOSED, -24),
        "closed-long-ago": st(Verdict.WINDOW_CLOSED, -24 * 60),
        "not-assessed": fmt.status(None, NOW, CHICAGO),
    }
    ordered = sorted(rows, key=lambda name: fmt.urgency(rows[name], NOW, name))
    assert ordered == [
        "ready-in-5-h", "appeal-in-16-d", "needs-unknown", "closed-yesterday", "closed-long-ago",
        "not-disputable-20-h", "not-assessed",
    ]  # fmt: skip


def test_status_from_a_summary_row_without_the_assessment() -> None:
    ready = fmt.status_from("ready_to_file", NOW + timedelta(hours=1), NOW, CHICAGO)
    assert (ready.verdict, ready.time_left) == ("ready to file", "1 h 0 min left")
    disputed = fmt.status_from("already_disputed", NOW - timedelta(days=19), NOW, CHICAGO)
    assert (disputed.deadline, disputed.time_left) == ("-", "-")  # never "closed 19 d ago"
    assert fmt.status_from(None, None, NOW, CHICAGO).verdict == "not assessed"
    appeal = _assessment(Verdict.ALREADY_DISPUTED, NOW - timedelta(days=19), NOW + timedelta(days=2))
    assert fmt.status_from("already_disputed", None, NOW, CHICAGO, appeal).time_left == "2 d 0 h 0 min left"


def test_roles_read_as_words() -> None:
    assert fmt.role_label("walmart_customer_care") == "Walmart Customer Care"
    assert fmt.role_label("customer") == "customer"
    assert all("_" not in label for label in fmt.ROLE_LABELS.values())
