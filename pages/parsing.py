"""Screen text -> typed values: money, zone-stamped times, dates, enums, yes/no, line lists.

Seller Center shows times in the seller's time zone with its abbreviation
(``Nov 20, 2026, 3:15 PM CST``). We parse them with the seller's IANA zone and check the
abbreviation against it, which also settles the ambiguous hour when clocks fall back (``1:30 AM
CDT`` and ``1:30 AM CST`` are different instants). A text that does not fit raises
``UnreadableValue``: a guess here would end up as evidence.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from evidence.models import (
    Address,
    CaseStatus,
    Channel,
    Money,
    RefundChannel,
    TransactionType,
)
from pages.errors import UnreadableValue

__all__ = [
    "EMPTY",
    "clean",
    "parse_address",
    "parse_bool",
    "parse_case_status",
    "parse_channel",
    "parse_date",
    "parse_datetime",
    "parse_int",
    "parse_iso",
    "parse_line_numbers",
    "parse_money",
    "parse_optional_money",
    "parse_refund_channel",
    "parse_transaction_type",
    "parse_when",
    "zone",
]

EMPTY = {"", "\u2014", "-", "\u2013", "n/a", "N/A"}  # em dash, hyphen, en dash

_MONEY = re.compile(r"^(?P<neg>[-\u2212])?\s*\$\s*(?P<num>\d{1,3}(?:,\d{3})*|\d+)(?P<frac>\.\d{1,2})?$")
_MONEY_PARENS = re.compile(r"^\(\s*\$\s*(?P<num>[\d,]+(?:\.\d{1,2})?)\s*\)$")
_DATETIME = re.compile(
    r"^(?P<date>[A-Z][a-z]{2} \d{1,2}, \d{4}),? "
    r"(?P<time>\d{1,2}:\d{2}(?::\d{2})? ?[AP]M) (?P<abbr>[A-Z][A-Za-z0-9+\-]{1,5})$"
)

_STATE_ZIP = re.compile(r"^(?P<state>[A-Z]{2}) (?P<zip>\d{5}(?:-\d{4})?)$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

_TYPES = {
    "sale": TransactionType.SALE,
    "refund": TransactionType.REFUND,
    "walmart customer care refund": TransactionType.CUSTOMER_CARE_REFUND,
    "customer care refund": TransactionType.CUSTOMER_CARE_REFUND,
    "adjustment": TransactionType.ADJUSTMENT,
    "reversal": TransactionType.REVERSAL,
}
_CHANNELS = {
    "customer care": Channel.CUSTOMER_CARE,
    "online": Channel.ONLINE,
    "in store": Channel.IN_STORE,
    "in-store": Channel.IN_STORE,
}


def clean(text: str | None) -> str:
    """Collapse whitespace (non-breaking spaces included) and trim."""
    return " ".join((text or "").replace("\u00a0", " ").split())


def zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def parse_money(text: str, *, what: str = "an amount", currency: str = "USD") -> Money:
    """``$1,234.56`` / ``-$12.00`` / ``($12.00)`` -> Money with an exact Decimal."""
    raw = clean(text)
    match = _MONEY.match(raw)
    if match:
        sign = "-" if match["neg"] else ""
        number = f"{sign}{match['num'].replace(',', '')}{match['frac'] or ''}"
    else:
        parens = _MONEY_PARENS.match(raw)
        if not parens:
            raise UnreadableValue(what, raw, "an amount like $1,234.56 or -$12.00")
        number = "-" + parens["num"].replace(",", "")
    try:
        amount = Decimal(number).quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        raise UnreadableValue(what, raw, "an amount") from None
    return Money(amount=amount, currency=currency)


def parse_optional_money(text: str | None, *, what: str = "an amount") -> Money | None:
    return None if clean(text) in EMPTY else parse_money(text or "", what=what)


def parse_datetime(text: str, tz: str | ZoneInfo, *, what: str = "a time") -> datetime:
    """``Nov 20, 2026, 3:15 PM CST`` in the seller's zone -> aware UTC datetime.

    The abbreviation must be the one the zone uses at that local time (CST in winter, CDT in
    summer for America/Chicago); in the repeated hour it picks the matching instant.
    """
    raw = clean(text)
    match = _DATETIME.match(raw)
    if not match:
        raise UnreadableValue(what, raw, "a time like 'Nov 20, 2026, 3:15 PM CST'")
    clock = match["time"].replace(" ", "")
    fmt = "%b %d, %Y %I:%M:%S%p" if clock.count(":") == 2 else "%b %d, %Y %I:%M%p"
    try:
        naive = datetime.strptime(f"{match['date']} {clock}", fmt)
    except ValueError:
        raise UnreadableValue(what, raw, "a valid date and time") from None
    tzinfo = zone(tz)
    abbr = match["abbr"]
    candidates = [naive.replace(tzinfo=tzinfo, fold=fold) for fold in (0, 1)]
    for candidate in candidates:
        if candidate.tzname() == abbr:
            return candidate.astimezone(UTC)
    if abbr == "UTC" or abbr == "GMT":
        return naive.replace(tzinfo=UTC)
    names = sorted({c.tzname() or "?" for c in candidates})
    raise UnreadableValue(
        what, raw, f"a time in the seller's zone {tzinfo.key} (expected {' or '.join(names)} on that date)"
    )


def parse_iso(text: str, *, what: str = "a time") -> datetime:
    """An ISO 8601 time with an offset (``2026-11-20T21:15:00Z``, a ``time`` element's datetime) -> UTC."""
    try:
        value = datetime.fromisoformat(clean(text).replace("Z", "+00:00"))
    except ValueError:
        raise UnreadableValue(what, text, "an ISO 8601 time") from None
    if value.tzinfo is None:
        raise UnreadableValue(what, text, "an ISO 8601 time with a UTC offset")
    return value.astimezone(UTC)


def parse_date(text: str, *, what: str = "a date") -> date:
    """``Nov 20, 2026`` (or ISO ``2026-11-20``) -> date."""
    raw = clean(text)
    for fmt in ("%b %d, %Y", "%B %d, %Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise UnreadableValue(what, raw, "a date like 'Nov 20, 2026'")


def parse_when(text: str, tz: str | ZoneInfo, *, what: str = "a time") -> datetime:
    """A zone-stamped time, or a date alone (taken as the start of that day in the seller's zone)."""
    raw = clean(text)
    if _DATETIME.match(raw):
        return parse_datetime(raw, tz, what=what)
    try:
        day = parse_date(raw, what=what)
    except UnreadableValue:
        raise UnreadableValue(what, raw, "a time like 'Nov 20, 2026, 3:15 PM CST' or a date") from None
    return datetime.combine(day, time(0), tzinfo=zone(tz)).astimezone(UTC)


def parse_address(text: str | None) -> Address | None:
    """``Name, line1[, line2], City, ST 12345[, US]`` -> Address; None when it does not fit that shape.

    None rather than an error: the address is context, not a fact the dispute turns on, and a
    guess (a comma inside a street line shifting every part) would be worse than no address.
    """
    parts = [p.strip() for p in clean(text).split(",")]
    country = "US"
    if len(parts) >= 5 and _COUNTRY.match(parts[-1]) and _STATE_ZIP.match(parts[-2]):
        country = parts.pop()
    if len(parts) not in (4, 5) or not all(parts):
        return None
    match = _STATE_ZIP.match(parts[-1])
    if not match:
        return None
    return Address(
        name=parts[0],
        line1=parts[1],
        line2=parts[2] if len(parts) == 5 else None,
        city=parts[-2],
        state=match["state"],
        postal_code=match["zip"],
        country=country,
    )


def parse_bool(text: str, *, what: str = "a yes/no value") -> bool:
    raw = clean(text).lower()
    if raw in ("yes", "true"):
        return True
    if raw in ("no", "false") or raw in EMPTY:
        return False
    raise UnreadableValue(what, text, "'Yes' or 'No'")


def parse_int(text: str, *, what: str = "a number") -> int:
    raw = clean(text).replace(",", "")
    if not raw.isdigit():
        raise UnreadableValue(what, text, "a whole number")
    return int(raw)


def parse_line_numbers(text: str | None, *, what: str = "line numbers") -> list[int]:
    """``1``, ``1, 2`` or ``Lines 1 and 2`` -> [1, 2]; empty / dash -> []."""
    raw = clean(text)
    if raw in EMPTY:
        return []
    numbers = re.findall(r"\d+", raw)
    if not numbers:
        raise UnreadableValue(what, raw, "a list of line numbers")
    return [int(n) for n in numbers]


def parse_transaction_type(text: str, *, what: str = "the transaction type") -> TransactionType:
    key = clean(text).lower()
    if key in _TYPES:
        return _TYPES[key]
    try:
        return TransactionType(clean(text).upper().replace(" ", "_"))
    except ValueError:
        labels = ("Sale", "Refund", "Walmart Customer Care refund", "Adjustment", "Reversal")
        raise UnreadableValue(what, text, "one of " + ", ".join(repr(k) for k in labels)) from None


def parse_channel(text: str, *, what: str = "the channel") -> Channel:
    key = clean(text).lower()
    if key in _CHANNELS:
        return _CHANNELS[key]
    try:
        return Channel(clean(text).upper().replace(" ", "_").replace("-", "_"))
    except ValueError:
        raise UnreadableValue(what, text, "'Customer Care', 'Online' or 'In store'") from None


def parse_refund_channel(text: str | None, *, what: str = "the refund channel") -> RefundChannel | None:
    raw = clean(text)
    if raw in EMPTY:
        return None
    try:
        return RefundChannel(raw.upper().replace(" ", "_"))
    except ValueError:
        raise UnreadableValue(what, raw, "a refund channel such as WALMART_TRIGGERED_REFUND") from None


def parse_case_status(text: str, *, what: str = "the case status") -> CaseStatus:
    raw = clean(text)
    for status in CaseStatus:
        if status.value.lower() == raw.lower():
            return status
    raise UnreadableValue(what, raw, "one of " + ", ".join(s.value for s in CaseStatus))
