"""What the demo collects and how it shows time left (no browser)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from collector.demo import _time_left, demo_pos, seller_addresses, summary_rows
from evidence.models import TransactionType
from fixtures.site import default_scenario


def test_demo_collects_every_customer_care_refund_the_search_can_still_show() -> None:
    scenario = default_scenario()
    pos = demo_pos(scenario)
    by_po = {o.po: o for o in scenario.orders}
    old = [o.po for o in scenario.orders if "older_than_90_days" in o.tags]
    sale_only = [o.po for o in scenario.orders if "sale_only" in o.tags]
    assert old and not set(old) & set(pos)
    assert sale_only and not set(sale_only) & set(pos)
    assert all(any(t.type == TransactionType.CUSTOMER_CARE_REFUND for t in by_po[po].transactions) for po in pos)
    assert "4342076435326" in pos  # the source article's example order


def test_demo_knows_the_sellers_own_addresses() -> None:
    assert "support@prairiegoods.example" in seller_addresses(default_scenario())


def test_time_left_reads_like_a_person_would_say_it() -> None:
    now = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    assert _time_left(now + timedelta(hours=30, minutes=5), now) == "1d 6h"
    assert _time_left(now + timedelta(hours=5, minutes=7), now) == "5h 07m"
    assert _time_left(now - timedelta(minutes=1), now) == "closed"
    assert _time_left(None, now) == "-"


def test_summary_lists_the_most_urgent_deadline_first_not_in_text_order() -> None:
    scenario = default_scenario()
    now = scenario.clock.now

    def refund(po: str, hours: float | None) -> SimpleNamespace:
        deadline = (now + timedelta(hours=hours)).isoformat() if hours is not None else None
        return SimpleNamespace(po=po, transaction_id=f"{po}-CCR1", amount="-$1.00", verdict="ready_to_file",
                               deadline=deadline)

    # "10:00 AM" sorts before "8:00 AM" as text, and "Nov" before "Oct": the table must not.
    refunds = [refund("1", 22), refund("2", 20), refund("3", -24 * 30), refund("4", -1), refund("5", None)]
    result = SimpleNamespace(report=SimpleNamespace(refunds=refunds))
    rows = summary_rows(result, scenario)  # type: ignore[arg-type]
    assert [r.po for r in rows] == ["2", "1", "4", "3", "5"]
