"""The shell every signed-in screen shares: main navigation, Inbox unread count, session state.

``Shell`` is what sign-in returns; its verbs open each dashboard the way a person would (through
the ``navigation`` "Main") and return that screen's page object, ready.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

from playwright.sync_api import APIRequestContext, Locator, Page, expect

from pages.base import DEFAULT_TIMEOUT_MS, DEFAULT_TZ, Options, _Base, verb
from pages.disputes import DisputesDashboard
from pages.errors import ConnectionLost, ElementMissing, RateLimited, ScreenNotReached, ServerError, SessionExpired
from pages.inbox import InboxPage
from pages.payments import PaymentsPage
from pages.returns import ReturnsDashboard
from pages.transactions import TransactionsDashboard

if TYPE_CHECKING:
    from pages.login import LoginPage

__all__ = ["SIGNED_IN_PROBE", "Shell", "session_expired", "signed_in"]

_INBOX = re.compile(r"^Inbox, (\d+) unread$")


def session_expired(page: Page) -> bool:
    """True when the browser sits on the login page the site bounces expired sessions to."""
    parsed = urlparse(page.url)
    return parsed.path.rstrip("/") == "/login" and parse_qs(parsed.query).get("expired") == ["1"]


# The API every signed-in screen asks who is signed in (the home screen's first call): it answers
# 200 to a live session and 401 to an expired one, where a screen would load its page and then ask.
SIGNED_IN_PROBE = "/api/me"


def signed_in(request: APIRequestContext) -> bool:
    """Does the session of ``request`` (a browser context's API client, its cookies) still hold?
    One request. A 429, 5xx or dropped answer raises the transient error (retried by the caller),
    never a False that would make the caller sign in again."""
    try:
        response = request.get(SIGNED_IN_PROBE, max_redirects=0, fail_on_status_code=False)
    except Exception as exc:  # noqa: BLE001 - Playwright's network errors: a transient failure
        raise ConnectionLost(f"could not reach Seller Center: {exc}", url=SIGNED_IN_PROBE) from None
    if response.status == 429:
        retry_after = response.headers.get("retry-after")
        raise RateLimited(float(retry_after) if retry_after and retry_after.isdigit() else None, url=response.url)
    if response.status >= 500:
        raise ServerError(f"Seller Center answered HTTP {response.status}", status=response.status, url=response.url)
    return response.ok


class Shell(_Base):
    """The ``header`` with the ``navigation`` "Main"."""

    name = "Seller Center navigation"

    def __init__(self, page: Page, *, tz: str | ZoneInfo = DEFAULT_TZ, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        super().__init__(page, tz=tz, timeout=timeout)
        self.nav = page.get_by_role("navigation", name="Main")
        self.analytics = self.nav.get_by_role("button", name="Analytics & Reports")
        self.payments_link = (
            page.get_by_role("menu")
            .get_by_role("menuitem", name="Payments")
            .or_(page.get_by_role("link", name="Payments", exact=True))
        )
        self.transactions_link = self.nav.get_by_role("link", name="Transactions", exact=True)
        self.returns_link = self.nav.get_by_role("link", name="Returns", exact=True)
        self.disputes_link = self.nav.get_by_role("link", name="Disputes", exact=True)
        self.inbox_link = self.nav.get_by_role("link", name=_INBOX)
        self.help_link = self.nav.get_by_role("link", name="Help", exact=True)
        self.sign_out_button = page.get_by_role("button", name="Sign out")
        # CSS: the contract shows the seller name in the header as plain text, with no role or label.
        self.seller = page.locator("header .seller")

    def _scope(self) -> Locator:
        return self.nav

    def wait_until_ready(self) -> Shell:
        try:
            expect(self.nav).to_be_visible(timeout=self.timeout)
        except AssertionError:
            self._raise_if_interrupted()
            raise ScreenNotReached(self.name, "navigation 'Main'", self.page.url) from None
        return self

    def check_session(self) -> None:
        """Raise ``SessionExpired`` when the site has bounced to the expired-session login."""
        if session_expired(self.page):
            raise SessionExpired(screen=self.name, url=self.page.url)

    @verb
    def inbox_unread(self) -> int:
        """N from the link "Inbox, N unread" (unread messages of the last 15 days)."""
        link = self._require(self.inbox_link, "link 'Inbox, N unread'", role="link", scope=self.nav)
        match = _INBOX.match(" ".join((link.get_attribute("aria-label") or link.inner_text()).split()))
        if not match:
            raise ElementMissing(self.name, "link 'Inbox, N unread'", self.page.url, available=[link.inner_text()])
        return int(match[1])

    @verb
    def seller_name(self) -> str:
        """The seller name shown in the header."""
        return " ".join(self._require(self.seller, "the seller name in the header", role="link").inner_text().split())

    def _kw(self) -> Options:
        return {"tz": self.tz, "timeout": self.timeout}

    @verb
    def go_payments(self) -> PaymentsPage:
        self._require(self.analytics, "button 'Analytics & Reports'", scope=self.nav).click(timeout=self.timeout)
        link = self._require(self.payments_link.first, "link 'Payments' in the Analytics & Reports menu", role="link")
        self._submit(link, "following the main navigation")
        return PaymentsPage(self.page, **self._kw()).wait_until_ready()

    @verb
    def go_transactions(self) -> TransactionsDashboard:
        self._submit(
            self._require(self.transactions_link, "link 'Transactions'", role="link"), "following the main navigation"
        )
        return TransactionsDashboard(self.page, **self._kw()).wait_until_ready()

    @verb
    def go_returns(self) -> ReturnsDashboard:
        self._submit(self._require(self.returns_link, "link 'Returns'", role="link"), "following the main navigation")
        return ReturnsDashboard(self.page, **self._kw()).wait_until_ready()

    @verb
    def go_disputes(self) -> DisputesDashboard:
        self._submit(self._require(self.disputes_link, "link 'Disputes'", role="link"), "following the main navigation")
        return DisputesDashboard(self.page, **self._kw()).wait_until_ready()

    @verb
    def go_inbox(self) -> InboxPage:
        self._submit(
            self._require(self.inbox_link, "link 'Inbox, N unread'", role="link"), "following the main navigation"
        )
        return InboxPage(self.page, **self._kw()).wait_until_ready()

    @verb
    def sign_out(self) -> LoginPage:
        from pages.login import LoginPage

        self._submit(self._require(self.sign_out_button, "button 'Sign out'"), "signing out")
        return LoginPage(self.page, **self._kw()).wait_until_ready()
