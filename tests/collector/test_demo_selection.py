"""What the demo collects and how it shows time left (no browser)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from collector.demo import demo_pos, seller_addresses, summary_rows
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


def test_time_left_reads_as_every_other_surface_says_it() -> None:
    scenario = default_scenario()
    now = scenario.clock.now

    def row(hours: float | None) -> object:
        deadline = (now + timedelta(hours=hours)).isoformat() if hours is not None else None
        refund = SimpleNamespace(po="1", transaction_id="1-CCR1", amount="-$1.00", verdict="ready_to_file",
                                 deadline=deadline)  # fmt: skip
        (shown,) = summary_rows(SimpleNamespace(report=SimpleNamespace(refunds=[refund])), scenario)  # type: ignore[arg-type]
        return shown.time_left

    assert row(30 + 5 / 60) == "1 d 6 h 5 min left"
    assert row(5 + 7 / 60) == "5 h 7 min left"
    assert row(-1 / 60) == "closed 1 min ago"
    assert row(None) == "unknown"


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
    # open ones first (an unknown deadline after the known ones), then closed, most recent first
    assert [r.po for r in rows] == ["2", "1", "5", "4", "3"]
