"""One interface for "find this refund and read its details", whatever the Seller Center layout.

``RefundReader`` answers one question at a time; ``PaymentsReader`` (2022), ``TransactionsReader``
(2024) and ``ReturnsReader`` (the Returns dashboard) implement it over the order visits of
``pages.visit`` (the collector drives one visit per order instead, so each screen is opened once),
and ``reader_for(page, "auto")`` picks one by looking at the site. Each reader calls
``on_screen(name, page)`` whenever a screen or dialog is ready, with a stable name, so that the
collector can screenshot and snapshot each step; the readers themselves persist nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from playwright.sync_api import Page

from evidence.models import Layout, Order, RefundDetail, ReturnInfo, Transaction
from pages.base import DEFAULT_TIMEOUT_MS, DEFAULT_TZ, Options
from pages.visit import OrderVisit, PaymentsVisit, ReturnsVisit, TransactionsVisit, detect_layout

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
    """A reader answers one question per call, each from a fresh ``OrderVisit`` (so each call
    navigates from scratch). The collector drives one visit per order instead (``pages.visit``);
    the readers stay for one-off questions and share the visits' code."""

    layout: Layout
    visit_class: type[OrderVisit]

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

    def _visit(self, po: str) -> OrderVisit:
        return self.visit_class(self.page, po, tz=self.tz, timeout=self.timeout, on_screen=self.on_screen)

    def list_transactions(self, po: str) -> list[Transaction]:
        return self._visit(po).transactions()

    def read_refund(self, po: str, transaction_id: str) -> RefundDetail:
        return self._visit(po).refund(transaction_id)

    def read_order(self, po: str) -> Order | None:
        return self._visit(po).order()


class PaymentsReader(_Reader):
    """2022: Analytics & Reports > Payments > Search Transactions > arrow > NET PAYABLE amount."""

    layout = Layout.PAYMENTS_2022
    visit_class = PaymentsVisit


class TransactionsReader(_Reader):
    """2024: Transactions > search > row "..." > "View details" > drawer "Refund details"."""

    layout = Layout.TRANSACTIONS_2024
    visit_class = TransactionsVisit


class ReturnsReader(_Reader):
    """Returns dashboard: search > row arrow > "Payment details" (refund id, amount, dispute area).

    This layout shows no full transaction history and no amount breakdown: ``list_transactions``
    lists the refunds attached to the order's returns, and ``read_refund`` reads the refund
    through the Transactions drawer (same site, same session) and labels it with this layout only
    after checking that the Returns dispute area agrees on the dispute state.
    """

    layout = Layout.RETURNS
    visit_class = ReturnsVisit

    def read_returns(self, po: str) -> list[ReturnInfo]:
        return self._visit(po).returns()


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
        layout = detect_layout(page, tz=tz, timeout=timeout)
    classes: dict[Layout, type[PaymentsReader | TransactionsReader | ReturnsReader]] = {
        Layout.PAYMENTS_2022: PaymentsReader,
        Layout.TRANSACTIONS_2024: TransactionsReader,
        Layout.RETURNS: ReturnsReader,
    }
    return classes[Layout(layout)](page, tz=tz, timeout=timeout, on_screen=on_screen)
