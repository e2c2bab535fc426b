"""iCalendar (RFC 5545) export of deadlines, written by hand: no dependency, exact control.

One ``VEVENT`` per deadline with a ``UID`` that is stable per bundle (the refund's transaction id,
PO and the deadline kind), ``DTSTART`` in UTC (``...Z``), a ``VALARM`` reminder, text values
escaped (RFC 5545 3.3.11), content lines folded at 75 octets without splitting a UTF-8 character
(3.1), and CRLF line ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from evidence.policy.schedule import DeadlineEntry

__all__ = ["PRODID", "escape_text", "fold_line", "to_ics"]

PRODID = "-//cc-refund-collector//dispute deadlines//EN"
CRLF = "\r\n"


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold_line(line: str, limit: int = 75) -> list[str]:
    """Split one content line into physical lines of at most ``limit`` octets (continuations start with a space)."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return out


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"-PT{minutes // 60}H{minutes % 60}M" if minutes % 60 else f"-PT{minutes // 60}H"


def _cancelled(entry: DeadlineEntry, now: datetime) -> list[str]:
    """The same UID again, ``STATUS:CANCELLED`` with a higher ``SEQUENCE``: a calendar that had the
    deadline removes it (RFC 5545 3.8.1.11); no alarm."""
    assert entry.deadline is not None
    what = "Appeal deadline" if entry.kind == "appeal" else "Dispute deadline"
    return [
        "BEGIN:VEVENT",
        f"UID:{entry.uid}",
        "SEQUENCE:1",
        "STATUS:CANCELLED",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(entry.deadline)}",
        f"SUMMARY:{escape_text(f'Cancelled: {what.lower()}: PO {entry.po} ({entry.verdict})')}",
        f"DESCRIPTION:{escape_text(f'Nothing left to file for refund {entry.transaction_id} on PO {entry.po}: {entry.verdict}.')}",
        "END:VEVENT",
    ]


def _event(entry: DeadlineEntry, now: datetime, remind_before: timedelta) -> list[str]:
    assert entry.deadline is not None
    what = "Appeal deadline" if entry.kind == "appeal" else "Dispute deadline"
    summary = f"{what}: PO {entry.po} ({entry.amount})"
    description = (
        f"{what} for Walmart Customer Care refund {entry.transaction_id} on PO {entry.po}, "
        f"{entry.deadline_local} ({entry.basis}). Verdict: {entry.verdict}. Policy: {entry.policy_id}. "
        f"Bundle: {entry.bundle}"
    )
    return [
        "BEGIN:VEVENT",
        f"UID:{entry.uid}",
        "SEQUENCE:0",
        "STATUS:CONFIRMED",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(entry.deadline)}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"TRIGGER:{_duration(remind_before)}",
        f"DESCRIPTION:{escape_text(f'{what} in {_duration(remind_before)[3:].lower()}: PO {entry.po}')}",
        "END:VALARM",
        "END:VEVENT",
    ]


def to_ics(entries: Iterable[DeadlineEntry], now: datetime, remind_before: timedelta = timedelta(hours=4),
           cancelled: Iterable[DeadlineEntry] = ()) -> str:
    """An iCalendar document with one event per entry that has a deadline, and one cancelled event
    per ``cancelled`` entry (a deadline filed or closed since: same UID, ``STATUS:CANCELLED``)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             "X-WR-CALNAME:Dispute deadlines"]
    for entry in entries:
        if entry.deadline is not None:
            lines += _event(entry, now, remind_before)
    for entry in cancelled:
        if entry.deadline is not None:
            lines += _cancelled(entry, now)
    lines.append("END:VCALENDAR")
    return "".join(part + CRLF for line in lines for part in fold_line(line))
