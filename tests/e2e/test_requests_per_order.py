"""A regression guard on the collector's cost against Seller Center: the exact page and API
requests one order costs on each layout (from the mock's request log). A change that adds a
navigation fails here loudly; update the lists only when the evidence needs the new request."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from collector.inputs import InputBatch
from collector.jobs import JobRequest, run_job
from collector.progress import PlainProgress
from fixtures.site import MockSite
from tests.e2e.conftest import save_signed_in_session, settings_for

pytestmark = pytest.mark.slow

SESSION_CHECK = [("GET", "/api/me")]  # one API request, not the home screen


def _inbox_walk(site: MockSite) -> list[tuple[str, str]]:
    """Every page of both Inbox tabs: once per job (the index is shared by the workers). Tab by
    tab, page 1 opened by its URL (the page and its API answer), then "Next page" (the API answer
    only) through the tab's other pages."""
    size = site.scenario.site.page_size
    out = []
    for tab in ("Customer", "Walmart"):
        threads = [t for t in site.scenario.threads if t.tab.value == tab and any(m.in_inbox for m in t.messages)]
        pages = max(1, -(-len(threads) // size))
        out += [("GET", "/inbox"), ("GET", "/api/inbox")] + [("GET", "/api/inbox")] * (pages - 1)
    return out


def _threads(site: MockSite, po: str) -> list[tuple[str, str]]:
    out = []
    for thread in site.scenario.threads:
        if thread.po == po and any(m.in_inbox for m in thread.messages):
            out += [("GET", f"/inbox/threads/{thread.thread_id}"), ("GET", f"/api/inbox/threads/{thread.thread_id}")]
    return out


def _requests_of_one_order_job(site: MockSite, tmp_path: Path, layout: str, po: str) -> list[tuple[str, str]]:
    settings = settings_for(site, tmp_path / "data", concurrency=1, layout=layout)
    save_signed_in_session(site, settings)
    site.reset()
    save_signed_in_session(site, settings)
    before = len(site.request_log)
    result = run_job(settings, JobRequest(orders=InputBatch(pos=[po])), tmp_path / "out", progress=PlainProgress(io.StringIO()))
    assert result.exit_code == 0, result.report.failures
    assert result.report.refunds_written >= 1
    return [(r.method, r.path) for r in site.request_log[before:] if r.outcome != "static" and r.path != "/favicon.ico"]


@pytest.mark.parametrize("layout", ["transactions-2024", "auto"])
def test_one_order_on_the_2024_transactions_layout(site: MockSite, tmp_path: Path, layout: str) -> None:
    """"auto" costs nothing more: the first search answer is the layout detection."""
    po = "4619078251801"  # already disputed: its case page is part of the evidence
    case_id = next(d.case_id for d in site.scenario.disputes if d.po == po)
    refund = next(t.transaction_id for o in site.scenario.orders if o.po == po for t in o.transactions if t.type.value == "CUSTOMER_CARE_REFUND")
    expected = SESSION_CHECK + [
        ("GET", "/transactions"), ("GET", "/api/transactions"),  # the search answer, from its URL
        ("GET", f"/api/transactions/{refund}"),  # the refund's drawer: details, dispute area, order facts
        # no Returns search: the drawer's order details say "Returns: None"
        *_inbox_walk(site), *_threads(site, po),
        ("GET", f"/disputes/{case_id}"), ("GET", f"/api/disputes/{case_id}"),
    ]
    assert _requests_of_one_order_job(site, tmp_path, layout, po) == expected


def test_one_order_on_the_2022_payments_layout(site: MockSite, tmp_path: Path) -> None:
    po = "4451991446239"
    refund = next(t.transaction_id for o in site.scenario.orders if o.po == po for t in o.transactions if t.type.value == "CUSTOMER_CARE_REFUND")
    expected = SESSION_CHECK + [
        ("GET", "/payments"), ("GET", "/api/payments/search"),  # Search Transactions answer, from its URL
        ("GET", f"/api/payments/orders/{po}/transactions"),  # the row's arrow: the transaction history
        ("GET", f"/api/transactions/{refund}"),  # the NET PAYABLE amount: the details dialog
        ("GET", "/returns"), ("GET", "/api/returns"),  # the 2022 screens show no order facts: Returns is asked
        *_inbox_walk(site), *_threads(site, po),
    ]
    assert _requests_of_one_order_job(site, tmp_path, "payments-2022", po) == expected


def test_one_order_on_the_returns_layout(site: MockSite, tmp_path: Path) -> None:
    po = "4491968155054"  # a Customer Care return
    refund = f"{po}-CCR1"
    expected = SESSION_CHECK + [
        ("GET", "/returns"), ("GET", "/api/returns"),  # the Returns answer; each return's details open in place
        *[("GET", f"/api/returns/{r.rma}") for o in site.scenario.orders if o.po == po for r in o.returns],
        ("GET", "/transactions"), ("GET", "/api/transactions"),  # amounts: the Transactions drawer
        ("GET", f"/api/transactions/{refund}"),
        *_inbox_walk(site), *_threads(site, po),
    ]
    assert _requests_of_one_order_job(site, tmp_path, "returns", po) == expected


def test_an_order_with_a_return_is_searched_on_the_returns_dashboard(site: MockSite, tmp_path: Path) -> None:
    po = "4089262468838"  # a Customer Care return (Keep-It): the drawer lists its RMA
    refund = f"{po}-CCR1"
    (order,) = [o for o in site.scenario.orders if o.po == po]
    expected = SESSION_CHECK + [
        ("GET", "/transactions"), ("GET", "/api/transactions"),
        ("GET", f"/api/transactions/{refund}"),
        ("GET", "/returns"), ("GET", "/api/returns"),  # the drawer says "Returns: RMA ...": read them
        *[("GET", f"/api/returns/{r.rma}") for r in order.returns],
        *_inbox_walk(site), *_threads(site, po),
    ]
    assert _requests_of_one_order_job(site, tmp_path, "transactions-2024", po) == expected


def test_attachment_downloads_are_counted_like_every_other_request(site: MockSite, tmp_path: Path) -> None:
    """The Inbox attachments are fetched outside the page (its API client): they still count in
    the report's requests and are paid to the rate limit."""
    po = "4342076435326"  # the UPS claim receipt is attached in its Customer thread
    settings = settings_for(site, tmp_path / "data", concurrency=1, layout="transactions-2024")
    save_signed_in_session(site, settings)
    before = len(site.request_log)
    result = run_job(settings, JobRequest(orders=InputBatch(pos=[po])), tmp_path / "out", progress=PlainProgress(io.StringIO()))
    assert result.exit_code == 0, result.report.failures
    sent = [r.path for r in site.request_log[before:] if r.outcome != "static" and r.path != "/favicon.ico"]
    downloads = [p for p in sent if p.startswith("/inbox/attachments/")]
    assert len(downloads) == 1
    by_workers = len(sent) - len(SESSION_CHECK)  # the session check is the job's, not a worker's
    assert result.report.site_requests == by_workers
    assert result.report.requests_per_order["total"] == by_workers
    assert result.report.requests >= by_workers  # every request paid to the rate limit
