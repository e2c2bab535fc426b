"""Payments (2022 layout): Analytics & Reports > Payments > Search Transactions.

Search by PO # -> one result row -> the arrow at the far right expands the order's transaction
history -> the amount under NET PAYABLE opens "Transaction details" with the dispute area
(docs/screens.md, "Payments"). Columns are read by header name, never by position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Unpack

from playwright.sync_api import Locator, Page

from evidence.models import Layout, Money, RefundDetail, Transaction
from pages.base import DialogPanel, Options, Panel, Screen, SearchScreen, verb
from pages.details import read_breakdown, refund_from_fields
from pages.dispute_area import BUTTON_PAYMENTS, DisputeArea
from pages.errors import ElementMissing, OrderNotFound
from pages.parsing import EMPTY, parse_int, parse_line_numbers, parse_money, parse_transaction_type, parse_when
from pages.widgets import Table, read_dl, read_table

__all__ = [
    "HISTORY_COLUMNS",
    "RESULT_COLUMNS",
    "OrderSummary",
    "PaymentsPage",
    "ResultRow",
    "SearchTransactionsTab",
    "TransactionDetailsDialog",
    "TransactionHistory",
]

RESULT_COLUMNS = ("PO #", "Customer order #", "Order date", "Items", "NET PAYABLE")
HISTORY_COLUMNS = ("Date", "Transaction type", "Description", "Line", "NET PAYABLE")
_ARROW = re.compile(r"^Show transactions for PO (\d+)$")  # no named group: Playwright runs it in JS


class PaymentsPage(Screen):
    """``/payments``: tabs "Statements" and "Search Transactions"."""

    name = "Payments"
    heading = "Payments"
    path = "/payments"

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        self.tabs = page.get_by_role("tablist")
        self.statements_tab = page.get_by_role("tab", name="Statements")
        self.search_tab = page.get_by_role("tab", name="Search Transactions")

    @verb
    def open_search(self) -> SearchTransactionsTab:
        """Select the "Search Transactions" tab."""
        tab = self._require(self.search_tab, "tab 'Search Transactions'", role="tab")
        if tab.get_attribute("aria-selected") != "true":
            self._submit(tab, "opening the Search Transactions tab")  # each tab is its own page (?tab=search)
        return SearchTransactionsTab(self.page, tz=self.tz, timeout=self.timeout).wait_until_ready()


class SearchTransactionsTab(SearchScreen):
    """``/payments?tab=search``: search by PO # or customer order #."""

    name = "Payments > Search Transactions"
    heading = "Payments"
    path = "/payments?tab=search"
    search_label = "PO # or customer order #"

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        self.results = page.get_by_role("table", name="Search results")

    def wait_until_ready(self) -> SearchTransactionsTab:
        super().wait_until_ready()
        self._require(self.query, "textbox 'PO # or customer order #'", role="textbox", timeout=self.timeout)
        return self

    @verb
    def search(self, number: str) -> ResultRow:
        """Search one PO / customer order number; its single result row, or a typed error."""
        self._submit_search(number)
        return self.result_row(number)

    @verb
    def result_row(self, number: str) -> ResultRow:
        """The result shown now for ``number``; ``OrderNotFound`` / ``OrderTooOld`` when the site says so."""
        self._raise_if_no_result(number)
        if not self.results.count():
            raise OrderNotFound(number, screen=self.name, url=self.page.url)
        table = read_table(
            self.results, caption="Search results", screen=self.name, url=self.page.url, required=RESULT_COLUMNS
        )
        rows = [r for r in table.rows if number in (r.text("PO #"), r.text("Customer order #"))]
        if not rows:
            raise OrderNotFound(number, screen=self.name, url=self.page.url)
        po = rows[0].text("PO #")
        arrow = self.page.get_by_role("button", name=f"Show transactions for PO {po}", exact=True)
        root = self.results.get_by_role("row").filter(has=arrow)
        return ResultRow(root, tz=self.tz, timeout=self.timeout)


@dataclass(frozen=True)
class OrderSummary:
    """One result row of Search Transactions."""

    po: str
    customer_order_number: str | None
    order_date: datetime
    items: int
    net_payable: Money


