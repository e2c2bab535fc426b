"""The refund readers, on every layout and every dispute state, against the mock site."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from evidence.models import Channel, DisputeState, Layout, TransactionType
from fixtures.site import MockSite
from fixtures.site.disputes import DisputeBook, window_end
from pages import NotARefund, PaymentsReader, ReturnsReader, TransactionsReader, reader_for
from tests.pages.conftest import STATES, pick_refund

READERS = {
    Layout.PAYMENTS_2022: PaymentsReader,
    Layout.TRANSACTIONS_2024: TransactionsReader,
    Layout.RETURNS: ReturnsReader,
}


def minute(value: datetime) -> datetime:
    """Screens show times to the minute."""
    return value.replace(second=0, microsecond=0)


@pytest.mark.parametrize("state", STATES, ids=[s.value for s in STATES])
@pytest.mark.parametrize("layout", list(READERS), ids=[layout.value for layout in READERS])
def test_reader_reads_the_refund_and_its_dispute_state(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any], layout: Layout, state: DisputeState
) -> None:
    order, txn = pick_refund(site.scenario, state, with_return=layout is Layout.RETURNS)
    seen: list[str] = []
    reader = READERS[layout](signed_in_page, on_screen=lambda name, _page: seen.append(name), **kw)

    detail = reader.read_refund(order.po, txn.transaction_id)

    assert detail.layout is layout
    assert detail.transaction_id == txn.transaction_id
    assert detail.po == order.po
    assert detail.customer_order_number == order.customer_order_number
    assert detail.type is txn.type
    assert detail.breakdown.net_payable.amount == txn.net_payable
    assert detail.breakdown.product.amount == txn.product
    assert detail.issued_at == minute(txn.posted_at)
    assert detail.channel is txn.channel
    assert detail.refund_channel == txn.refund_channel
    assert detail.settlement_date == txn.settlement_date
    assert detail.keep_it is txn.keep_it
    assert detail.line_numbers == txn.line_numbers, "the refunded lines are missing from the evidence"
    assert detail.dispute.state is state
    if state is DisputeState.DISPUTED:
        dispute = DisputeBook(site.scenario).for_transaction(txn.transaction_id)
        assert dispute is not None
        assert detail.dispute.case_id == dispute.case_id
        assert detail.dispute.disputed_at is not None
    elif state is DisputeState.OPEN:
        assert detail.dispute.window_ends_at == minute(window_end(site.scenario, txn))
        if layout is Layout.PAYMENTS_2022:
            assert detail.dispute.help_url == site.scenario.site.help_article_url
    elif state is DisputeState.WINDOW_PASSED:
        assert detail.dispute.window_ends_at == minute(window_end(site.scenario, txn))
    else:
        assert detail.dispute.case_id is None and detail.dispute.window_ends_at is None
    expected_screen = {
        Layout.PAYMENTS_2022: "payments.transaction-details",
        Layout.TRANSACTIONS_2024: "transactions.details",
        Layout.RETURNS: "returns.details",
    }[layout]
    assert expected_screen in seen


@pytest.mark.parametrize("layout", [Layout.PAYMENTS_2022, Layout.TRANSACTIONS_2024], ids=lambda v: v.value)
def test_transaction_history_lists_every_transaction_of_the_order(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any], layout: Layout
) -> None:
    order, _ = pick_refund(site.scenario, DisputeState.OPEN)
    history = READERS[layout](signed_in_page, **kw).list_transactions(order.po)

    expected = sorted(order.transactions, key=lambda t: t.posted_at)
    assert [t.transaction_id for t in history] == [t.transaction_id for t in expected]
    assert [t.type for t in history] == [t.type for t in expected]
    assert [t.net_payable.amount for t in history] == [t.net_payable for t in expected]
    assert [t.posted_at for t in history] == [minute(t.posted_at) for t in expected]
    if layout is Layout.PAYMENTS_2022:
        assert [t.description for t in history] == [t.description for t in expected]


def test_transactions_reader_reads_order_facts_from_the_drawer(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    order, _ = pick_refund(site.scenario, DisputeState.OPEN)
    facts = TransactionsReader(signed_in_page, **kw).read_order(order.po)
    assert facts is not None
    assert facts.po == order.po
    assert facts.customer_order_number == order.customer_order_number
    assert facts.customer_name == order.customer.name
    assert facts.order_date == minute(order.order_date)


def test_returns_reader_reads_the_return_with_its_tracking(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    order = next(o for o in site.scenario.orders if any(r.tracking_events for r in o.returns))
    expected = next(r for r in order.returns if r.tracking_events)
    returns = ReturnsReader(signed_in_page, **kw).read_returns(order.po)
    got = next(r for r in returns if r.rma == expected.rma)
    assert got.po == order.po
    assert got.channel is expected.channel
    assert got.keep_it is expected.keep_it
    assert [e.status for e in got.tracking_events] == [
        e.status for e in sorted(expected.tracking_events, key=lambda e: e.time)
    ]
    assert got.tracking_events[0].time == min(e.time for e in expected.tracking_events)
    assert got.dispute is not None


def test_returns_reader_lists_the_refunds_paid_for_returns(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    order, txn = pick_refund(site.scenario, DisputeState.OPEN, with_return=True)
    listed = ReturnsReader(signed_in_page, **kw).list_transactions(order.po)
    got = next(t for t in listed if t.transaction_id == txn.transaction_id)
    assert got.net_payable.amount == txn.net_payable
    assert got.type is (
        TransactionType.CUSTOMER_CARE_REFUND if txn.channel is Channel.CUSTOMER_CARE else TransactionType.REFUND
    )


def test_reading_a_sale_as_a_refund_says_it_is_not_a_refund(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    order, _ = pick_refund(site.scenario, DisputeState.OPEN)
    sale = next(t for t in order.transactions if t.type is TransactionType.SALE)
    with pytest.raises(NotARefund, match="not a refund"):
        PaymentsReader(signed_in_page, **kw).read_refund(order.po, sale.transaction_id)


def test_auto_layout_picks_the_transactions_dashboard_when_the_site_has_it(
    signed_in_page: Any, kw: dict[str, Any]
) -> None:
    reader = reader_for(signed_in_page, "auto", **kw)
    assert reader.layout is Layout.TRANSACTIONS_2024
    assert reader_for(signed_in_page, Layout.PAYMENTS_2022, **kw).layout is Layout.PAYMENTS_2022
