"""Which alerts a watch cycle raises. Each has a key naming what it is about, stable across
cycles and processes, so the store sends it once per channel:

* ``refund-found:<txn>``: a Customer Care refund was bundled;
* ``deadline-<N>h:<kind>:<txn>:<deadline>``: a dispute (or appeal) deadline is within N hours
  and the refund is still to review, approved but not filed, or its appeal is open; one per
  threshold (e.g. 12 h and 4 h). Filed, decided or closed refunds raise none;
* ``decision:<case>:<status>:<time>``: a case was approved, denied, or its appeal decided;
* ``cycle-failed:<time>``: a cycle failed (it is retried on the next tick).

The text holds the PO, the transaction and case ids, amounts, states and times: never a message
body, a customer's name or address, or any setting's secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from collector.cases.status import ACTIONABLE, RefundRow, RefundState
from collector.cases.store import AlertRecord, CaseChange
from evidence import formatting
from evidence.models import CaseStatus, Money

__all__ = ["cycle_failed", "deadline_alerts", "decision_alerts", "refund_found"]

DECISIONS = frozenset({CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.APPEAL_APPROVED, CaseStatus.APPEAL_DENIED})
PREFIX = "[cc-refund-collector]"


def _usd(value: object) -> str:
    return formatting.money(Money(amount=value)) if value is not None else "-"  # type: ignore[arg-type]


def refund_found(po: str, transaction_id: str, now: datetime, *, bundle: str = "") -> AlertRecord:
    return AlertRecord(
        key=f"refund-found:{transaction_id}", channel="", kind="refund_found",
        subject=f"{PREFIX} New Customer Care refund on PO {po}",
        text=f"Walmart Customer Care refund {transaction_id} on PO {po} was collected; review its bundle "
             f"and file a dispute before the window closes.{f' Bundle: {bundle}' if bundle else ''}",
        created_at=now, details={"po": po, "transaction_id": transaction_id},
    )


def deadline_alerts(rows: Iterable[RefundRow], now: datetime, hours: Iterable[float], zone: str) -> list[AlertRecord]:
    """One alert per refund and threshold it has crossed (the tightest one only, when a first look
    finds it already within several)."""
    alerts = []
    thresholds = sorted({float(h) for h in hours})
    for row in rows:
        if row.state not in ACTIONABLE or row.deadline is None or row.deadline <= now:
            continue
        left = row.deadline - now
        crossed = [h for h in thresholds if left <= timedelta(hours=h)]
        if not crossed:
            continue
        h = crossed[0]
        kind = row.deadline_kind or "dispute"
        label = f"{h:g}h"
        todo = {RefundState.TO_REVIEW: "review and file it", RefundState.APPROVED: "it is approved: file it",
                RefundState.APPEAL_OPEN: "appeal the denial"}[row.state]
        alerts.append(AlertRecord(
            key=f"deadline-{label}:{kind}:{row.transaction_id}:{formatting.iso_utc(row.deadline)}", channel="",
            kind="deadline",
            subject=f"{PREFIX} {kind.capitalize()} deadline in {formatting.time_left(left).removesuffix(' left')}: "
                    f"PO {row.po}",
            text=f"The {kind} deadline for Walmart Customer Care refund {row.transaction_id} on PO {row.po} "
                 f"({_usd(row.charged)}) is {formatting.local_time(row.deadline, zone)} "
                 f"({formatting.time_left(left)}). State: {row.state.value}; {todo}.",
            created_at=now,
            details={"po": row.po, "transaction_id": row.transaction_id, "deadline": formatting.iso_utc(row.deadline),
                     "threshold_hours": label, "state": row.state.value},
        ))
    return alerts


def decision_alerts(changes: Iterable[CaseChange], po_of: dict[str, str], now: datetime, zone: str) -> list[AlertRecord]:
    alerts = []
    for change in changes:
        if change.status not in DECISIONS:
            continue
        po = po_of.get(change.case_id, "?")
        amount = f", {_usd(change.amount_reimbursed)} reimbursed" if change.amount_reimbursed is not None else ""
        alerts.append(AlertRecord(
            key=f"decision:{change.case_id}:{change.status.value}:{formatting.iso_utc(change.at)}", channel="",
            kind="decision",
            subject=f"{PREFIX} Dispute {change.case_id} {change.status.value.lower()}: PO {po}",
            text=f"Case {change.case_id} (PO {po}): {change.status.value} on "
                 f"{formatting.local_time(change.at, zone)}{amount}.",
            created_at=now,
            details={"case_id": change.case_id, "po": po, "status": change.status.value,
                     "at": formatting.iso_utc(change.at)},
        ))
    return alerts


def cycle_failed(started: datetime, reason: str, now: datetime) -> AlertRecord:
    return AlertRecord(
        key=f"cycle-failed:{formatting.iso_utc(started)}", channel="", kind="cycle_failed",
        subject=f"{PREFIX} A collector watch cycle failed",
        text=f"The cycle started {formatting.iso_utc(started)} failed: {reason[:200]}. It is retried on the next tick.",
        created_at=now, details={"started": formatting.iso_utc(started)},
    )
