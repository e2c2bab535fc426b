"""One visit per order: each Seller Center screen opened once, whatever is read from it.

A reader (``pages.readers``) answers one question and navigates from scratch for it; reading an
order that way opened the Transactions search for the history, again for the order facts and
again for each refund. An ``OrderVisit`` holds what it has open for one PO instead:

- the search answer is opened straight from its URL (``?q=<PO>``) and kept while the page shows
  it: a drawer or dialog opened and closed on it changes nothing, so each refund's details are
  read from the same results, and the order facts from the first refund's drawer;
- it is opened again only when its state may have changed: another screen was visited since
  (the Returns search, an Inbox thread), or a step on it failed (a retried step must not trust a
  page left half-way: an error inside a drawer, a dropped answer);
- the Returns search is read once per order (every return's details in one pass).

Each visit calls ``on_screen(name, page)`` when a screen or panel is ready, like the readers, so
the collector can photograph each step; it persists nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal
from zoneinfo import ZoneInfo

from playwright.sync_api import Page

from evidence.models import Layout, Order, RefundDetail, ReturnInfo, Transaction, TransactionType
from pages.base import DEFAULT_TIMEOUT_MS, DEFAULT_TZ, Options
from pages.errors import ElementMissing, OrderNotFound, ScreenNotReached
from pages.payments import PaymentsPage, SearchTransactionsTab, TransactionHistory
from pages.returns import ReturnsDashboard
from pages.transactions import TransactionsDashboard

__all__ = ["OrderVisit", "PaymentsVisit", "ReturnsVisit", "TransactionsVisit", "detect_layout", "detect_visit", "visit_for"]

OnScreen = Callable[[str, Page], None]


def _ignore(_name: str, _page: Page) -> None:
    return None


class _Visit:
    layout: Layout

    def __init__(
        self,
        page: Page,
        po: str,
        *,
        tz: str | ZoneInfo = DEFAULT_TZ,
        timeout: float = DEFAULT_TIMEOUT_MS,
        on_screen: OnScreen | None = None,
    ) -> None:
        self.page = page
        self.po = po
        self.tz = tz
        self.timeout = timeout
        self.on_screen = on_screen or _ignore
        self._returns: list[ReturnInfo] | None = None
        self._return_refunds: dict[str, ReturnInfo] = {}

    def _kw(self) -> Options:
        return {"tz": self.tz, "timeout": self.timeout}

    @contextmanager
    def _or_reload(self) -> Iterator[None]:
        """A step that fails leaves the page in an unknown state: the next one reopens it."""
        try:
            yield
        except BaseException:
            self._forget()
            raise

    def _forget(self) -> None:  # pragma: no cover - overridden
        pass

    # ------------------------------------------------------------------ the Returns search

    def returns(self) -> list[ReturnInfo]:
        """The order's returns (each one's details read in the same pass), [] when it has none.

        The Returns search is skipped when a screen already read says the order has no return
        (the Transactions drawer's "Returns: None"): one page and one API call saved per order."""
        if self._returns is None and self.known_rmas() == []:
            self._returns = []
        if self._returns is None:
            self._forget()  # the page is about to show Returns, not this visit's main screen
            with self._or_reload():
                self._returns = self._read_returns()
        return self._returns

    def _read_returns(self) -> list[ReturnInfo]:
        try:
            dashboard = ReturnsDashboard.open_search(self.page, self.po, **self._kw())
            rows = dashboard.found(self.po)
        except OrderNotFound:
            return []
        self.on_screen("returns.search-results", self.page)
        infos = []
        for row in rows:
            details = dashboard.open_return(row)
            self.on_screen("returns.details", self.page)
            info = details.read()
            refund_id = details.refund_transaction_id()
            if refund_id is not None:
                self._return_refunds[refund_id] = info
            infos.append(info)
        return infos

    # ------------------------------------------------------------------ the interface

    def transactions(self) -> list[Transaction]:  # pragma: no cover - overridden
        raise NotImplementedError

    def refund(self, transaction_id: str) -> RefundDetail:  # pragma: no cover - overridden
        raise NotImplementedError

    def order(self) -> Order | None:
        return None

    def known_rmas(self) -> list[str] | None:
        """The order's RMA numbers as a screen already read showed them; None when not shown."""
        return None


class TransactionsVisit(_Visit):
    """2024: Transactions search (``/transactions?q=PO``) > row "..." > "View details" drawer."""

    layout = Layout.TRANSACTIONS_2024

    def __init__(self, page: Page, po: str, **kwargs: object) -> None:
        super().__init__(page, po, **kwargs)  # type: ignore[arg-type]
        self._dashboard: TransactionsDashboard | None = None
        self._found: list[Transaction] = []
        self._order: Order | None = None
        self._order_read = False
        self._rmas: list[str] | None = None
        self._opened: TransactionsDashboard | None = None  # opened by detect_visit, not yet read

    def _forget(self) -> None:
        self._dashboard = self._opened = None

    def known_rmas(self) -> list[str] | None:
        return self._rmas

    def _results(self) -> TransactionsDashboard:
        if self._dashboard is None or not self._dashboard.shows_search(self.po):
            opened, self._opened = self._opened, None
            if opened is not None and opened.shows_search(self.po):
                dashboard = opened  # detect_visit's load of this very answer: nothing visited since
            else:
                dashboard = TransactionsDashboard.open_search(self.page, self.po, **self._kw())
            self._found = dashboard.found(self.po)
            self._dashboard = dashboard
            self.on_screen("transactions.search-results", self.page)
        return self._dashboard

    def transactions(self) -> list[Transaction]:
        with self._or_reload():
            self._results()
        return sorted(self._found, key=lambda t: t.posted_at)

    def refund(self, transaction_id: str) -> RefundDetail:
        with self._or_reload():
            drawer = self._results().open_details(transaction_id)
            self.on_screen("transactions.details", self.page)
            detail = drawer.read()
            if not self._order_read:  # the drawer shows the order facts too: read them while open
                self._order, self._order_read = drawer.read_order(), True
                self._rmas = drawer.return_numbers()
            drawer.close()
        return detail

    def order(self) -> Order | None:
        """Order facts: from the first refund drawer already read, else from the first row's."""
        if not self._order_read:
            with self._or_reload():
                dashboard = self._results()
                if self._found:
                    drawer = dashboard.open_details(self._found[0].transaction_id)
                    self.on_screen("transactions.details", self.page)
                    self._order = drawer.read_order()
                    self._rmas = drawer.return_numbers()
                    drawer.close()
                self._order_read = True
        return self._order


class PaymentsVisit(_Visit):
    """2022: Payments > Search Transactions (``?tab=search&q=PO``) > arrow > NET PAYABLE amount."""

    layout = Layout.PAYMENTS_2022

    def __init__(self, page: Page, po: str, **kwargs: object) -> None:
        super().__init__(page, po, **kwargs)  # type: ignore[arg-type]
        self._tab: SearchTransactionsTab | None = None
        self._history: TransactionHistory | None = None
        self._transactions: list[Transaction] = []

    def _forget(self) -> None:
        self._tab = self._history = None

    def _open(self) -> TransactionHistory:
        if self._tab is None or self._history is None or not self._tab.shows_search(self.po):
            tab = SearchTransactionsTab.open_search(self.page, self.po, **self._kw())
            row = tab.result_row(self.po)
            self.on_screen("payments.search-results", self.page)
            history = row.expand()
            self.on_screen("payments.transaction-history", self.page)
            self._transactions = history.read()
            self._tab, self._history = tab, history
        return self._history

    def transactions(self) -> list[Transaction]:
        with self._or_reload():
            self._open()
        return list(self._transactions)

    def refund(self, transaction_id: str) -> RefundDetail:
        with self._or_reload():
            dialog = self._open().open_details(transaction_id)
            self.on_screen("payments.transaction-details", self.page)
            detail = dialog.read()
            dialog.close()
        return detail


class ReturnsVisit(_Visit):
    """Returns dashboard: the refunds attached to the order's returns; each refund's amounts from
    the Transactions drawer (this layout shows no breakdown), labelled with this layout only when
    the Returns dispute area agrees with the drawer on the dispute state."""

    layout = Layout.RETURNS

    def __init__(self, page: Page, po: str, **kwargs: object) -> None:
        super().__init__(page, po, **kwargs)  # type: ignore[arg-type]
        self._drawers = TransactionsVisit(page, po, tz=self.tz, timeout=self.timeout, on_screen=self.on_screen)

    def _forget(self) -> None:
        self._drawers._forget()

    def transactions(self) -> list[Transaction]:
        out = []
        self.returns()
        for transaction_id, info in self._return_refunds.items():
            if info.refund_amount is None:
                continue
            out.append(
                Transaction(
                    transaction_id=transaction_id,
                    po=info.po,
                    type=TransactionType.CUSTOMER_CARE_REFUND
                    if info.channel.value == "CUSTOMER_CARE"
                    else TransactionType.REFUND,
                    description=f"Return {info.rma}" + (f": {info.reason}" if info.reason else ""),
                    posted_at=info.created_at,
                    net_payable=info.refund_amount,
                    line_number=info.line_numbers[0] if len(info.line_numbers) == 1 else None,
                )
            )
        return out

    def refund(self, transaction_id: str) -> RefundDetail:
        self.returns()
        info = self._return_refunds.get(transaction_id)
        if info is None:
            raise ElementMissing("Returns", f"a return of PO {self.po} paid by transaction {transaction_id}", self.page.url)
        detail = self._drawers.refund(transaction_id)
        if info.dispute is not None and info.dispute.state is not detail.dispute.state:
            raise ElementMissing(
                "Returns",
                f"a dispute state matching the Transactions drawer ({detail.dispute.state.value})",
                self.page.url,
                available=[info.dispute.state.value],
                kind="states",
            )
        return detail.model_copy(update={"layout": Layout.RETURNS, "dispute": info.dispute or detail.dispute})


OrderVisit = TransactionsVisit | PaymentsVisit | ReturnsVisit
_CLASSES: dict[Layout, type[OrderVisit]] = {
    Layout.PAYMENTS_2022: PaymentsVisit,
    Layout.TRANSACTIONS_2024: TransactionsVisit,
    Layout.RETURNS: ReturnsVisit,
}


def detect_layout(page: Page, *, tz: str | ZoneInfo = DEFAULT_TZ, timeout: float = DEFAULT_TIMEOUT_MS) -> Layout:
    """The Transactions dashboard when the site has one, else the 2022 Payments screens."""
    try:
        TransactionsDashboard.open(page, tz=tz, timeout=timeout)
        return Layout.TRANSACTIONS_2024
    except (ScreenNotReached, ElementMissing):
        PaymentsPage.open(page, tz=tz, timeout=timeout)
        return Layout.PAYMENTS_2022


def detect_visit(
    page: Page,
    po: str,
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    timeout: float = DEFAULT_TIMEOUT_MS,
    on_screen: OnScreen | None = None,
) -> OrderVisit:
    """The first order's visit on the layout the site has, found with the order's own first page.

    The 2024 Transactions search answer for ``po`` is opened straight away: when the site has the
    dashboard, that load both detects the layout and is the visit's first screen (read when the
    visit asks for it, so "not found" is the order's answer, not the detection's); when it has
    not, the 2022 Payments visit is returned. One navigation per job less than ``detect_layout``
    followed by a visit. The returned visit's ``layout`` is the detected one."""
    visit = TransactionsVisit(page, po, tz=tz, timeout=timeout, on_screen=on_screen)
    try:
        visit._opened = TransactionsDashboard.open_search(page, po, tz=tz, timeout=timeout)
    except (ScreenNotReached, ElementMissing):
        return PaymentsVisit(page, po, tz=tz, timeout=timeout, on_screen=on_screen)
    return visit


def visit_for(
    page: Page,
    layout: Layout | Literal["payments-2022", "transactions-2024", "returns"],
    po: str,
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    timeout: float = DEFAULT_TIMEOUT_MS,
    on_screen: OnScreen | None = None,
) -> OrderVisit:
    """A visit of ``po`` on ``layout`` (detect "auto" once with ``detect_layout``)."""
    return _CLASSES[Layout(layout)](page, po, tz=tz, timeout=timeout, on_screen=on_screen)
