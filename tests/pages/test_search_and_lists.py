"""Searches that find nothing, the 90-day horizon, and lists that span several pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from evidence.models import InboxTab, Layout, TransactionType
from fixtures.site import MockSite
from pages import (
    DisputesDashboard,
    InboxPage,
    OrderNotFound,
    OrderTooOld,
    PaymentsReader,
    SearchTransactionsTab,
    TransactionsDashboard,
    TransactionsReader,
)
from tests.pages.conftest import PAGE_SIZE

LAYOUTS = {Layout.PAYMENTS_2022: PaymentsReader, Layout.TRANSACTIONS_2024: TransactionsReader}


def _old_order_po(site: MockSite) -> str:
    horizon = site.scenario.clock.now - timedelta(days=site.scenario.site.search_horizon_days)
    return next(o.po for o in site.scenario.orders if o.order_date < horizon)


@pytest.mark.parametrize("layout", list(LAYOUTS), ids=lambda v: v.value)
def test_an_order_older_than_90_days_raises_order_too_old(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any], layout: Layout
) -> None:
    po = _old_order_po(site)
    with pytest.raises(OrderTooOld) as caught:
        LAYOUTS[layout](signed_in_page, **kw).list_transactions(po)
    assert caught.value.number == po
    assert "90-day" in str(caught.value)


@pytest.mark.parametrize("layout", list(LAYOUTS), ids=lambda v: v.value)
def test_an_unknown_po_raises_order_not_found(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any], layout: Layout
) -> None:
    unknown = "1" * 13
    assert site.scenario.order(unknown) is None
    with pytest.raises(OrderNotFound, match=unknown):
        LAYOUTS[layout](signed_in_page, **kw).list_transactions(unknown)


def test_search_by_customer_order_number_finds_the_po(signed_in_page: Any, site: MockSite, kw: dict[str, Any]) -> None:
    order = next(
        o
        for o in site.scenario.orders
        if o.transactions and "sale_only" in o.tags and "older_than_90_days" not in o.tags
    )
    row = SearchTransactionsTab.open(signed_in_page, **kw).search(order.customer_order_number)
    summary = row.read()
    assert summary.po == order.po
    assert summary.net_payable.amount == sum(t.net_payable for t in order.transactions)
    assert summary.items == sum(line.quantity for line in order.lines)


def test_disputes_dashboard_reads_every_case_across_pages(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    expected = site.scenario.disputes
    assert len(expected) > PAGE_SIZE  # the list must span pages for this test to mean anything
    dashboard = DisputesDashboard.open(signed_in_page, **kw)
    cases = dashboard.read_all()
    assert sorted(c.case_id for c in cases) == sorted(d.case_id for d in expected)
    by_id = {d.case_id: d for d in expected}
    for case in cases:
        assert case.status is by_id[case.case_id].status
        assert case.po == by_id[case.case_id].po
    assert [c.submitted_at for c in cases] == sorted((c.submitted_at for c in cases), reverse=True)


def test_disputes_dashboard_search_by_po_finds_its_case(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    dispute = site.scenario.disputes[-1]
    found = DisputesDashboard.open(signed_in_page, **kw).search(dispute.po)
    assert [c.case_id for c in found] == [dispute.case_id]


def test_case_page_reads_the_case_and_its_messages(signed_in_page: Any, site: MockSite, kw: dict[str, Any]) -> None:
    dispute = max(site.scenario.disputes, key=lambda d: len(d.messages))
    assert dispute.messages
    case = DisputesDashboard.open(signed_in_page, **kw).open_case(dispute.case_id).read()
    assert case.case_id == dispute.case_id
    assert case.transaction_id == dispute.transaction_id
    assert case.status is dispute.status
    assert [m.author for m in case.messages] == [m.author for m in sorted(dispute.messages, key=lambda m: m.sent_at)]
    assert [m.sent_at for m in case.messages] == sorted(m.sent_at for m in dispute.messages)
    assert case.messages[0].body.strip() == sorted(dispute.messages, key=lambda m: m.sent_at)[0].body.strip()
    if dispute.amount_reimbursed is not None:
        assert case.amount_reimbursed is not None and case.amount_reimbursed.amount == dispute.amount_reimbursed


@pytest.mark.parametrize("tab", list(InboxTab), ids=lambda t: t.value)
def test_inbox_lists_every_thread_of_a_tab_across_pages(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any], tab: InboxTab
) -> None:
    expected = [t for t in site.scenario.threads if t.tab is tab and any(m.in_inbox for m in t.messages)]
    threads = InboxPage.open(signed_in_page, **kw).threads(tab)
    assert sorted(t.thread_id for t in threads) == sorted(t.thread_id for t in expected)
    assert all(t.tab is tab for t in threads)
    if tab is InboxTab.CUSTOMER:
        assert len(expected) > PAGE_SIZE


def test_scan_refunds_walks_pages_newest_first_and_stops_at_since(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    scenario = site.scenario
    horizon = scenario.clock.now - timedelta(days=scenario.site.search_horizon_days)
    visible = [
        (o, t)
        for o in scenario.orders
        if o.order_date >= horizon
        for t in o.transactions
        if t.type is TransactionType.CUSTOMER_CARE_REFUND
    ]
    times = sorted((t.posted_at for _, t in visible), reverse=True)
    since = times[2 * PAGE_SIZE + 1]  # deep enough to need the third page, short of the end
    expected = [t for _, t in visible if t.posted_at.replace(second=0, microsecond=0) >= since.replace(second=0)]

    scanned = list(
        TransactionsDashboard.open(signed_in_page, **kw).scan_refunds(since.replace(second=0, microsecond=0))
    )

    assert sorted(t.transaction_id for t in scanned) == sorted(t.transaction_id for t in expected)
    assert all(t.type is TransactionType.CUSTOMER_CARE_REFUND for t in scanned)
    assert [t.posted_at for t in scanned] == sorted((t.posted_at for t in scanned), reverse=True)
