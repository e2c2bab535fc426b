"""What the page objects do when the site misbehaves: expiry, layout drift, 5xx, 429."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evidence.models import DisputeState
from fixtures.site import Faults, MockSite
from fixtures.site.faults import FaultInjector, Outcome
from pages import (
    ConnectionLost,
    DisputesDashboard,
    ElementMissing,
    InboxPage,
    LoginPage,
    PaymentsPage,
    PaymentsReader,
    RateLimited,
    SearchTransactionsTab,
    ServerError,
    SessionExpired,
    TransactionsDashboard,
    session_expired,
    snapshot_failure,
)
from tests.pages.conftest import pick_refund


def test_a_session_that_dies_mid_walk_raises_session_expired(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    order, txn = pick_refund(site.scenario, DisputeState.OPEN)
    site.set_faults(Faults(expire_after_requests=3))
    with pytest.raises(SessionExpired) as caught:
        PaymentsReader(signed_in_page, **kw).read_refund(order.po, txn.transaction_id)
    assert "expired=1" in (caught.value.url or "")
    assert LoginPage(signed_in_page, **kw).session_expired_notice()


def _drifted_search(page: Any, po: str, kw: dict[str, Any]) -> SearchTransactionsTab:
    # Under drift the Search button is renamed, so open the results the way the form would (GET ?q=).
    page.goto(f"/payments?tab=search&q={po}")
    return SearchTransactionsTab(page, **kw).wait_until_ready()


def test_a_renamed_dispute_button_raises_element_missing_saying_what_changed(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    order, txn = pick_refund(site.scenario, DisputeState.OPEN)
    site.set_faults(Faults(layout_drift=True))
    dialog = (
        _drifted_search(signed_in_page, order.po, kw).result_row(order.po).expand().open_details(txn.transaction_id)
    )
    with pytest.raises(ElementMissing) as caught:
        dialog.read()
    message = str(caught.value)
    assert "button 'Dispute' not found on Transaction details" in message
    assert "'Start a dispute'" in message
    assert "layout may have changed" in message


def test_a_renamed_search_button_raises_element_missing(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    order, _ = pick_refund(site.scenario, DisputeState.OPEN)
    site.set_faults(Faults(layout_drift=True))
    with pytest.raises(ElementMissing, match=r"button 'Search' not found .*'Find'"):
        SearchTransactionsTab.open(signed_in_page, **kw).search(order.po)


def test_the_drawer_dispute_button_renamed_is_reported(signed_in_page: Any, site: MockSite, kw: dict[str, Any]) -> None:
    order, txn = pick_refund(site.scenario, DisputeState.OPEN)
    site.set_faults(Faults(layout_drift=True))
    signed_in_page.goto(f"/transactions?q={order.po}")
    drawer = TransactionsDashboard(signed_in_page, **kw).wait_until_ready().open_details(txn.transaction_id)
    with pytest.raises(ElementMissing, match=r"button 'Dispute refund' not found.*'Open dispute'"):
        drawer.read()


def test_net_payable_is_read_by_name_when_the_column_moves(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    order, _ = pick_refund(site.scenario, DisputeState.OPEN)
    site.set_faults(Faults(layout_drift=True))
    row = _drifted_search(signed_in_page, order.po, kw).result_row(order.po)
    history = row.expand()
    headers = history.root.get_by_role("columnheader").all_inner_texts()
    assert headers.index("NET PAYABLE") == 1  # the column really moved: otherwise this test proves nothing

    transactions = history.read()
    expected = {t.transaction_id: t for t in order.transactions}
    assert {t.transaction_id: t.net_payable.amount for t in transactions} == {
        k: v.net_payable for k, v in expected.items()
    }
    assert {t.transaction_id: t.description for t in transactions} == {k: v.description for k, v in expected.items()}
    assert row.read().net_payable.amount == sum(t.net_payable for t in order.transactions)


def test_a_5xx_page_raises_a_transient_server_error(signed_in_page: Any, site: MockSite, kw: dict[str, Any]) -> None:
    site.set_faults(Faults(error_rate=1.0, seed=1))
    with pytest.raises(ServerError) as caught:
        PaymentsPage.open(signed_in_page, **kw)
    assert caught.value.transient
    assert caught.value.status in (500, 503)


def _seed_where_only_the_second_request_fails() -> int:
    for seed in range(1000):
        injector = FaultInjector(Faults(error_rate=0.5, seed=seed))
        if [injector.decide().outcome for _ in range(2)] == [Outcome.ANSWER, Outcome.ERROR]:
            return seed
    raise AssertionError("no such seed")  # pragma: no cover


def test_a_failed_data_request_inside_a_screen_raises_server_error(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    site.set_faults(Faults(error_rate=0.5, seed=_seed_where_only_the_second_request_fails()))
    with pytest.raises(ServerError, match="Something went wrong"):
        PaymentsPage.open(signed_in_page, **kw)  # the page loads, its /api/ request gets the 5xx


def test_http_429_raises_rate_limited_with_the_retry_after(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    site.set_faults(Faults(rate_limit_every=1, retry_after=7))
    with pytest.raises(RateLimited) as caught:
        PaymentsPage.open(signed_in_page, **kw)
    assert caught.value.transient
    assert caught.value.retry_after == 7


def test_failure_snapshot_keeps_screenshot_html_and_url(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any], tmp_path: Path
) -> None:
    PaymentsPage.open(signed_in_page, **kw)
    snap = snapshot_failure(signed_in_page, tmp_path / "failures", "PO 123/step:refund")
    assert snap.url.endswith("/payments")
    assert snap.screenshot is not None and snap.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert snap.html is not None and "<h1>Payments</h1>" in snap.html.read_text(encoding="utf-8")
    assert snap.screenshot.parent == tmp_path / "failures"


def test_a_dropped_connection_raises_a_transient_connection_lost(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    site.set_faults(Faults(drop_rate=1.0))
    with pytest.raises(ConnectionLost) as caught:
        PaymentsPage.open(signed_in_page, **kw)
    assert caught.value.transient


def test_an_idle_session_is_reported_as_expired_on_the_next_screen(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    InboxPage.open(signed_in_page, **kw)
    site.advance_wall_clock(site.scenario.site.session_idle_minutes + 1)
    with pytest.raises(SessionExpired):
        DisputesDashboard.open(signed_in_page, **kw)
    assert session_expired(signed_in_page)


def test_a_navigation_cut_short_by_the_browsers_error_page_is_a_dropped_connection() -> None:
    """Seen in a long run under faults: the retry after a dropped load met the browser's error page
    still arriving, and the order failed for good instead of being retried."""
    from unittest.mock import MagicMock

    from playwright.sync_api import Error

    page = MagicMock(url="chrome-error://chromewebdata/")
    page.goto.side_effect = Error(
        'Page.goto: Navigation to "http://127.0.0.1/inbox/threads/T-1" is interrupted by another navigation '
        'to "chrome-error://chromewebdata/"'
    )
    with pytest.raises(ConnectionLost) as caught:
        InboxPage(page)._goto("/inbox/threads/T-1")
    assert caught.value.transient
