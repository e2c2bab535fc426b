"""One voice: how every surface writes verdicts, deadlines, time left, durations, money and times.

The report, the index, the demo's summary table, ``collector deadlines`` (table, CSV, calendar),
``collector assess`` and ``collector emails thread`` all format through this module, so a refund
reads the same wherever it is shown:

* **verdicts**: one label each (``ready to file``, never ``ready_to_file``): :func:`verdict_label`;
  senders' roles likewise (``Walmart Customer Care``): :func:`role_label`;
* **times**: the Seller Center screens' format in the seller's zone, ``Nov 20, 2026, 3:15 PM CST``:
  :func:`local_time`;
* **durations** (time left, reply latency): ``2 d 3 h 5 min``, ``21 h 20 min``, ``12 min``, to the
  minute, rounded down: :func:`duration`, :func:`time_left` (``... left`` / ``closed ... ago``; at
  the deadline instant the window is closed), :func:`latency`;
* **money**: ``-$45.05`` (the screens' sign: refunds are negative), totals per currency;
* **the deadline that matters next**: :func:`next_deadline` / :func:`status`. After a denial it is
  the appeal deadline (not the dispute window that closed before the dispute was filed); a
  not-disputable refund or a dispute under review has none (``-``); a closed window stays shown as
  closed. :func:`urgency` orders refunds: open ones first by deadline, then closed ones (most
  recently closed first), then those with nothing to file, then the unassessed.

Pure: no clock, no I/O. ``now`` is always passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidence.models import Assessment, Money, Role, Verdict

__all__ = [
    "NONE",
    "NOT_ASSESSED",
    "ROLE_LABELS",
    "UNKNOWN",
    "VERDICT_LABELS",
    "VERDICT_ORDER",
    "Due",
    "Status",
    "display_zone",
    "due_label",
    "duration",
    "iso_utc",
    "latency",
    "local_time",
    "money",
    "money_total",
    "next_deadline",
    "role_label",
    "status",
    "status_from",
    "status_of",
    "time_left",
    "time_left_until",
    "urgency",
    "utc_time",
    "verdict_label",
]

VERDICT_LABELS: dict[Verdict, str] = {
    Verdict.READY_TO_FILE: "ready to file",
    Verdict.NEEDS_ATTENTION: "needs attention",
    Verdict.ALREADY_DISPUTED: "already disputed",
    Verdict.WINDOW_CLOSED: "window closed",
    Verdict.NOT_DISPUTABLE: "not disputable",
}
# The order a reviewer works through them (the index's per-verdict counts use it).
VERDICT_ORDER: tuple[Verdict, ...] = tuple(VERDICT_LABELS)
NOT_ASSESSED = "not assessed"
UNKNOWN = "unknown"  # a deadline that matters but could not be computed
NONE = "-"  # no deadline matters (nothing to file), or nothing known at all


def verdict_label(verdict: Verdict | str | None) -> str:
    """``ready to file``; ``not assessed`` for None. A label passes through unchanged."""
    if verdict is None or verdict == "":
        return NOT_ASSESSED
    try:
        return VERDICT_LABELS[Verdict(verdict)]
    except ValueError:
        return str(verdict).replace("_", " ")


ROLE_LABELS: dict[Role, str] = {
    Role.CUSTOMER: "customer",
    Role.SELLER: "seller",
    Role.WALMART_CUSTOMER_CARE: "Walmart Customer Care",
    Role.WALMART_SYSTEM: "Walmart system",
    Role.PARTNER_SUPPORT: "Partner Support",
    Role.UNKNOWN: "unidentified sender",
}


def role_label(role: Role | str) -> str:
    """``Walmart Customer Care`` (never ``walmart_customer_care``)."""
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return str(role).replace("_", " ")


# --------------------------------------------------------------------------- times


def display_zone(tz: tzinfo | str | None) -> tzinfo:
    """The zone to show times in: an IANA name or a tzinfo; an unknown name shows UTC (a page
    or a table must render whatever the data says; validation happens where data comes in)."""
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz) if tz else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_time(moment: datetime, tz: tzinfo | str | None) -> str:
    """``Nov 20, 2026, 3:15 PM CST``: the Seller Center screens' format, in the seller's zone."""
    local = moment.astimezone(display_zone(tz))
    hour = local.hour % 12 or 12
    meridiem = "AM" if local.hour < 12 else "PM"
    return f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M} {meridiem} {local.tzname()}"


def utc_time(moment: datetime) -> str:
    """``2026-11-20 21:15:00 UTC`` (the report's hover text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso_utc(moment: datetime) -> str:
    """``2026-11-20T21:15:00Z`` (machine-readable columns and attributes)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------- durations


def duration(delta: timedelta) -> str:
    """``2 d 3 h 5 min``, ``21 h 20 min``, ``12 min``: the length of ``delta`` (sign ignored), to the
    minute, rounded down."""
    minutes = abs(delta) // timedelta(minutes=1)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return (f"{days} d " if days else "") + (f"{hours} h " if days or hours else "") + f"{mins} min"


def time_left(delta: timedelta) -> str:
    """``21 h 20 min left`` / ``closed 3 h 10 min ago``; closed at the deadline instant (``delta`` 0)."""
    if delta > timedelta(0):
        return f"{duration(delta)} left"
    return f"closed {duration(delta)} ago"


def time_left_until(deadline: datetime | None, now: datetime) -> str:
    """:func:`time_left` to ``deadline``; ``unknown`` when there is none."""
    return UNKNOWN if deadline is None else time_left(deadline - now)


def latency(hours: float | None) -> str:
    """A reply latency given in hours, as a duration: ``2 h 48 min``; ``-`` when there was no reply."""
    return NONE if hours is None else duration(timedelta(hours=hours))


# --------------------------------------------------------------------------- money


def money(value: Money | None) -> str:
    """``-$45.05`` (the screens' sign); ``-`` when unknown."""
    return NONE if value is None else str(value)


def money_total(values: Iterable[Money]) -> str:
    """The sum per currency, USD first: ``-$1,245.05``, ``-$10.00 + CAD 3.00``; ``$0.00`` for none."""
    totals: dict[str, Decimal] = {}
    for value in values:
        totals[value.currency] = totals.get(value.currency, Decimal(0)) + value.amount
    if not totals:
        return str(Money(amount=Decimal(0)))
    order = sorted(totals, key=lambda currency: (currency != "USD", currency))
    return " + ".join(str(Money(amount=totals[c], currency=c)) for c in order)


# --------------------------------------------------------------------------- the next deadline


@dataclass(frozen=True)
class Due:
    """The deadline that matters next: ``kind`` ``dispute`` or ``appeal`` (``at`` None when it could
    not be computed), or ``kind`` None when no deadline matters (nothing to file)."""

    kind: str | None
    at: datetime | None


def next_deadline(assessment: Assessment | None) -> Due:
    """Which deadline a reviewer acts on, from the assessment alone.

    * ready to file / needs attention / window closed: the dispute deadline;
    * already disputed: the appeal deadline after a denial (unknown when the denial's date was not
      captured); none while the dispute is under review, approved, or finally denied;
    * not disputable, not assessed: none.
    """
    if assessment is None:
        return Due(None, None)
    verdict = assessment.verdict
    if verdict in (Verdict.READY_TO_FILE, Verdict.NEEDS_ATTENTION, Verdict.WINDOW_CLOSED):
        return Due("dispute", assessment.deadline)
    if verdict is Verdict.ALREADY_DISPUTED:
        if assessment.appeal_deadline is not None:
            return Due("appeal", assessment.appeal_deadline)
        if any(f.code == "appeal.deadline" for f in assessment.findings):
            return Due("appeal", None)  # denied, and the decision date is missing
    return Due(None, None)


def due_label(kind: str | None, is_open: bool) -> str:
    """``File by`` / ``Appeal by`` while open; ``Dispute window closed`` / ``Appeal window closed``
    after; ``No deadline`` when none matters."""
    if kind is None:
        return "No deadline"
    if is_open:
        return "Appeal by" if kind == "appeal" else "File by"
    return "Appeal window closed" if kind == "appeal" else "Dispute window closed"


@dataclass(frozen=True)
class Status:
    """A refund as every surface shows it: the verdict label, which deadline, its text, time left."""

    verdict: str  # the label
    kind: str | None  # "dispute", "appeal", or None (no deadline matters)
    at: datetime | None
    deadline: str  # local time, "unknown" or "-"
    time_left: str  # "... left", "closed ... ago", "unknown" or "-"
    open: bool  # something can still be filed (a deadline ahead, or one that matters but is unknown)
    assessed: bool = True

    @property
    def label(self) -> str:
        return due_label(self.kind, self.open)


def status_of(verdict: Verdict | str | None, due: Due, now: datetime, tz: tzinfo | str | None) -> Status:
    if verdict is None:
        return Status(NOT_ASSESSED, None, None, NONE, NONE, False, assessed=False)
    if due.kind is None:
        return Status(verdict_label(verdict), None, None, NONE, NONE, False)
    if due.at is None:
        return Status(verdict_label(verdict), due.kind, None, UNKNOWN, UNKNOWN, True)
    return Status(
        verdict_label(verdict), due.kind, due.at, local_time(due.at, tz), time_left(due.at - now), due.at > now
    )


def status(assessment: Assessment | None, now: datetime, tz: tzinfo | str | None) -> Status:
    """The refund's status as of ``now``, times in the seller's zone ``tz``."""
    return status_of(assessment.verdict if assessment else None, next_deadline(assessment), now, tz)


def status_from(
    verdict: Verdict | str | None,
    deadline: datetime | None,
    now: datetime,
    tz: tzinfo | str | None,
    assessment: Assessment | None = None,
) -> Status:
    """:func:`status` from the assessment when there is one; else from a verdict and its dispute
    deadline alone (a job's summary row): no deadline matters for a disputed or not-disputable
    refund, since the appeal deadline is not known from them."""
    if assessment is not None:
        return status(assessment, now, tz)
    if verdict is None or verdict == "":
        return status_of(None, Due(None, None), now, tz)
    label = verdict_label(verdict)
    matters = label not in (VERDICT_LABELS[Verdict.ALREADY_DISPUTED], VERDICT_LABELS[Verdict.NOT_DISPUTABLE])
    return status_of(verdict, Due("dispute", deadline) if matters else Due(None, None), now, tz)


def urgency(item: Status, now: datetime, tie: str = "") -> tuple[int, float, str]:
    """Sort key: open refunds first, soonest deadline first (an unknown one after the known ones);
    then closed windows, most recently closed first; then refunds with nothing to file; then
    the unassessed. Ties by ``tie`` (a name or PO)."""
    if item.open:
        return (0, (item.at - now).total_seconds(), tie) if item.at else (1, 0.0, tie)
    if item.at is not None:
        return (2, (now - item.at).total_seconds(), tie)
    return (3 if item.assessed else 4, 0.0, tie)
