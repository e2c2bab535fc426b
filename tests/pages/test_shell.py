"""The shell: every dashboard is reachable through the main navigation; sign-out ends the session."""

from __future__ import annotations

from typing import Any

from fixtures.site import MockSite
from pages import (
    DisputesDashboard,
    InboxPage,
    LoginPage,
    ReturnsDashboard,
    Shell,
    TransactionsDashboard,
    session_expired,
)


def test_main_navigation_opens_each_dashboard_ready_to_read(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    signed_in_page.goto("/home")
    shell = Shell(signed_in_page, **kw).wait_until_ready()
    transactions = shell.go_transactions()
    assert isinstance(transactions, TransactionsDashboard)
    assert transactions.read_page()  # the first page of transactions is there
    assert isinstance(shell.go_returns(), ReturnsDashboard)
    disputes = shell.go_disputes()
    assert isinstance(disputes, DisputesDashboard)
    assert len(disputes.read_page()) == site.scenario.site.page_size
    assert isinstance(shell.go_transactions(), TransactionsDashboard)  # the same screen again: a fresh load
    inbox = shell.go_inbox()
    assert isinstance(inbox, InboxPage)
    assert signed_in_page.url.split("?")[0].endswith("/inbox")


def test_sign_out_returns_to_the_login_page_and_ends_the_session(signed_in_page: Any, kw: dict[str, Any]) -> None:
    signed_in_page.goto("/home")
    login = Shell(signed_in_page, **kw).wait_until_ready().sign_out()
    assert isinstance(login, LoginPage)
    signed_in_page.goto("/disputes")
    assert session_expired(signed_in_page)
