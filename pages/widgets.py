"""Reading the building blocks screens share: tables by header name, description lists, pagination.

Tables are read in one round trip per table (a small script walks the rows and returns the text
of each cell with its buttons, links and ``time`` elements); the Python side then maps cells to
columns **by header name** and checks that the columns it needs are there. When a release moves
NET PAYABLE from last to second, reading by name still gives the right values; when it renames a
column, ``ElementMissing`` lists the columns the table has now.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Locator, expect

from pages.errors import ElementMissing
from pages.parsing import clean

__all__ = ["Answer", "Cell", "DlField", "Pagination", "Region", "Table", "TableRow", "read_answer", "read_dl",
           "read_region", "read_table"]

# A script, not locators: reading a 10x8 table cell by cell would be ~80 round trips to the browser.
_TABLE_JS = """
table => {
  const text = el => (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim();
  const cell = td => ({
    text: text(td),
    buttons: [...td.querySelectorAll('button')].map(b => ({
      name: (b.getAttribute('aria-label') || text(b)), tid: b.getAttribute('data-transaction-id')})),
    links: [...td.querySelectorAll('a[href]')].map(a => ({name: (a.getAttribute('aria-label') || text(a)),
      href: a.href})),
    times: [...td.querySelectorAll('time')].map(t => t.getAttribute('datetime')),
  });
  const rows = [...table.rows];
  const headRow = table.tHead && table.tHead.rows.length ? table.tHead.rows[0]
      : rows.find(r => [...r.cells].every(c => c.tagName === 'TH'));
  const headers = headRow ? [...headRow.cells].map(text) : [];
  const body = rows.filter(r => r !== headRow && !(r.parentElement && r.parentElement.tagName === 'THEAD'));
  return {headers, rows: body.map(r => [...r.cells].map(cell))};
}
"""

# A script again: dt/dd pairs have no role that names the pair, so they are read in one pass.
_DL_JS = """
root => {
  const text = el => (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim();
  const out = [];
  for (const dl of root.querySelectorAll('dl')) {
    let term = null;
    for (const el of dl.querySelectorAll('dt, dd')) {
      if (el.tagName === 'DT') { term = text(el); continue; }
      if (term === null) continue;
      const t = el.querySelector('time');
      const a = [...el.querySelectorAll('a[href]')].map(x => ({name: text(x), href: x.href}));
      out.push({term, text: text(el), datetime: t ? t.getAttribute('datetime') : null, links: a});
    }
  }
  return out;
}
"""


@dataclass(frozen=True)
class Cell:
    text: str
    buttons: list[dict[str, str | None]] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    times: list[str | None] = field(default_factory=list)


@dataclass(frozen=True)
class TableRow:
    index: int
    cells: dict[str, Cell]

    def __getitem__(self, column: str) -> Cell:
        return self.cells[column]

    def text(self, column: str) -> str:
        return self.cells[column].text


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[TableRow]


# A listing's answer as a search shows it: the elements found by role (its table, an enabled "Next
# page", its notices), each read by kind in document order (evaluate_all: none found is no error).
_ANSWER_JS = """
els => {
  const table = (%s);
  return els.map(e => e.tagName === 'TABLE' ? {kind: 'table', data: table(e)}
    : e.tagName === 'BUTTON' || (e.getAttribute('role') || '') === 'button' ? {kind: 'next'}
    : {kind: 'notice', text: (e.innerText || e.textContent || '').replace(/\\s+/g, ' ').trim()});
}
""" % _TABLE_JS.strip()


@dataclass(frozen=True)
class Answer:
    """What a listing shows now (``read_answer``): its table (None: no table), whether an
    enabled "Next page" is there, and the text of the notices found."""

    table: Table | None
    has_next: bool
    notices: list[str]


def read_answer(table: Locator, *, next_page: Locator, notices: Locator, caption: str, screen: str, url: str,
                required: Iterable[str] = ()) -> Answer:
    """A listing's table, its "Next page" (``next_page``: the enabled button) and ``notices`` (e.g.
    "No results found"), all in one round trip, without waiting: for a screen that has finished
    loading."""
    found = table.or_(next_page).or_(notices).evaluate_all(_ANSWER_JS)
    tables = [f["data"] for f in found if f["kind"] == "table"]
    return Answer(
        table=_table(tables[0], caption=caption, screen=screen, url=url, required=required) if tables else None,
        has_next=any(f["kind"] == "next" for f in found),
        notices=[clean(f["text"]) for f in found if f["kind"] == "notice"],
    )


def read_table(table: Locator, *, caption: str, screen: str, url: str, required: Iterable[str] = ()) -> Table:
    """Read ``table`` (already visible) and check it has every ``required`` column."""
    return _table(table.evaluate(_TABLE_JS), caption=caption, screen=screen, url=url, required=required)


def _table(data: dict[str, Any], *, caption: str, screen: str, url: str, required: Iterable[str] = ()) -> Table:
    headers = [clean(h) for h in data["headers"]]
    missing = [c for c in required if c not in headers]
    if missing:
        raise ElementMissing(
            screen,
            f"column {', '.join(repr(m) for m in missing)} in table '{caption}'",
            url,
            available=[h for h in headers if h],
            kind="columns",
        )
    rows = []
    for i, raw in enumerate(data["rows"]):
        if len(raw) == 1 and len(headers) > 1:
            continue  # a full-width row (an expansion under a data row) is not a data row
        cells = {}
        for header, c in zip(headers, raw, strict=False):
            cells[header] = Cell(text=clean(c["text"]), buttons=c["buttons"], links=c["links"], times=c["times"])
        rows.append(TableRow(index=i, cells=cells))
    return Table(caption=caption, headers=headers, rows=rows)


@dataclass(frozen=True)
class DlField:
    text: str
    datetime: str | None = None
    links: list[dict[str, str]] = field(default_factory=list)


def read_dl(root: Locator) -> dict[str, DlField]:
    """Every dt/dd pair inside ``root`` (first occurrence of a term wins)."""
    return _dl(root.evaluate(_DL_JS))


def _dl(items: list[dict[str, Any]]) -> dict[str, DlField]:
    out: dict[str, DlField] = {}
    for item in items:
        term = clean(item["term"]).rstrip(":")
        out.setdefault(term, DlField(text=clean(item["text"]), datetime=item["datetime"], links=item["links"]))
    return out


# The dl pairs and every shown table of a region in one round trip. A table is known by its name
# as a screen reader would say it: aria-label, aria-labelledby, else its caption.
_REGION_JS = """
root => {
  const dl = (%s)(root);
  const table = (%s);
  const text = el => (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim();
  const nameOf = t => t.getAttribute('aria-label')
    || (t.getAttribute('aria-labelledby') || '').split(/\\s+/).map(id => document.getElementById(id))
         .filter(Boolean).map(text).join(' ')
    || (t.caption ? text(t.caption) : '');
  const shown = [...root.querySelectorAll('table')].filter(t => t.getClientRects().length > 0);
  return {dl, tables: shown.map(t => ({name: nameOf(t), data: table(t)}))};
}
""" % (_DL_JS.strip(), _TABLE_JS.strip())


@dataclass(frozen=True)
class Region:
    """What a region shows, read at once (``read_region``): its dl fields and its shown tables by name."""

    fields: dict[str, DlField]
    tables: dict[str, dict[str, Any]]
    screen: str
    url: str

    def table(self, caption: str, required: Iterable[str] = ()) -> Table | None:
        """The table named ``caption`` (None when the region showed none: wait for it on the page)."""
        data = self.tables.get(caption)
        if data is None:
            return None
        return _table(data, caption=caption, screen=self.screen, url=self.url, required=required)


def read_region(root: Locator, *, screen: str, url: str) -> Region:
    """The dl fields and the shown tables of ``root`` (already visible) in one round trip: for a
    drawer or dialog read by several questions while it is open (it does not change meanwhile)."""
    data = root.evaluate(_REGION_JS)
    tables: dict[str, dict[str, Any]] = {}
    for t in data["tables"]:
        tables.setdefault(clean(t["name"]), t["data"])
    return Region(fields=_dl(data["dl"]), tables=tables, screen=screen, url=url)


_PAGE_OF = re.compile(r"Page (\d+) of (\d+)")


class Pagination:
    """The ``navigation`` "Pagination": Previous / Next page buttons and "Page N of M"."""

    def __init__(self, scope: Locator, *, timeout: float) -> None:
        self.nav = scope.get_by_role("navigation", name="Pagination")
        self.next_button = self.nav.get_by_role("button", name="Next page")
        self.previous_button = self.nav.get_by_role("button", name="Previous page")
        self.timeout = timeout

    def position(self) -> tuple[int, int]:
        """(current page, page count); (1, 1) when the list has no pagination."""
        if not self.nav.count():
            return (1, 1)
        match = _PAGE_OF.search(clean(self.nav.inner_text()))
        return (int(match[1]), int(match[2])) if match else (1, 1)

    @property
    def enabled_next(self) -> Locator:
        """"Next page" when it can be clicked."""
        return self.next_button.and_(self.nav.locator("button:enabled"))

    def has_next(self) -> bool:
        """An enabled "Next page" (none when the list has no pagination): one round trip."""
        return bool(self.enabled_next.count())

    def go_next(self, current: int | None = None) -> int:
        """Click "Next page" and wait for the page number to advance; returns the new page.
        ``current``: the page shown, when the caller has just read it."""
        if current is None:
            current, _ = self.position()
        self.next_button.click(timeout=self.timeout)
        expect(self.nav).to_contain_text(f"Page {current + 1} of", timeout=self.timeout)
        return current + 1
