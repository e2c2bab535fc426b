"""Deadlines: exact instants in UTC, shown in the seller's time zone.

Decisions (documented in docs/policies.md):

* **"N days from <a date>"** (a settlement date, a decision day): the date is the seller's local
  calendar date; the window runs through the end of day ``date + N`` in the seller's zone, so the
  deadline is local midnight starting day ``date + N + 1`` (policy parameter ``date_boundary =
  "end_of_day"``, assumed). With ``"start_of_day"`` it is local midnight starting day ``date + N``.
  Local midnights are built with :mod:`zoneinfo`, so DST changes and month ends are right.
* **"N hours from refund issuance"**: ``issued_at + N hours`` exactly, in absolute time (a DST
  change in between does not add or remove an hour).
* **At the deadline instant the window is closed**: open while ``now < deadline``.
  A deadline shown as "Apr 3, 2026, 12:00 AM CDT" means "through the end of Apr 2".
* **Appeal**: N days from the decision day, same rule. The source's example (denied 3 March,
  appeal by 3 April) gives 00:00 on 3 April.
* **Return window**: N days counted from its first day (``starts_days_after_ship`` after the ship
  date, local), that day included: shipped Sep 15 -> Sep 22 .. Oct 21, closed at local midnight
  starting Oct 22. Only the refunded lines' windows count; when the refunded lines are not known
  the window is known only if every line of the order gives the same one (else ``between``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidence import formatting
from evidence.models import CaseStatus, DisputeCase, Order, RefundDetail
from evidence.policy.model import DateBoundary, DisputeAnchor, Policy

__all__ = [
    "Deadline",
    "appeal_deadline",
    "day_count_deadline",
    "dispute_deadline",
    "format_local",
    "format_time_left",
    "is_open",
    "parse_instant",
    "return_window_end",
    "seller_zone",
]

DENIED_STATUSES = frozenset({CaseStatus.DENIED})


@dataclass(frozen=True)
class Deadline:
    """A computed deadline, or why it could not be computed (``at`` None, ``missing`` says why)."""

    at: datetime | None
    basis: str
    missing: str | None = None
    field: str | None = None  # the dotted field path it rests on
    # ``at`` None because it depends on facts not captured (the refunded lines): the earliest and
    # the latest it can be, so a caller can still decide when every possibility gives one answer
    between: tuple[datetime, datetime] | None = None


def seller_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name such as America/Chicago)") from None


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    # Midnight exists in US zones (changes happen at 02:00); where it is skipped, zoneinfo maps it
    # with the offset in force before the change (fold=0), which is the earlier, safer instant.
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def day_count_deadline(day: date, days: int, boundary: DateBoundary, tz: ZoneInfo) -> datetime:
    """The instant a window of ``days`` calendar days from ``day`` (local) closes."""
    extra = 1 if boundary is DateBoundary.END_OF_DAY else 0
    return _local_midnight(day + timedelta(days=days + extra), tz)


def dispute_deadline(refund: RefundDetail, policy: Policy, tz: ZoneInfo) -> Deadline:
    window = policy.dispute_window
    if window.anchor is DisputeAnchor.ISSUED_AT:
        at = refund.issued_at + window.length
        hours = int(window.length.total_seconds() // 3600)
        return Deadline(
            at, f"{hours} hours from refund issuance {format_local(refund.issued_at, tz)}", field="refund.issued_at"
        )
    if refund.settlement_date is None:
        return Deadline(
            None,
            f"{window.days} days from the settlement date",
            missing="the refund's settlement date was not captured",
            field="refund.settlement_date",
        )
    at = day_count_deadline(refund.settlement_date, window.days or 0, window.date_boundary, tz)
    return Deadline(
        at,
        f"{window.days} days from settlement date {refund.settlement_date.isoformat()}",
        field="refund.settlement_date",
    )


def appeal_deadline(case: DisputeCase | None, policy: Policy, tz: ZoneInfo) -> Deadline | None:
    """After a denial: the last moment to appeal. None when there is no denied dispute."""
    if case is None or case.status not in DENIED_STATUSES or policy.appeal_window.appeals_allowed < 1:
        return None
    window = policy.appeal_window
    if case.decision_at is None:
        return Deadline(
            None,
            f"{window.days} days from the denial",
            missing="the dispute's decision date was not captured",
            field="dispute_case.decision_at",
        )
    decided = case.decision_at.astimezone(tz).date()
    at = day_count_deadline(decided, window.days, window.date_boundary, tz)
    return Deadline(
        at, f"{window.days} days from the denial on {decided.isoformat()}", field="dispute_case.decision_at"
    )


def _line_windows(order: Order, policy: Policy, tz: ZoneInfo) -> dict[int, tuple[date, int]]:
    """Each order line's return window: (its first day, its length in days).

    A line's first day counts from the first shipment that carries it (a shipment that lists no
    lines may carry any; a line no shipment lists counts from the order's first shipment).
    """
    rule = policy.return_window
    first_ship = min(s.shipped_at for s in order.shipments)
    out: dict[int, tuple[date, int]] = {}
    for line in order.lines:
        carried = [s.shipped_at for s in order.shipments if not s.line_numbers or line.line_number in s.line_numbers]
        shipped = min(carried, default=first_ship).astimezone(tz).date()
        out[line.line_number] = (shipped + timedelta(days=rule.starts_days_after_ship), rule.days_for(line.category))
    return out


def _window_close(first_day: date, days: int, tz: ZoneInfo) -> datetime:
    """Day 1 is ``first_day``; the window closes at local midnight starting day ``days + 1``."""
    return day_count_deadline(first_day, days, DateBoundary.START_OF_DAY, tz)


def _describe(first_day: date, days: int, policy: Policy) -> str:
    last = first_day + timedelta(days=days - 1)
    shipped = first_day - timedelta(days=policy.return_window.starts_days_after_ship)
    return (
        f"{days} days, {first_day.isoformat()} through {last.isoformat()}, "
        f"starting {policy.return_window.starts_days_after_ship} days after shipping on {shipped.isoformat()}"
    )


def return_window_end(order: Order | None, refund: RefundDetail, policy: Policy, tz: ZoneInfo) -> Deadline:
    """When the return window of the refunded lines closed (the longest of their windows).

    The window is ``days`` calendar days counted from its first day, that day included, closed at
    local midnight after the last one. When the refund does not say which lines it refunded, the
    end is known only if every line of the order gives the same one; otherwise ``at`` is None and
    ``between`` holds the earliest and latest it can be (one line's window each: a set of lines
    closes no earlier than its earliest-closing line and no later than its latest-closing one).
    """
    if order is None or not order.shipments:
        return Deadline(
            None, "return window", missing="no shipment was captured for the order", field="order.shipments"
        )
    windows = _line_windows(order, policy, tz)
    refunded = sorted(set(refund.line_numbers))
    if refunded:
        absent = [n for n in refunded if n not in windows]
        if absent:
            return Deadline(
                None,
                "return window",
                missing=f"refunded line {', '.join(map(str, absent))} is not among the order's captured lines "
                f"({', '.join(map(str, sorted(windows))) or 'none'}), so its category and shipment are unknown",
                field="refund.line_numbers",
            )
        first_day = min(windows[n][0] for n in refunded)
        days = max(windows[n][1] for n in refunded)
        return Deadline(
            _window_close(first_day, days, tz),
            f"{_describe(first_day, days, policy)}; refunded line {', '.join(map(str, refunded))}",
            field="order.shipments.shipped_at",
        )
    if not windows:
        return Deadline(
            None,
            "return window",
            missing="the refunded lines were not shown and the order's lines were not captured",
            field="refund.line_numbers",
        )
    closes = {n: _window_close(first_day, days, tz) for n, (first_day, days) in windows.items()}
    earliest, latest = min(closes.values()), max(closes.values())
    if earliest == latest:
        first_day, days = windows[min(windows)]
        return Deadline(
            earliest,
            f"{_describe(first_day, days, policy)}; the refunded lines were not shown, "
            "and every order line's window closes then",
            field="order.shipments.shipped_at",
        )
    first = min(closes, key=lambda n: (closes[n], n))
    last = max(closes, key=lambda n: (closes[n], -n))
    return Deadline(
        None,
        f"line {first}: {_describe(*windows[first], policy)}; line {last}: {_describe(*windows[last], policy)}",
        missing="the refunded lines were not shown, and the order's lines have different return windows",
        field="refund.line_numbers",
        between=(earliest, latest),
    )


def is_open(deadline: datetime, now: datetime) -> bool:
    """The window is open strictly before the deadline instant."""
    return now < deadline


def format_local(moment: datetime, tz: ZoneInfo) -> str:
    """``Nov 20, 2026, 3:15 PM CST``: the screens' format (:func:`evidence.formatting.local_time`)."""
    return formatting.local_time(moment, tz)


def format_time_left(delta: timedelta) -> str:
    """``2 d 3 h 5 min left`` / ``closed 4 h 0 min ago`` (:func:`evidence.formatting.time_left`)."""
    return formatting.time_left(delta)


# The years a "now" may fall in: deadlines are counted from it and shown in the seller's zone,
# and near year 1 or 9999 that arithmetic leaves what ``datetime`` can hold (OverflowError).
INSTANT_YEARS = (1970, 9000)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 time with an offset (``2026-11-21T03:00Z``, ``2026-11-20T21:00-06:00``), in UTC."""
    shown = repr(text if len(text) <= 60 else text[:60] + "…")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"cannot read the time {shown}: use ISO 8601 such as 2026-11-21T03:00Z") from None
    if moment.tzinfo is None:
        raise ValueError(f"the time {shown} has no time zone: add Z or an offset such as -06:00")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not INSTANT_YEARS[0] <= utc.year <= INSTANT_YEARS[1]:
        raise ValueError(f"the time {shown} is out of range (years {INSTANT_YEARS[0]} to {INSTANT_YEARS[1]})")
    return utc
