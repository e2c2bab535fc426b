"""What the demo collects and how it shows time left (no browser)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collector.demo import _time_left, demo_pos, seller_addresses
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
