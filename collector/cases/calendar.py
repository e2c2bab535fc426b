"""The deadline calendar: open deadlines as events, and every deadline filed or closed since as
the same event (same UID) with ``STATUS:CANCELLED``, so a subscribed calendar drops it.

Built from the refunds as ``collector status`` sees them (bundles + case store), so a refund filed
after collection (a ``filed`` custody entry, or a case ``collector track`` recorded) leaves the
calendar, and an appeal window opened by a tracked denial enters it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from collector.cases import open_store, store_path
from collector.cases.bundles import BundleIndex
from collector.cases.status import RefundRow, RefundState, refund_rows
from evidence import formatting
from evidence.bundle import BundleError, read_bundle
from evidence.bundle.layout import bundle_key
from evidence.bundle.reader import Bundle
from evidence.models import Money
from evidence.policy import DeadlineEntry, Policy, default_registry

__all__ = ["build_calendar", "calendar_entries", "still_open", "rows_for_bundles", "write_calendar"]

_DISPUTE_OPEN = frozenset({RefundState.TO_REVIEW, RefundState.APPROVED})


def rows_for_bundles(paths: Iterable[Path], folder: Path, now: datetime, policy_id: str | None) -> list[RefundRow]:
    """The rows of these bundles (newest version of each refund), with the case store found
    beside their folder (``<out>/.collector`` next to ``<out>/bundles``), if any."""
    index = BundleIndex()
    for path in paths:
        try:
            bundle = read_bundle(path)
        except BundleError:
            continue  # the caller has already named it
        key = bundle_key(bundle.case.po, bundle.case.refund_transaction_id)
        if key not in index.bundles or bundle.manifest.version > index.bundles[key].manifest.version:
            index.bundles[key] = bundle
    cases = []
    for out in (folder.parent, folder):
        if store_path(out).is_file():
            with open_store(out) as store:
                cases = [c for c in store.cases()
                         if any(c.transaction_id == b.case.refund_transaction_id for b in index.bundles.values())]
            break
    registry = default_registry()

    def policy_for(bundle: Bundle) -> Policy:
        return registry.select(policy_id=policy_id, issued_at=bundle.case.refund.issued_at,
                               timezone=bundle.case.seller.timezone)

    return refund_rows(index, cases, now, policy_for)


def _entry(row: RefundRow, kind: str, at: datetime, now: datetime, zone: str) -> DeadlineEntry:
    return DeadlineEntry(
        bundle=row.bundle or "", po=row.po, transaction_id=row.transaction_id, kind=kind, deadline=at,
        deadline_local=formatting.local_time(at, zone),
        basis=row.basis if kind == "dispute" else "from the recorded denial",
        verdict=(row.verdict or row.state.value) if row.state in _DISPUTE_OPEN else row.state_text(zone),
        policy_id=row.policy_id, amount=formatting.money(Money(amount=-row.charged)) if row.charged is not None else "-",
        time_left=at - now,
    )


def calendar_entries(rows: Iterable[RefundRow], now: datetime, zone: str) -> tuple[list[DeadlineEntry], list[DeadlineEntry]]:
    """(open, cancelled): a dispute deadline is open while the refund is to review or approved and
    the window is open; an appeal deadline while the appeal is open. Every other known deadline
    is cancelled (filed, decided, closed, not disputable)."""
    opened: list[DeadlineEntry] = []
    cancelled: list[DeadlineEntry] = []
    for row in rows:
        if row.dispute_deadline is not None:
            is_open = row.state in _DISPUTE_OPEN and row.dispute_deadline > now
            (opened if is_open else cancelled).append(_entry(row, "dispute", row.dispute_deadline, now, zone))
        if row.appeal_deadline is not None:
            is_open = row.state is RefundState.APPEAL_OPEN
            (opened if is_open else cancelled).append(_entry(row, "appeal", row.appeal_deadline, now, zone))
    opened.sort(key=lambda e: (e.deadline, e.po))
    return opened, cancelled


def still_open(entry: DeadlineEntry, rows: Iterable[RefundRow]) -> bool:
    """Whether a row of ``open_deadlines`` (bundles only) is still open given what was tracked."""
    row = next((r for r in rows if (r.po, r.transaction_id) == (entry.po, entry.transaction_id)), None)
    if row is None:
        return True
    return row.state in _DISPUTE_OPEN if entry.kind == "dispute" else row.state is RefundState.APPEAL_OPEN


def build_calendar(path: Path, now: datetime, policy_id: str | None = None) -> tuple[str, int]:
    """The calendar of a PATH (an output folder, a folder of bundles, one bundle): the iCalendar
    text and the number of open deadlines. ``BadPath``/``NothingHere`` as ``locate_bundles``."""
    from collector.folders import locate_bundles
    from evidence.policy import to_ics

    source = locate_bundles(path)
    rows = rows_for_bundles(source.bundles, source.folder, now, policy_id)
    zones = set()
    for bundle_path in source.bundles[:50]:
        try:
            zones.add(read_bundle(bundle_path).case.seller.timezone)
        except BundleError:
            continue
    zone = zones.pop() if len(zones) == 1 else "UTC"
    opened, cancelled = calendar_entries(rows, now, zone)
    return to_ics(opened, now, cancelled=cancelled), len(opened)


def write_calendar(path: Path, target: Path, now: datetime, policy_id: str | None = None) -> int:
    """Write the calendar to ``target`` atomically (a reader never sees half a file); returns the
    number of open deadlines."""
    import os
    import tempfile

    text, count = build_calendar(path, now, policy_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".deadlines-", suffix=".ics", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
