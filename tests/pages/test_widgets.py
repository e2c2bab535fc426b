"""Tables by header name, description lists and the dispute area, on small hand-made pages.

These pin the reading rules that a site release would break (a renamed column, a dispute area
with text nobody expects) without needing the whole mock site.
"""

from __future__ import annotations

from typing import Any

import pytest

from evidence.models import DisputeState
from pages.dispute_area import BUTTON_PAYMENTS, DisputeArea
from pages.errors import ElementMissing
from pages.widgets import Pagination, read_dl, read_table

TABLE = """
<main><table><caption>Transactions for PO 1</caption>
<thead><tr>{headers}</tr></thead>
<tbody><tr><td>Nov 20, 2026, 3:15 PM CST</td><td>-$42.17</td><td>Walmart Customer Care refund</td></tr>
<tr class="expansion"><td colspan="3">details</td></tr></tbody></table></main>
"""


def _table(page: Any, headers: list[str]) -> Any:
    page.set_content(TABLE.format(headers="".join(f"<th>{h}</th>" for h in headers)))
    return page.get_by_role("table", name="Transactions for PO 1")


def test_cells_are_read_by_header_name_whatever_the_column_order(page: Any) -> None:
    table = read_table(
        _table(page, ["Date", "NET PAYABLE", "Transaction type"]),
        caption="t",
        screen="Payments",
        url="u",
        required=["NET PAYABLE", "Date"],
    )
    assert len(table.rows) == 1  # the full-width expansion row is not data
    assert table.rows[0].text("NET PAYABLE") == "-$42.17"
    assert table.rows[0].text("Transaction type") == "Walmart Customer Care refund"


def test_a_renamed_column_raises_element_missing_listing_the_columns_there_are(page: Any) -> None:
    with pytest.raises(ElementMissing) as caught:
        read_table(
            _table(page, ["Date", "Net amount", "Transaction type"]),
            caption="Transactions for PO 1",
            screen="Payments",
            url="http://x/payments",
            required=["NET PAYABLE"],
        )
    message = str(caught.value)
    assert "column 'NET PAYABLE' in table 'Transactions for PO 1' not found on Payments" in message
    assert "'Net amount'" in message


def test_description_lists_keep_the_first_value_of_each_term_and_time_values(page: Any) -> None:
    page.set_content(
        "<div id=r><dl><dt>PO #</dt><dd>4342076435326</dd><dt>Sent</dt>"
        "<dd><time datetime='2026-11-20T21:15:00Z'>Nov 20, 2026, 3:15 PM CST</time></dd></dl>"
        "<dl><dt>PO #</dt><dd>other</dd></dl></div>"
    )
    fields = read_dl(page.locator("#r"))
    assert fields["PO #"].text == "4342076435326"
    assert fields["Sent"].datetime == "2026-11-20T21:15:00Z"


def test_a_list_without_pagination_is_one_page(page: Any) -> None:
    page.set_content("<main><p>No messages.</p></main>")
    pagination = Pagination(page.locator("main"), timeout=1000)
    assert pagination.position() == (1, 1)
    assert not pagination.has_next()


def _area(page: Any, html: str) -> DisputeArea:
    page.set_content(f"<main><section aria-label='Dispute'>{html}</section></main>")
    return DisputeArea(
        page, page.locator("main"), button_name=BUTTON_PAYMENTS, screen="Transaction details", timeout=1500
    )


def test_dispute_area_reads_an_open_window_in_the_seller_zone(page: Any) -> None:
    info = _area(page, "<p>Dispute window ends Nov 22, 2026, 6:00 PM CST</p><button>Dispute</button>").read()
    assert info.state is DisputeState.OPEN
    assert info.window_ends_at is not None and info.window_ends_at.isoformat() == "2026-11-23T00:00:00+00:00"


def test_dispute_area_with_unknown_text_is_not_guessed(page: Any) -> None:
    with pytest.raises(ElementMissing, match="one of the dispute states"):
        _area(page, "<p>Disputes are paused for maintenance.</p>").read()
