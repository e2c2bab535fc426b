"""Disputes dashboard (``/disputes``) and a case page (``/disputes/<case id>``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Unpack

from playwright.sync_api import Page

from evidence.models import CaseMessage, CaseStatus, DisputeCase, Money
from pages.base import Options, Screen, SearchScreen, verb
from pages.errors import ElementMissing, OrderNotFound
from pages.parsing import (
    EMPTY,
    clean,
    parse_case_status,
    parse_iso,
    parse_optional_money,
    parse_when,
)
from pages.widgets import Pagination, TableRow, read_dl, read_table

__all__ = ["COLUMNS", "CaseEvent", "CasePage", "DisputesDashboard"]

COLUMNS = ("Case ID", "PO #", "Type", "Submitted", "Status", "Decision date", "Amount reimbursed")
_CASE_FIELDS = ("PO #", "Type", "Submitted", "Status")
HISTORY_COLUMNS = ("Time", "Status", "Amount reimbursed")


@dataclass(frozen=True)
class CaseEvent:
    """One row of a case page's "History": the case entered ``status`` at ``at``."""

    at: datetime
    status: CaseStatus
    amount_reimbursed: Money | None = None

# Reads each message article in one pass: heading (author), time element, body text.
_MESSAGES_JS = """
region => [...region.querySelectorAll('article')].map(a => {
  const text = el => el ? (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim() : '';
  const h = a.querySelector('h1, h2, h3, h4, h5, h6, [role=heading]');
  const t = a.querySelector('time');
  const body = a.querySelector('.body, p');
  return {author: text(h), time: t ? t.getAttribute('datetime') : null, time_text: text(t),
          body: body ? (body.innerText || body.textContent || '').trim() : ''};
})
"""


def _opt(text: str) -> str | None:
    return None if text in EMPTY else text


class DisputesDashboard(SearchScreen):
    """The table "Disputes" (newest first, paginated), searchable by case ID or PO #."""

    name = "Disputes"
    heading = "Disputes"
    path = "/disputes"
    search_label = "Search by case ID or PO #"

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        self.table = page.get_by_role("table", name="Disputes", exact=True)
        self.pagination = Pagination(self.main, timeout=self.timeout)

    def _rows(self) -> list[TableRow]:
        if not self.table.count():  # wait_until_ready has seen loading finish: the table is there or not
            return []
        return read_table(self.table, caption="Disputes", screen=self.name, url=self.page.url, required=COLUMNS).rows

    def _case(self, row: TableRow) -> DisputeCase:
        decision = _opt(row.text("Decision date"))
        return DisputeCase(
            case_id=row.text("Case ID"),
            po=row.text("PO #"),
            type=row.text("Type"),
            submitted_at=parse_when(row.text("Submitted"), self.tz, what="the submission time"),
            status=parse_case_status(row.text("Status")),
            decision_at=parse_when(decision, self.tz, what="the decision date") if decision else None,
            amount_reimbursed=parse_optional_money(row.text("Amount reimbursed"), what="the amount reimbursed"),
        )

    @verb
    def read_page(self) -> list[DisputeCase]:
        return [self._case(r) for r in self._rows()]

    @verb
    def read_all(self) -> list[DisputeCase]:
        """Every case on every page (without messages: open a case for those)."""
        cases = self.read_page()
        while self.pagination.has_next():
            with self._translated("turning to the next page"):
                self.pagination.go_next()
            self.wait_until_ready()
            cases.extend(self.read_page())
        return cases

    @verb
    def search(self, case_id_or_po: str) -> list[DisputeCase]:
        """Cases matching a case ID or PO #; ``OrderNotFound`` when there are none."""
        self._submit_search(case_id_or_po)
        if self.not_found.count():
            raise OrderNotFound(case_id_or_po, screen=self.name, url=self.page.url)
        return self.read_all()

    @verb
    def open_case(self, case_id: str) -> CasePage:
        """Follow the Case ID link (searching for it first when it is not on this page)."""
        link = self.table.get_by_role("link", name=case_id, exact=True)
        if not link.count():
            self.search(case_id)
        found = self._require(link, f"link '{case_id}' in the table 'Disputes'", role="link", scope=self.table)
        self._submit(found, f"opening case {case_id}")
        return CasePage(self.page, case_id, tz=self.tz, timeout=self.timeout).wait_until_ready()


class CasePage(Screen):
    """``/disputes/<case id>``: the case facts and its messages."""

    name = "Dispute case"

    def __init__(self, page: Page, case_id: str, **kwargs: Unpack[Options]) -> None:
        self.heading = f"Case {case_id}"
        super().__init__(page, **kwargs)
        self.case_id = case_id
        self.messages = page.get_by_role("region", name="Messages")
        self.history = page.get_by_role("region", name="History").get_by_role("table", name="History", exact=True)

    @classmethod
    def open_case(cls, page: Page, case_id: str, **kwargs: Unpack[Options]) -> CasePage:
        case = cls(page, case_id, **kwargs)
        case._goto(f"/disputes/{case_id}")
        return case.wait_until_ready()

    @verb
    def read(self) -> DisputeCase:
        fields = read_dl(self.main)
        missing = [t for t in _CASE_FIELDS if t not in fields]
        if missing:
            raise ElementMissing(
                self.name, f"field {missing[0]!r}", self.page.url, available=list(fields), kind="fields"
            )
        messages = []
        if self.messages.count():
            for m in self.messages.evaluate(_MESSAGES_JS):
                sent = (
                    parse_iso(m["time"], what="the message time")
                    if m["time"]
                    else parse_when(m["time_text"], self.tz, what="the message time")
                )
                messages.append(CaseMessage(author=clean(m["author"]), sent_at=sent, body=m["body"]))
        decision = _opt(fields["Decision date"].text) if "Decision date" in fields else None
        transaction = fields.get("Transaction ID")
        amount = fields.get("Amount reimbursed")
        return DisputeCase(
            case_id=self.case_id,
            po=fields["PO #"].text,
            transaction_id=_opt(transaction.text) if transaction else None,
            type=fields["Type"].text,
            submitted_at=parse_when(fields["Submitted"].text, self.tz, what="the submission time"),
            status=parse_case_status(fields["Status"].text),
            decision_at=parse_when(decision, self.tz, what="the decision date") if decision else None,
            amount_reimbursed=parse_optional_money(amount.text if amount else None, what="the amount reimbursed"),
            messages=messages,
        )

    @verb
    def read_history(self) -> list[CaseEvent]:
        """The "History" table, oldest first ([] for a case the site shows without one)."""
        if not self.history.count():  # wait_until_ready has seen the page load: the region is there or not
            return []
        table = read_table(self.history, caption="History", screen=self.name, url=self.page.url,
                           required=HISTORY_COLUMNS)
        events = []
        for row in table.rows:
            stamp = next((t for t in row["Time"].times if t), None)
            at = (parse_iso(stamp, what="the history time") if stamp
                  else parse_when(row.text("Time"), self.tz, what="the history time"))
            events.append(CaseEvent(
                at=at,
                status=parse_case_status(row.text("Status")),
                amount_reimbursed=parse_optional_money(row.text("Amount reimbursed"), what="the amount reimbursed"),
            ))
        return events
