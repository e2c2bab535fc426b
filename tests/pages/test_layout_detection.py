"""Layout "auto": the 2024 Transactions dashboard when the site has one, else Payments (reader_for and
the collector's detect_visit)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from evidence.models import DisputeState, Layout
from fixtures.site import MockSite
from pages import PaymentsReader, ScreenNotReached, TransactionsDashboard, TransactionsReader, reader_for
from pages.visit import PaymentsVisit, TransactionsVisit, detect_visit
from tests.pages.conftest import pick_refund


@pytest.fixture
def site_2022(site: MockSite) -> Iterator[MockSite]:
    """The same scenario on a site that predates the Transactions dashboard (Payments only)."""
    scenario = site.scenario.model_copy(
        update={"site": site.scenario.site.model_copy(update={"transactions_dashboard": False})}
    )
    with MockSite(scenario) as old_site:
        yield old_site


def _signed_in(page: Any, on: MockSite) -> Any:
    page.context.add_cookies([on.new_session_cookie()])
    page.goto(on.url + "/home")
    return page


def test_auto_picks_the_transactions_dashboard_when_the_site_has_it(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    assert isinstance(reader_for(signed_in_page, "auto", **kw), TransactionsReader)


def test_auto_falls_back_to_payments_on_a_site_without_the_dashboard(
    page: Any, site_2022: MockSite, kw: dict[str, Any]
) -> None:
    order, txn = pick_refund(site_2022.scenario, DisputeState.OPEN)
    _signed_in(page, site_2022)
    reader = reader_for(page, "auto", **kw)
    assert isinstance(reader, PaymentsReader)
    detail = reader.read_refund(order.po, txn.transaction_id)
    assert detail.layout is Layout.PAYMENTS_2022 and detail.dispute.state is DisputeState.OPEN


def test_a_missing_screen_is_reported_from_its_404_page(
    page: Any, site_2022: MockSite, kw: dict[str, Any]
) -> None:
    _signed_in(page, site_2022)
    # "shows heading ..." (singular) is the 404 path; a timeout would list "headings [...]".
    with pytest.raises(ScreenNotReached, match="the page shows heading 'Page not found'"):
        TransactionsDashboard.open(page, **kw)


def test_detect_visit_reads_the_first_order_from_the_load_that_detected_the_layout(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    order, txn = pick_refund(site.scenario, DisputeState.OPEN)
    before = len(site.request_log)
    visit = detect_visit(signed_in_page, order.po, **kw)
    assert isinstance(visit, TransactionsVisit)
    assert txn.transaction_id in [t.transaction_id for t in visit.transactions()]
    pages = [r.path for r in site.request_log[before:] if r.path == "/transactions"]
    assert pages == ["/transactions"]  # one load: the detection was the order's search answer


def test_detect_visit_falls_back_to_payments_on_a_site_without_the_dashboard(
    page: Any, site_2022: MockSite, kw: dict[str, Any]
) -> None:
    order, txn = pick_refund(site_2022.scenario, DisputeState.OPEN)
    _signed_in(page, site_2022)
    visit = detect_visit(page, order.po, **kw)
    assert isinstance(visit, PaymentsVisit)
    assert visit.refund(txn.transaction_id).layout is Layout.PAYMENTS_2022
