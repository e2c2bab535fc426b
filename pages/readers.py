"""One interface for "find this refund and read its details", whatever the Seller Center layout.

``RefundReader`` is what the collector calls; ``PaymentsReader`` (2022), ``TransactionsReader``
(2024) and ``ReturnsReader`` (the Returns dashboard) implement it with the page objects, and
``reader_for(page, "auto")`` picks one by looking at the site. Each reader calls
``on_screen(name, page)`` whenever a screen or dialog is ready, with a stable name, so that the
collector can screenshot and snapshot each step; the readers themselves persist nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from playwright.sync_api import Page

from evidence.models import Layout, Order, RefundDetail, ReturnInfo, Transaction, TransactionType
from pages.base import DEFAULT_TIMEOUT_MS, DEFAULT_TZ, Options
from pages.errors import ElementMissing, ScreenNotReached
from pages.payments import PaymentsPage, SearchTransactionsTab, TransactionHistory
from pages.returns import ReturnDetails, ReturnsDashboard
from pages.transactions import TransactionsDashboard

__all__ = [
    "SCREENS",
    "OnScreen",
    "PaymentsReader",
    "RefundReader",
    "ReturnsReader",
    "TransactionsReader",
    "reader_for",
]

OnScreen = Callable[[str, Page], None]
SCREENS = (
    "payments.search-results",
    "payments.transaction-history",
    "payments.transaction-details",
    "transactions.search-results",
    "transactions.details",
    "returns.search-results",
    "returns.details",
    "disputes.case",
    "inbox.thread",
)


def _ignore(_name: str, _page: Page) -> None:
    return None


@runtime_checkable
class RefundReader(Protocol):
    """Find a refund on one layout and read it into the shared models."""

    layout: Layout

    def list_transactions(self, po: str) -> list[Transaction]:
        """The order's transaction history."""
        ...

    def read_refund(self, po: str, transaction_id: str) -> RefundDetail:
        """The refund's details screen, dispute area included."""
        ...

    def read_order(self, po: str) -> Order | None:
        """Order facts, where the layout shows them; None where it does not."""
        ...


class _Reader:
    layout: Layout

    def __init__(
        self,
        page: Page,
        *,
        tz: str | ZoneInfo = DEFAULT_TZ,
        timeout: float = DEFAULT_TIMEOUT_MS,
        on_screen: OnScreen | None = None,
    ) -> None:
        self.page = page
        self.tz = tz
        self.timeout = timeout
        self.on_screen = on_screen or _ignore

    def _kw(self) -> Options:
        return {"tz": self.tz, "timeout": self.timeout}


class PaymentsReader(_Reader):
    """2022: Analytics & Reports > Payments > Search Transactions > arrow > NET PAYABLE amount."""

    layout = Layout.PAYMENTS_2022

    def _history(self, po: str) -> TransactionHistory:
        tab = SearchTransactionsTab.open(self.page, **self._kw())
        row = tab.search(po)
        self.on_screen("payments.search-results", self.page)
        history = row.expand()
        self.on_screen("payments.transaction-history", self.page)
        return history

    def list_transactions(self, po: str) -> list[Transaction]:
        return self._history(po).read()

    def read_refund(self, po: str, transaction_id: str) -> RefundDetail:
        dialog = self._history(po).open_details(transaction_id)
        self.on_screen("payments.transaction-details", self.page)
        detail = dialog.read()
        dialog.close()
        return detail

    def read_order(self, po: str) -> Order | None:
        return None  # the 2022 screens show no order facts beyond the result row


