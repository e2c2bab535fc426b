"""The return window: 30 days counted from its first day (7 days after the first shipment), closed at
local midnight after its last day; and only the refunded lines' windows, never a guess at them.

docs/policies.md ("Return window") has the worked example tested first here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from evidence.models import FindingStatus, OrderLine, RefundCase, Shipment, Verdict
from evidence.policy import assess, default_registry, format_local, return_window_end, seller_zone
from tests.evidence.policy.factories import make_case, money, shipment, utc

REG = default_registry()
P2024 = REG.get("walmart-cc-2024-11")
PASS, FAIL, UNKNOWN = FindingStatus.PASS, FindingStatus.FAIL, FindingStatus.UNKNOWN
CHICAGO = "America/Chicago"


def _finding(case: RefundCase, now: datetime | None = None):
    result = assess(case, P2024, now or case.refund.issued_at + timedelta(hours=12))
    return next(f for f in result.findings if f.code == "return_window"), result


def _case(
    shipped: datetime,
    issued: datetime,
    *,
    zone: str = CHICAGO,
    lines: tuple[tuple[int, str | None], ...] = ((1, None),),
    refunded: tuple[int, ...] = (1,),
    shipments: list[Shipment] | None = None,
) -> RefundCase:
    case = make_case(issued_at=issued, shipped_at=shipped, order_date=shipped - timedelta(days=1), timezone=zone)
    assert case.order is not None
    order_lines = [
        OrderLine(
            line_number=n, sku=f"SKU-{n}", product_name=f"Item {n}", quantity=1, unit_price=money("10"), category=c
        )
        for n, c in lines
    ]
    ships = shipments or [shipment(shipped).model_copy(update={"line_numbers": [n for n, _ in lines]})]
    order = case.order.model_copy(update={"lines": order_lines, "shipments": ships})
    refund = case.refund.model_copy(update={"line_numbers": list(refunded)})
    return case.model_copy(update={"order": order, "refund": refund})


# ------------------------------------------------------------------ item 1: the length of the window


def test_worked_example_shipped_sep_15_window_sep_22_to_oct_21_closed_at_the_start_of_oct_22():
    # docs/policies.md and the default scenario's note: shipped Sep 15 -> Sep 22..Oct 21, closed Oct 22
    case = _case(utc(2026, 9, 15, 15, 0), utc(2026, 11, 19, 15, 0))
    end = return_window_end(case.order, case.refund, P2024, seller_zone(CHICAGO))
    assert end.at == utc(2026, 10, 22, 5, 0)
    assert format_local(end.at, seller_zone(CHICAGO)) == "Oct 22, 2026, 12:00 AM CDT"
    assert "2026-09-22 through 2026-10-21" in end.basis


BOUNDARIES = [
    # (shipped, zone, the instant the window closes = local midnight after its 30th day)
    pytest.param(utc(2026, 9, 15, 15, 0), CHICAGO, utc(2026, 10, 22, 5, 0), id="worked-example-CDT"),
    # shipped 11:30 PM CDT on Sep 15 (already Sep 16 in UTC): the local date counts
    pytest.param(utc(2026, 9, 16, 4, 30), CHICAGO, utc(2026, 10, 22, 5, 0), id="shipped-late-evening-local"),
    # opens in CDT (Oct 8), the clocks fall back on Nov 1, last day Nov 6: closes at midnight CST
    pytest.param(utc(2026, 10, 1, 15, 0), CHICAGO, utc(2026, 11, 7, 6, 0), id="across-fall-back"),
    # opens in CST (Feb 8), the clocks spring forward on Mar 8, last day Mar 9: closes at midnight CDT
    pytest.param(utc(2026, 2, 1, 18, 0), CHICAGO, utc(2026, 3, 10, 5, 0), id="across-spring-forward"),
    # the last day is the 23-hour spring-forward day itself (Feb 7..Mar 8)
    pytest.param(utc(2026, 1, 31, 18, 0), CHICAGO, utc(2026, 3, 9, 5, 0), id="last-day-is-spring-forward"),
    # the last day is the 25-hour fall-back day itself (Oct 3..Nov 1)
    pytest.param(utc(2026, 9, 26, 15, 0), CHICAGO, utc(2026, 11, 2, 6, 0), id="last-day-is-fall-back"),
    pytest.param(utc(2026, 9, 15, 15, 0), "America/Los_Angeles", utc(2026, 10, 22, 7, 0), id="another-zone"),
]


@pytest.mark.parametrize(("shipped", "zone", "closes"), BOUNDARIES)
def test_the_window_is_30_days_counted_from_its_first_day(shipped, zone, closes):
    case = _case(shipped, closes, zone=zone)
    end = return_window_end(case.order, case.refund, P2024, seller_zone(zone))
    assert end.at == closes
    local = closes.astimezone(seller_zone(zone))
    assert (local.hour, local.minute) == (0, 0)
    first_day = shipped.astimezone(seller_zone(zone)).date() + timedelta(days=7)
    assert local.date() - first_day == timedelta(days=30)  # day 1 .. day 30, then closed


@pytest.mark.parametrize(("shipped", "zone", "closes"), BOUNDARIES)
def test_issued_at_23_59_59_on_the_last_day_is_inside_and_at_midnight_after_it_outside(shipped, zone, closes):
    inside, result = _finding(_case(shipped, closes - timedelta(seconds=1), zone=zone))
    assert inside.status is FAIL, inside.detail  # informational: fail = inside the window
    assert "inside the return window" in inside.detail
    assert result.verdict is Verdict.READY_TO_FILE
    outside, _ = _finding(_case(shipped, closes, zone=zone))
    assert outside.status is PASS, outside.detail
    assert "after the return window closed" in outside.detail


# ------------------------------------------------------------------ item 2: which lines were refunded

SHIPPED = utc(2026, 10, 20, 15, 0)  # window opens Oct 27: 15 days -> closed Nov 11, 30 days -> closed Nov 26
CLOSES_15 = utc(2026, 11, 11, 6, 0)
CLOSES_30 = utc(2026, 11, 26, 6, 0)
MIXED = ((1, None), (2, "Electronics"))


def test_known_refunded_lines_use_their_own_category_window():
    finding, _ = _finding(_case(SHIPPED, utc(2026, 11, 20, 15, 0), lines=MIXED, refunded=(2,)))
    assert finding.status is PASS, finding.detail  # line 2 (Electronics, 15 days) closed Nov 11
    finding, _ = _finding(_case(SHIPPED, utc(2026, 11, 20, 15, 0), lines=MIXED, refunded=(1, 2)))
    assert finding.status is FAIL, finding.detail  # the longest of the refunded lines' windows: 30 days


def test_unknown_refunded_lines_with_different_windows_are_unknown_never_a_guess():
    case = _case(SHIPPED, utc(2026, 11, 20, 15, 0), lines=MIXED, refunded=())
    finding, result = _finding(case)
    assert finding.status is UNKNOWN, finding.detail
    assert "refunded lines" in finding.detail and "not shown" in finding.detail
    assert format_local(CLOSES_15, seller_zone(CHICAGO)) in finding.detail
    assert format_local(CLOSES_30, seller_zone(CHICAGO)) in finding.detail
    assert result.verdict is Verdict.READY_TO_FILE  # informational: it blocks nothing
    assert any(r.ref == "refund.line_numbers" for r in finding.evidence)
    end = return_window_end(case.order, case.refund, P2024, seller_zone(CHICAGO))
    assert end.at is None and end.between == (CLOSES_15, CLOSES_30)


def test_unknown_refunded_lines_shipped_on_different_days_are_unknown():
    ships = [
        shipment(SHIPPED).model_copy(update={"line_numbers": [1]}),
        shipment(SHIPPED + timedelta(days=10)).model_copy(update={"line_numbers": [2], "tracking_number": "1Z2"}),
    ]
    case = _case(SHIPPED, utc(2026, 11, 30, 15, 0), lines=((1, None), (2, None)), refunded=(), shipments=ships)
    finding, _ = _finding(case)
    assert finding.status is UNKNOWN, finding.detail
    assert "refunded lines" in finding.detail


@pytest.mark.parametrize(
    ("issued", "status", "words"),
    [
        (CLOSES_30, PASS, "whichever lines were refunded"),  # after every line's window closed
        (CLOSES_15 - timedelta(seconds=1), FAIL, "whichever lines were refunded"),  # before any closed
    ],
)
def test_unknown_refunded_lines_decide_only_when_every_line_gives_the_same_answer(issued, status, words):
    finding, _ = _finding(_case(SHIPPED, issued, lines=MIXED, refunded=()))
    assert finding.status is status, finding.detail
    assert words in finding.detail


def test_unknown_refunded_lines_of_a_one_line_order_are_that_line():
    finding, _ = _finding(_case(SHIPPED, CLOSES_30, refunded=()))
    assert finding.status is PASS, finding.detail
    finding, _ = _finding(_case(SHIPPED, CLOSES_30 - timedelta(seconds=1), refunded=()))
    assert finding.status is FAIL, finding.detail


def test_a_refunded_line_the_order_does_not_show_is_unknown():
    finding, _ = _finding(_case(SHIPPED, CLOSES_30, refunded=(3,)))
    assert finding.status is UNKNOWN, finding.detail
    assert "line 3" in finding.detail


def test_unknown_refunded_lines_and_no_order_lines_are_unknown():
    finding, _ = _finding(_case(SHIPPED, CLOSES_30, lines=(), refunded=()))
    assert finding.status is UNKNOWN, finding.detail
    assert "refunded lines" in finding.detail
