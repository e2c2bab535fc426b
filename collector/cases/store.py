"""The case store: every dispute the collector tracks, each status change with its time, the
alerts sent, and the scheduled runs' marks. An interface (``CaseStore``) so that a PostgreSQL
store can stand in for the default SQLite one (``collector.cases.sqlite``) later.

Times are aware UTC datetimes; money is ``Decimal`` (dollars, the site's currency). A case is
keyed by its Seller Center case ID; a change by (case ID, status, time), so recording the same
history twice records it once. An alert is keyed by what it is about (``key``) and the channel it
goes to, so each is sent once per channel, whatever process or cycle sees the cause again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol, Self

from evidence.models import CaseStatus

__all__ = ["FINAL_STATUSES", "AlertRecord", "CaseChange", "CaseStore", "TrackedCase"]

# No further change is expected: the case page is not read again (the dashboard row still is).
FINAL_STATUSES = frozenset({CaseStatus.APPEAL_APPROVED, CaseStatus.APPEAL_DENIED, CaseStatus.CLOSED})


@dataclass
class TrackedCase:
    """A dispute as last seen on Seller Center, with what the collector linked to it."""

    case_id: str
    po: str
    transaction_id: str | None
    type: str
    submitted_at: datetime
    status: CaseStatus
    decision_at: datetime | None = None
    amount_reimbursed: Decimal | None = None
    appeal_deadline: datetime | None = None  # after a denial: from the policy, in the seller's zone
    bundle: str | None = None  # the newest bundle of the refund (absolute path), when one matched
    first_seen_at: datetime | None = None
    checked_at: datetime | None = None
    messages: int = 0  # messages on the case page (Seller and Partner Support)

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


@dataclass(frozen=True)
class CaseChange:
    """The case entered ``status`` at ``at`` (the site's time when it says, else when it was seen)."""

    case_id: str
    status: CaseStatus
    at: datetime
    observed_at: datetime
    amount_reimbursed: Decimal | None = None
    source: str = "history"  # "history" (the case page's table), "dashboard" (a status seen change)


@dataclass
class AlertRecord:
    key: str  # what it is about, e.g. "deadline-4h:dispute:T-1:4342" (stable across cycles)
    channel: str  # "email" or "webhook"
    kind: str  # refund_found, deadline, decision, cycle_failed
    subject: str
    text: str
    created_at: datetime
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    details: dict[str, str] = field(default_factory=dict)


class CaseStore(Protocol):
    """What ``track``, ``status``, ``watch`` and the alerts need from a store."""

    location: str  # shown to the operator and written into the custody log (a path or a URL without password)

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def close(self) -> None: ...

    # cases
    def case(self, case_id: str) -> TrackedCase | None: ...
    def cases(self) -> list[TrackedCase]: ...
    def save_case(self, case: TrackedCase) -> None: ...
    def add_change(self, change: CaseChange) -> bool:
        """Record a change; False when this (case, status, time) is already recorded."""
        ...
    def changes(self, case_id: str | None = None) -> list[CaseChange]: ...

    # alerts
    def queue_alert(self, alert: AlertRecord) -> bool:
        """Queue an alert for its channel; False when that key was queued for it before (sent or not)."""
        ...
    def unsent_alerts(self, max_attempts: int) -> list[AlertRecord]: ...
    def alerts(self) -> list[AlertRecord]: ...
    def mark_sent(self, key: str, channel: str, at: datetime) -> None: ...
    def mark_failed(self, key: str, channel: str, error: str) -> None: ...

    # marks (the last successful scan, ...)
    def get_mark(self, name: str) -> str | None: ...
    def set_mark(self, name: str, value: str) -> None: ...
