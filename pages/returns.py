"""Returns dashboard: search PO/RMA/CO > row arrow > the region "Return <rma>" > "Payment details".

The later layout files Customer Care refund disputes from here ("Dispute this return"). A return
row with its expanded details becomes ``ReturnInfo``; the "Payment details" give the refund's
transaction id, amount and dispute area (docs/screens.md, "Returns dashboard").
"""

from __future__ import annotations

from typing import Unpack

from playwright.sync_api import Locator, Page

from evidence.models import ReturnInfo, TrackingEvent
from pages.base import Options, Panel, SearchScreen, verb
from pages.dispute_area import BUTTON_RETURNS, DisputeArea
from pages.errors import ElementMissing, OrderNotFound
from pages.parsing import (
    EMPTY,
    parse_bool,
    parse_channel,
    parse_iso,
    parse_line_numbers,
    parse_optional_money,
    parse_refund_channel,
    parse_when,
)
from pages.widgets import Answer, Pagination, TableRow, read_answer, read_dl, read_table

__all__ = ["COLUMNS", "ReturnDetails", "ReturnsDashboard"]

COLUMNS = ("RMA #", "PO #", "Customer order #", "Return date", "Channel", "Reason", "Refund amount")
EVENT_COLUMNS = ("Time", "Status", "Location")


def _opt(text: str | None) -> str | None:
    return None if text is None or text in EMPTY else text


class ReturnsDashboard(SearchScreen):
    """``/returns``: the table "Returns" (paginated)."""

    name = "Returns"
    heading = "Returns"
    path = "/returns"
    search_label = "Search by PO, RMA or customer order #"

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        self.table = page.get_by_role("table", name="Returns", exact=True)
        self.pagination = Pagination(self.main, timeout=self.timeout)

    def _answer(self) -> Answer:
        return read_answer(self.table, next_page=self.pagination.enabled_next, notices=self.no_result,
                           caption="Returns", screen=self.name, url=self.page.url, required=COLUMNS)

    @verb
    def search(self, number: str) -> list[TableRow]:
        """Search a PO, RMA or customer order number: the matching rows, or a typed error."""
        self._submit_search(number)
        return self.found(number)

    @verb
    def found(self, number: str) -> list[TableRow]:
        """The rows shown for ``number`` (after ``search`` or ``open_search``), every page."""
        answer = self._answer()  # rows, "Next page" and the no-result notices: one round trip a page
        self._raise_for_notices(number, answer.notices)
        rows: list[TableRow] = []
        while True:
            rows.extend(
                r for r in (answer.table.rows if answer.table else [])
                if number in (r.text("PO #"), r.text("Customer order #"), r.text("RMA #"))
            )
            if not answer.has_next:
                break
            with self._translated("turning to the next page"):
                self.pagination.go_next()
            self.wait_until_ready()
            answer = self._answer()
        if not rows:
            raise OrderNotFound(number, screen=self.name, url=self.page.url)
        return rows

    @verb
    def open_return(self, row: TableRow) -> ReturnDetails:
        """Click "Show details for RMA <rma>"; the region "Return <rma>" opens below the row."""
        rma = row.text("RMA #")
        arrow = self.table.get_by_role("button", name=f"Show details for RMA {rma}", exact=True)
        self._require(arrow, f"button 'Show details for RMA {rma}'", scope=self.table)
        if arrow.get_attribute("aria-expanded") != "true":  # a second click would fold it away again
            arrow.click(timeout=self.timeout)
        return ReturnDetails(self.page, row, tz=self.tz, timeout=self.timeout).wait_until_ready()


class ReturnDetails(Panel):
    """The ``region`` "Return <rma>": reason, channels, tracking events, "Payment details"."""

    name = "Returns > return details"

    def __init__(self, page: Page, row: TableRow, **kwargs: Unpack[Options]) -> None:
        self.row = row
        self.rma = row.text("RMA #")
        super().__init__(page, page.get_by_role("region", name=f"Return {self.rma}", exact=True), **kwargs)
        self.events = self.root.get_by_role("table", name="Tracking events")
        self.payment = self.root.get_by_role("region", name="Payment details")
        self.dispute_area = DisputeArea(
            page, self.payment, button_name=BUTTON_RETURNS, screen=self.name, tz=self.tz, timeout=self.timeout
        )

    def _parts(self) -> dict[str, Locator]:
        return {"'Payment details'": self.page.get_by_role("region", name="Payment details")}

    @verb
    def refund_transaction_id(self) -> str | None:
        field = read_dl(self.payment).get("Transaction ID")
        return _opt(field.text) if field else None

    @verb
    def read(self) -> ReturnInfo:
        fields = read_dl(self.root)
        if "Channel" not in fields:
            raise ElementMissing(self.name, "field 'Channel'", self.page.url, available=list(fields), kind="fields")
        events = []
        if self.events.count():
            table = read_table(
                self.events, caption="Tracking events", screen=self.name, url=self.page.url, required=EVENT_COLUMNS
            )
            for r in table.rows:
                iso = r["Time"].times[0] if r["Time"].times else None
                events.append(
                    TrackingEvent(
                        time=parse_iso(iso, what="the tracking time")
                        if iso
                        else parse_when(r.text("Time"), self.tz, what="the tracking time"),
                        status=r.text("Status"),
                        location=_opt(r.text("Location")),
                    )
                )
        refund_channel = fields.get("Refund channel")
        keep_it = fields.get("Keep it")
        lines = fields.get("Lines")
        amount = fields.get("Refund amount")
        return ReturnInfo(
            rma=self.rma,
            po=self.row.text("PO #"),
            customer_order_number=_opt(self.row.text("Customer order #")),
            created_at=parse_when(self.row.text("Return date"), self.tz, what="the return date"),
            channel=parse_channel(fields["Channel"].text),
            reason_code=_opt(fields["Reason code"].text) if "Reason code" in fields else None,
            reason=_opt(fields["Return reason"].text) if "Return reason" in fields else _opt(self.row.text("Reason")),
            refund_channel=parse_refund_channel(refund_channel.text) if refund_channel else None,
            keep_it=parse_bool(keep_it.text) if keep_it else False,
            line_numbers=parse_line_numbers(lines.text) if lines else [],
            tracking_events=events,
            refund_amount=parse_optional_money(amount.text if amount else self.row.text("Refund amount")),
            dispute=self.dispute_area.read() if self.payment.count() else None,
        )