class TransactionsReader(_Reader):
    """2024: Transactions > search > row "..." > "View details" > drawer "Refund details"."""

    layout = Layout.TRANSACTIONS_2024

    def _dashboard(self, po: str) -> tuple[TransactionsDashboard, list[Transaction]]:
        dashboard = TransactionsDashboard.open(self.page, **self._kw())
        found = dashboard.search(po)
        self.on_screen("transactions.search-results", self.page)
        return dashboard, found

    def list_transactions(self, po: str) -> list[Transaction]:
        return sorted(self._dashboard(po)[1], key=lambda t: t.posted_at)

    def read_refund(self, po: str, transaction_id: str) -> RefundDetail:
        dashboard, _ = self._dashboard(po)
        drawer = dashboard.open_details(transaction_id)
        self.on_screen("transactions.details", self.page)
        detail = drawer.read()
        drawer.close()
        return detail

    def read_order(self, po: str) -> Order | None:
        dashboard, found = self._dashboard(po)
        if not found:
            return None
        drawer = dashboard.open_details(found[0].transaction_id)
        self.on_screen("transactions.details", self.page)
        order = drawer.read_order()
        drawer.close()
        return order


class ReturnsReader(_Reader):
    """Returns dashboard: search > row arrow > "Payment details" (refund id, amount, dispute area).

    This layout shows no full transaction history and no amount breakdown: ``list_transactions``
    lists the refunds attached to the order's returns, and ``read_refund`` reads the refund
    through the Transactions drawer (same site, same session) and labels it with this layout only
    after checking that the Returns dispute area agrees on the dispute state.
    """

    layout = Layout.RETURNS

    def _details(self, po: str) -> list[ReturnDetails]:
        dashboard = ReturnsDashboard.open(self.page, **self._kw())
        rows = dashboard.search(po)
        self.on_screen("returns.search-results", self.page)
        out = []
        for row in rows:
            details = dashboard.open_return(row)
            self.on_screen("returns.details", self.page)
            out.append(details)
        return out

    def read_returns(self, po: str) -> list[ReturnInfo]:
        return [d.read() for d in self._details(po)]

    def list_transactions(self, po: str) -> list[Transaction]:
        out = []
        for info, details in ((d.read(), d) for d in self._details(po)):
            transaction_id = details.refund_transaction_id()
            if transaction_id is None or info.refund_amount is None:
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

    def read_refund(self, po: str, transaction_id: str) -> RefundDetail:
        match = [d for d in self._details(po) if d.refund_transaction_id() == transaction_id]
        if not match:
            raise ElementMissing("Returns", f"a return of PO {po} paid by transaction {transaction_id}", self.page.url)
        info = match[0].read()
        # The Returns screens show no amount breakdown or issue time: read them where they are.
        detail = TransactionsReader(self.page, tz=self.tz, timeout=self.timeout, on_screen=self.on_screen).read_refund(
            po, transaction_id
        )
        if info.dispute is not None and info.dispute.state is not detail.dispute.state:
            raise ElementMissing(
                "Returns",
                f"a dispute state matching the Transactions drawer ({detail.dispute.state.value})",
                self.page.url,
                available=[info.dispute.state.value],
                kind="states",
            )
        return detail.model_copy(update={"layout": Layout.RETURNS, "dispute": info.dispute or detail.dispute})

    def read_order(self, po: str) -> Order | None:
        return None


def reader_for(
    page: Page,
    layout: Layout | Literal["auto"] = "auto",
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    timeout: float = DEFAULT_TIMEOUT_MS,
    on_screen: OnScreen | None = None,
) -> PaymentsReader | TransactionsReader | ReturnsReader:
    """The reader for ``layout``; with "auto", the Transactions dashboard when the site has one,
    else the 2022 Payments screens."""
    if layout == "auto":
        try:
            TransactionsDashboard.open(page, tz=tz, timeout=timeout)
            return TransactionsReader(page, tz=tz, timeout=timeout, on_screen=on_screen)
        except (ScreenNotReached, ElementMissing):
            PaymentsPage.open(page, tz=tz, timeout=timeout)
            return PaymentsReader(page, tz=tz, timeout=timeout, on_screen=on_screen)
    classes: dict[Layout, type[PaymentsReader | TransactionsReader | ReturnsReader]] = {
        Layout.PAYMENTS_2022: PaymentsReader,
        Layout.TRANSACTIONS_2024: TransactionsReader,
        Layout.RETURNS: ReturnsReader,
    }
    return classes[Layout(layout)](page, tz=tz, timeout=timeout, on_screen=on_screen)