class ResultRow(Panel):
    """A row of "Search results" (``root`` is the row); ``expand()`` shows its transactions."""

    name = "Payments > Search Transactions (result row)"

    def __init__(self, root: Locator, **kwargs: Unpack[Options]) -> None:
        super().__init__(root.page, root, **kwargs)
        self.arrow = root.get_by_role("button", name=_ARROW)
        # XPath: the row's own table, whose header names say which cell is which.
        self.table = root.locator("xpath=ancestor::table[1]")

    @property
    def po(self) -> str:
        """The PO # named by the row's arrow button ("Show transactions for PO <po>")."""
        arrow = self._require(self.arrow, "button 'Show transactions for PO <po>'", scope=self.root)
        match = _ARROW.match(" ".join(arrow.inner_text().split()))
        if match is None:  # pragma: no cover - the locator matched the same pattern
            raise self._missing("button 'Show transactions for PO <po>'", scope=self.root)
        return match[1]

    @verb
    def read(self) -> OrderSummary:
        po = self.po
        table = read_table(
            self.table, caption="Search results", screen=self.name, url=self.page.url, required=RESULT_COLUMNS
        )
        row = next((r for r in table.rows if r.text("PO #") == po), None)
        if row is None:
            raise self._missing(f"the row of PO {po}", role="row", scope=self.table)
        co = row.text("Customer order #")
        return OrderSummary(
            po=po,
            customer_order_number=None if co in EMPTY else co,
            order_date=parse_when(row.text("Order date"), self.tz, what="the order date"),
            items=parse_int(row.text("Items"), what="the item count"),
            net_payable=parse_money(row.text("NET PAYABLE"), what="NET PAYABLE"),
        )

    @verb
    def expand(self) -> TransactionHistory:
        """Click the arrow at the far right; the order's transactions appear below the row."""
        po = self.po
        arrow = self._require(self.arrow, f"button 'Show transactions for PO {po}'", scope=self.root)
        if arrow.get_attribute("aria-expanded") != "true":  # a second click would fold it away again
            arrow.click(timeout=self.timeout)
        history = TransactionHistory(self.page, po, tz=self.tz, timeout=self.timeout)
        return history.wait_until_ready()


class TransactionHistory(Panel):
    """The table "Transactions for PO <po>": every transaction on the order to date."""

    name = "Payments > transaction history"

    def __init__(self, page: Page, po: str, **kwargs: Unpack[Options]) -> None:
        self.caption = f"Transactions for PO {po}"
        super().__init__(page, page.get_by_role("table", name=self.caption, exact=True), **kwargs)
        self.po = po

    def _table(self) -> Table:
        return read_table(
            self.root, caption=self.caption, screen=self.name, url=self.page.url, required=HISTORY_COLUMNS
        )

    @verb
    def read(self) -> list[Transaction]:
        out = []
        for row in self._table().rows:
            cell = row["NET PAYABLE"]
            ids = [b["tid"] for b in cell.buttons if b.get("tid")]
            if not ids:
                raise ElementMissing(
                    self.name,
                    "the amount button (with its transaction id) under NET PAYABLE",
                    self.page.url,
                    available=[str(b.get("name")) for b in cell.buttons],
                    kind="buttons",
                )
            lines = parse_line_numbers(row.text("Line"))
            out.append(
                Transaction(
                    transaction_id=str(ids[0]),
                    po=self.po,
                    type=parse_transaction_type(row.text("Transaction type")),
                    description=row.text("Description"),
                    posted_at=parse_when(row.text("Date"), self.tz, what="the transaction date"),
                    net_payable=parse_money(cell.text, what="NET PAYABLE"),
                    line_number=lines[0] if len(lines) == 1 else None,
                )
            )
        return out

    @verb
    def open_details(self, transaction_id: str) -> TransactionDetailsDialog:
        """Click the NET PAYABLE amount of ``transaction_id``; the details dialog opens."""
        # CSS: the contract names a transaction only by this attribute on its amount button.
        button = self.root.locator(f'button[data-transaction-id="{transaction_id}"]')
        if not button.count():
            self._table()  # a moved/renamed column is the likelier cause: report that first
            raise self._missing(f"amount button for transaction {transaction_id} under NET PAYABLE", scope=self.root)
        button.click(timeout=self.timeout)
        return TransactionDetailsDialog(self.page, tz=self.tz, timeout=self.timeout).wait_until_ready()


class TransactionDetailsDialog(DialogPanel):
    """The ``dialog`` "Transaction details" with the dispute area under NET PAYABLE."""

    name = "Transaction details"
    dialog_name = "Transaction details"

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        self.dispute_area = DisputeArea(
            page, self.root, button_name=BUTTON_PAYMENTS, screen=self.name, tz=self.tz, timeout=self.timeout
        )

    def _parts(self) -> dict[str, Locator]:
        return {"the transaction facts": self.page.get_by_text("Transaction ID", exact=True)}

    @verb
    def read(self) -> RefundDetail:
        fields = read_dl(self.root)
        breakdown = read_breakdown(self.root, screen=self.name, url=self.page.url, timeout=self.timeout)
        return refund_from_fields(
            fields,
            po=None,
            breakdown=breakdown,
            dispute=self.dispute_area.read(),
            layout=Layout.PAYMENTS_2022,
            tz=self.tz,
            screen=self.name,
            url=self.page.url,
        )
