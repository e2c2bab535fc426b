"""Transaction details as both layouts show them: the ``dl`` of facts and the "Amount breakdown".

The 2022 Payments dialog and the 2024 Transactions drawer show the same facts under the same
terms (docs/screens.md); this module turns them into ``RefundDetail`` once, for both.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, expect

from evidence.models import AmountBreakdown, DisputeInfo, Layout, RefundDetail, TransactionType
from pages.errors import ElementMissing, NotARefund
from pages.parsing import (
    EMPTY,
    parse_bool,
    parse_channel,
    parse_date,
    parse_datetime,
    parse_line_numbers,
    parse_money,
    parse_refund_channel,
    parse_transaction_type,
)
from pages.widgets import DlField, Table, read_table

__all__ = ["BREAKDOWN_ROWS", "breakdown_from", "read_breakdown", "refund_from_fields"]

BREAKDOWN_ROWS = {
    "Product": "product",
    "Shipping": "shipping",
    "Tax": "tax",
    "Fees": "fees",
    "Commission": "commission",
    "NET PAYABLE": "net_payable",
}
REFUND_TYPES = (TransactionType.REFUND, TransactionType.CUSTOMER_CARE_REFUND)
PENDING = "Pending"  # "Settlement date" of a refund not settled yet: no date (settlement_date None)


def read_breakdown(scope: Locator, *, screen: str, url: str, timeout: float) -> AmountBreakdown:
    """The two-column table "Amount breakdown" (item, amount), read by its row labels."""
    table = scope.get_by_role("table", name="Amount breakdown")
    try:
        expect(table).to_be_visible(timeout=timeout)
    except AssertionError:
        raise ElementMissing(screen, "table 'Amount breakdown'", url) from None
    return breakdown_from(read_table(table, caption="Amount breakdown", screen=screen, url=url), screen=screen, url=url)


def breakdown_from(data: Table, *, screen: str, url: str) -> AmountBreakdown:
    """The "Amount breakdown" table already read, by its row labels."""
    values: dict[str, str] = {}
    for row in data.rows:
        cells = list(row.cells.values())
        if len(cells) >= 2:
            values[cells[0].text] = cells[-1].text
    missing = [label for label in BREAKDOWN_ROWS if label not in values]
    if missing:
        raise ElementMissing(
            screen,
            f"row {', '.join(repr(m) for m in missing)} in table 'Amount breakdown'",
            url,
            available=list(values),
            kind="rows",
        )
    return AmountBreakdown(
        **{
            field: parse_money(values[label], what=f"{label} in the amount breakdown")
            for label, field in BREAKDOWN_ROWS.items()
        }
    )


def _need(fields: dict[str, DlField], term: str, screen: str, url: str) -> str:
    if term not in fields:
        raise ElementMissing(screen, f"field '{term}'", url, available=list(fields), kind="fields")
    return fields[term].text


def _opt(fields: dict[str, DlField], term: str) -> str | None:
    text = fields[term].text if term in fields else None
    return None if text is None or text in EMPTY else text


def refund_from_fields(
    fields: dict[str, DlField],
    *,
    po: str | None,
    breakdown: AmountBreakdown,
    dispute: DisputeInfo,
    layout: Layout,
    tz: ZoneInfo,
    screen: str,
    url: str,
) -> RefundDetail:
    """Build the ``RefundDetail``; a transaction that is not a refund raises ``NotARefund``."""
    transaction_id = _need(fields, "Transaction ID", screen, url)
    type_ = parse_transaction_type(_need(fields, "Transaction type", screen, url))
    if type_ not in REFUND_TYPES:
        raise NotARefund(f"Transaction {transaction_id} is a {type_.value}, not a refund.", screen=screen, url=url)
    po_text = po or _need(fields, "PO #", screen, url)
    settlement = _opt(fields, "Settlement date")
    refund_channel = _opt(fields, "Refund channel")
    keep_it = _opt(fields, "Keep it")
    return RefundDetail(
        transaction_id=transaction_id,
        po=po_text,
        customer_order_number=_opt(fields, "Customer order #"),
        type=type_,
        breakdown=breakdown,
        reason=_opt(fields, "Refund reason"),
        reason_code=_opt(fields, "Reason code"),
        issued_at=parse_datetime(_need(fields, "Issued", screen, url), tz, what="the issue time"),
        channel=parse_channel(_need(fields, "Channel", screen, url)),
        refund_channel=parse_refund_channel(refund_channel),
        settlement_date=parse_date(settlement, what="the settlement date") if settlement not in (None, PENDING)
        else None,
        keep_it=parse_bool(keep_it) if keep_it else False,
        line_numbers=parse_line_numbers(_opt(fields, "Lines")),
        dispute=dispute,
        layout=layout,
    )
