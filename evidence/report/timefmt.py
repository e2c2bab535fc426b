"""Times and durations as the report shows them: the seller's zone with its abbreviation, UTC on hover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup, escape


def zone(name: str) -> tzinfo:
    """The seller's zone; an unknown name falls back to UTC rather than failing the report."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_text(moment: datetime, tz_name: str) -> str:
    """``Nov 20, 2026, 3:15 PM CST`` (the format the Seller Center screens use)."""
    local = moment.astimezone(zone(tz_name))
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.strftime('%b')} {local.day}, {local.year}, {hour}:{local.strftime('%M %p')} {local.tzname()}"


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def time_tag(moment: datetime | None, tz_name: str) -> Markup:
    """``<time>`` with the local time shown and the UTC time in ``datetime`` and on hover."""
    if moment is None:
        return Markup("<span class='muted'>unknown</span>")
    iso = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        escape(iso), escape(utc_text(moment)), escape(local_text(moment, tz_name))
    )


def duration_text(delta: timedelta) -> str:
    """``2 d 5 h``, ``3 h 20 min``, ``12 min``: for time left and reply latencies."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def time_left_text(deadline: datetime | None, now: datetime) -> str:
    """``1 d 4 h left`` / ``closed 3 h 10 min ago`` / ``no deadline``."""
    if deadline is None:
        return "no deadline"
    delta = deadline - now
    if delta.total_seconds() >= 0:
        return f"{duration_text(delta)} left"
    return f"closed {duration_text(delta)} ago"


def hours_text(hours: float | None) -> str:
    if hours is None:
        return "-"
    return duration_text(timedelta(hours=hours))
