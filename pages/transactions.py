"""Transactions dashboard (2024 layout): search, the row "..." menu, the details drawer, scanning.

Search PO/CO > row "More actions for <id>" > "View details" > drawer "Transaction details" with
"Order details" and "Refund details" (docs/screens.md). ``scan_refunds`` walks the whole
dashboard newest first for the collector's ``--scan-since``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Unpack

from playwright.sync_api import Locator, Page

from evidence.models import (
    Layout,
    Order,
    OrderLine,
    RefundDetail,
    Shipment,
    TrackingEvent,
    Transaction,
    TransactionType,
)
from pages.base import DialogPanel, Options, SearchScreen, verb
from pages.details import breakdown_from, read_breakdown, refund_from_fields
from pages.dispute_area import BUTTON_TRANSACTIONS, DisputeArea
from pages.errors import ElementMissing
from pages.parsing import (
    EMPTY,
    parse_address,
    parse_bool,
    parse_int,
    parse_line_numbers,
    parse_money,
    parse_transaction_type,
    parse_when,
)
from pages.widgets import Answer, Pagination, Region, Table, TableRow, read_answer, read_region, read_table

__all__ = [
    "COLUMNS",
    "LINE_COLUMNS",
    "SHIPMENT_COLUMNS",
    "TRACKING_COLUMNS",
    "TYPE_LABELS",
    "TransactionDrawer",
    "TransactionsDashboard",
]

COLUMNS = ("Date", "PO #", "Customer order #", "Transaction type", "Amount", "Actions")
LINE_COLUMNS = ("Line", "SKU", "Item ID", "Product", "Qty", "Unit price", "Category")
SHIPMENT_COLUMNS = ("Carrier", "Tracking #", "Shipped", "Delivered", "Proof of delivery", "Insured", "Lines")
TRACKING_COLUMNS = ("Tracking #", "Time", "Status", "Location")
_PROOF = {"signature": "signature", "photo": "photo"}
TYPE_LABELS = {
    TransactionType.SALE: "Sale",
    TransactionType.REFUND: "Refund",
    TransactionType.CUSTOMER_CARE_REFUND: "Walmart Customer Care refund",
    TransactionType.ADJUSTMENT: "Adjustment",
    TransactionType.REVERSAL: "Reversal",
}
_MORE = re.compile(r"^More actions for (?P<id>.+)$")


def _optional(text: str) -> str | None:
    return None if text in EMPTY else text


class TransactionsDashboard(SearchScreen):
    """``/transactions``: the table "Transactions", newest first, paginated."""

    name = "Transactions"
    heading = "Transactions"
    path = "/transactions"
    search_label = "Search by PO or customer order #"

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        self.type_filter = page.get_by_role("combobox", name="Transaction type")
        self.table = page.get_by_role("table", name="Transactions", exact=True)
        self.pagination = Pagination(self.main, timeout=self.timeout)

    # ----------------------------------------------------------------- reading rows

    def _rows(self) -> list[TableRow]:
        if not self.table.count():  # wait_until_ready has seen loading finish: the table is there or not
            return []
        return read_table(
            self.table, caption="Transactions", screen=self.name, url=self.page.url, required=COLUMNS
        ).rows

    def _transaction(self, row: TableRow) -> Transaction:
        names = [str(b.get("name")) for b in row["Actions"].buttons]
        ids = [m["id"] for m in (_MORE.match(n) for n in names) if m]
        if not ids:
            raise ElementMissing(
                self.name, "button 'More actions for <transaction id>'", self.page.url, available=names, kind="buttons"
            )
        type_text = row.text("Transaction type")
        return Transaction(
            transaction_id=ids[0],
            po=row.text("PO #"),
            type=parse_transaction_type(type_text),
            description=type_text,  # this layout has no description column: the type label stands in
            posted_at=parse_when(row.text("Date"), self.tz, what="the transaction date"),
            net_payable=parse_money(row.text("Amount"), what="the amount"),
        )

    @verb
    def read_page(self) -> list[Transaction]:
        """The transactions on the page shown now."""
        return [self._transaction(r) for r in self._rows()]

    @verb
    def read_all(self) -> list[Transaction]:
        """Every page of the current listing, newest first."""
        return self._every_page(self._answer())

    def _every_page(self, answer: Answer) -> list[Transaction]:
        """The transactions of ``answer`` (the page shown now) and of every page after it; each
        page's rows and its "Next page" are read in one round trip."""
        out: list[Transaction] = []
        while True:
            out.extend(self._transaction(r) for r in (answer.table.rows if answer.table else []))
            if not answer.has_next:
                return out
            self.next_page()
            answer = self._answer()

    @verb
    def next_page(self) -> TransactionsDashboard:
        with self._translated("turning to the next page"):
            self.pagination.go_next()
        return self.wait_until_ready()

    # ----------------------------------------------------------------- verbs

    @verb
    def search(self, number: str) -> list[Transaction]:
        """Search one PO / customer order number: its transactions (every page), or a typed error."""
        self._submit_search(number)
        return self.found(number)

    @verb
    def found(self, number: str) -> list[Transaction]:
        """The answer shown for ``number`` (after ``search`` or ``open_search``): every page. Each
        page's rows, its "Next page" and the no-result notices are read in one round trip."""
        answer = self._answer()
        self._raise_for_notices(number, answer.notices)
        return self._every_page(answer)

    def _answer(self) -> Answer:
        return read_answer(self.table, next_page=self.pagination.enabled_next, notices=self.no_result,
                           caption="Transactions", screen=self.name, url=self.page.url, required=COLUMNS)

    @verb
    def filter_type(self, label: str) -> TransactionsDashboard:
        """Pick a "Transaction type" option ("All", "Sale", "Walmart Customer Care refund", ...) and apply it."""
        self._require(self.type_filter, "combobox 'Transaction type'", role="combobox").select_option(
            label=label, timeout=self.timeout
        )
        self._submit(self._require(self.search_button, "button 'Search'"), f"filtering by '{label}'")
        return self.wait_until_ready()

    def scan_refunds(
        self, since: datetime, types: Iterable[TransactionType] = (TransactionType.CUSTOMER_CARE_REFUND,)
    ) -> Iterator[Transaction]:
        """Transactions of ``types`` posted at or after ``since``, newest first, across pages.

        Filters by type on the site when one type is asked for; stops at the first older row.
        """
        wanted = set(types)
        self.filter_type(TYPE_LABELS[next(iter(wanted))] if len(wanted) == 1 else "All")
        while True:
            for txn in self.read_page():
                if txn.posted_at < since:
                    return
                if txn.type in wanted:
                    yield txn
            if not self.pagination.has_next():
                return
            self.next_page()

    @verb
    def open_details(self, transaction_id: str) -> TransactionDrawer:
        """Row "..." menu > "View details": the drawer "Transaction details"."""
        more = self.table.get_by_role("button", name=f"More actions for {transaction_id}", exact=True)
        self._click(more, f"button 'More actions for {transaction_id}'", scope=self.table)
        item = self.page.get_by_role("menu").get_by_role("menuitem", name="View details")
        self._click(item, "menuitem 'View details'", role="menuitem", scope=self.page.locator("body"))
        return TransactionDrawer(self.page, tz=self.tz, timeout=self.timeout).wait_until_ready()


class TransactionDrawer(DialogPanel):
    """The drawer (``dialog`` "Transaction details") with "Order details" and "Refund details"."""

    name = "Transactions > Transaction details"
    dialog_name = "Transaction details"

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        self.order_region = self.root.get_by_role("region", name="Order details")
        self.refund_region = self.root.get_by_role("region", name="Refund details")
        self.dispute_area = DisputeArea(
            page,
            self.refund_region,
            button_name=BUTTON_TRANSACTIONS,
            screen=self.name,
            tz=self.tz,
            timeout=self.timeout,
        )
        self._order_facts: Region | None = None

    def _parts(self) -> dict[str, Locator]:
        return {"'Order details'": self.page.get_by_role("region", name="Order details"),
                "'Refund details'": self.page.get_by_role("region", name="Refund details")}

    def _facts(self) -> Region:
        """"Order details" as this open drawer shows it, read once: the refund, the order facts and
        the return numbers all come from it (the drawer does not change while it is open)."""
        if self._order_facts is None:
            self._order_facts = read_region(self.order_region, screen=self.name, url=self.page.url)
        return self._order_facts

    def _order_table(self, caption: str, columns: tuple[str, ...]) -> Table:
        shown = self._facts().table(caption, columns)
        if shown is not None:
            return shown
        locator = self.order_region.get_by_role("table", name=caption, exact=True)  # not shown yet: wait for it
        self._require(locator, f"table '{caption}' in 'Order details'", role="table", scope=self.order_region)
        return read_table(locator, caption=caption, screen=self.name, url=self.page.url, required=columns)

    def _lines(self) -> list[OrderLine]:
        return [
            OrderLine(
                line_number=parse_int(r.text("Line"), what="the order line number"),
                sku=r.text("SKU"),
                item_id=_optional(r.text("Item ID")),
                product_name=r.text("Product"),
                quantity=parse_int(r.text("Qty"), what="the quantity"),
                unit_price=parse_money(r.text("Unit price"), what="the unit price"),
                category=_optional(r.text("Category")),
            )
            for r in self._order_table("Order lines", LINE_COLUMNS).rows
        ]

    def _events(self) -> dict[str, list[TrackingEvent]]:
        """Tracking events by tracking number, oldest first."""
        out: dict[str, list[TrackingEvent]] = {}
        for r in self._order_table("Tracking events", TRACKING_COLUMNS).rows:
            event = TrackingEvent(
                time=parse_when(r.text("Time"), self.tz, what="the tracking event time"),
                status=r.text("Status"),
                location=_optional(r.text("Location")),
            )
            out.setdefault(r.text("Tracking #"), []).append(event)
        return {number: sorted(events, key=lambda e: e.time) for number, events in out.items()}

    def _shipments(self) -> list[Shipment]:
        events = self._events()
        out = []
        for r in self._order_table("Shipments", SHIPMENT_COLUMNS).rows:
            delivered = r.text("Delivered")
            proof = r.text("Proof of delivery").lower()
            out.append(
                Shipment(
                    carrier=r.text("Carrier"),
                    tracking_number=r.text("Tracking #"),
                    shipped_at=parse_when(r.text("Shipped"), self.tz, what="the ship time"),
                    delivered_at=None if delivered in EMPTY else parse_when(delivered, self.tz, what="the delivery time"),
                    delivery_proof=_PROOF.get(proof),
                    insured=parse_bool(r.text("Insured"), what="'Insured'"),
                    line_numbers=parse_line_numbers(r.text("Lines"), what="the shipment's lines"),
                    events=events.get(r.text("Tracking #"), []),
                )
            )
        return out

    @verb
    def read_order(self) -> Order:
        """The "Order details" facts: the dl, the order lines, the shipments with their tracking events."""
        fields = self._facts().fields
        for term in ("PO #", "Order date"):
            if term not in fields:
                raise ElementMissing(
                    self.name,
                    f"field '{term}' in 'Order details'",
                    self.page.url,
                    available=list(fields),
                    kind="fields",
                )
        def field(term: str) -> str | None:
            found = fields.get(term)
            return _optional(found.text) if found else None

        return Order(
            po=fields["PO #"].text,
            customer_order_number=field("Customer order #"),
            order_date=parse_when(fields["Order date"].text, self.tz, what="the order date"),
            customer_name=field("Customer"),
            customer_email=field("Customer e-mail"),
            ship_to=parse_address(field("Ship to")),
            lines=self._lines(),
            shipments=self._shipments(),
        )

    @verb
    def return_numbers(self) -> list[str] | None:
        """The RMA numbers "Order details" lists under "Returns" ([] for "None"); None when the
        drawer has no such field (then only the Returns dashboard can tell)."""
        found = self._facts().fields.get("Returns")
        if found is None:
            return None
        text = found.text.strip()
        if text.lower() in ("none", "", "—", "-"):
            return []
        return [part.strip().removeprefix("RMA").strip() for part in text.split(",") if part.strip()]

    @verb
    def order_text(self) -> dict[str, str]:
        """Every "Order details" dl field as shown (the loose "Lines" and "Tracking" included), for the record."""
        return {k: v.text for k, v in self._facts().fields.items()}

    @verb
    def read(self) -> RefundDetail:
        """The "Refund details" facts, the amount breakdown and the dispute area.

        "Refunded lines" (absent when Seller Center does not say) becomes ``line_numbers``; the
        "Lines" of "Order details" are the order's, never read as the refunded ones.
        """
        refund = read_region(self.refund_region, screen=self.name, url=self.page.url)
        fields = dict(refund.fields)
        refunded = fields.pop("Refunded lines", None)
        if refunded is not None:
            fields["Lines"] = refunded  # the term refund_from_fields reads, as on the 2022 dialog
        po = self._facts().fields.get("PO #")
        customer_order = self._facts().fields.get("Customer order #")
        if customer_order and "Customer order #" not in fields:
            fields["Customer order #"] = customer_order
        shown = refund.table("Amount breakdown")
        breakdown = (
            breakdown_from(shown, screen=self.name, url=self.page.url)
            if shown is not None
            else read_breakdown(self.refund_region, screen=self.name, url=self.page.url, timeout=self.timeout)
        )
        return refund_from_fields(
            fields,
            po=po.text if po else None,
            breakdown=breakdown,
            dispute=self.dispute_area.read(),
            layout=Layout.TRANSACTIONS_2024,
            tz=self.tz,
            screen=self.name,
            url=self.page.url,
        )
