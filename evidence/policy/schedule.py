"""Open deadlines across many refunds: what to file (or appeal) next, sorted by time left.

A refund is listed when a dispute can still be filed (verdict ``ready_to_file`` or
``needs_attention`` with the deadline ahead, or an unknown deadline) or, after a denial, while
its appeal window is open. Closed windows, not-disputable refunds and disputes under review are
left out. Pure: the cases and ``now`` in, rows out; the CLI reads the bundles and renders.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from evidence.models import RefundCase, Verdict
from evidence.policy.assess import assess
from evidence.policy.deadlines import format_local, format_time_left, seller_zone
from evidence.policy.model import Policy

__all__ = ["CSV_COLUMNS", "DeadlineEntry", "open_deadlines", "to_csv"]

CSV_COLUMNS = (
    "po",
    "transaction_id",
    "kind",
    "deadline_utc",
    "deadline_local",
    "time_left",
    "verdict",
    "policy",
    "amount",
    "basis",
    "bundle",
)


@dataclass(frozen=True)
class DeadlineEntry:
    bundle: str
    po: str
    transaction_id: str
    kind: str  # "dispute" or "appeal"
    deadline: datetime | None
    deadline_local: str
    basis: str
    verdict: str
    policy_id: str
    amount: str
    time_left: timedelta | None

    @property
    def uid(self) -> str:
        return f"{self.kind}-{self.transaction_id}-{self.po}@cc-refund-collector"

    @property
    def time_left_text(self) -> str:
        return "unknown" if self.time_left is None else format_time_left(self.time_left)


def open_deadlines(
    cases: Iterable[tuple[str, RefundCase]],
    policy_for: Callable[[RefundCase], Policy],
    now: datetime,
) -> list[DeadlineEntry]:
    """Rows for the refunds that can still be disputed or appealed, soonest first (unknown last)."""
    rows: list[DeadlineEntry] = []
    for bundle, case in cases:
        policy = policy_for(case)
        result = assess(case, policy, now)
        tz = seller_zone(case.seller.timezone)
        if result.verdict is Verdict.ALREADY_DISPUTED:
            if result.appeal_deadline is None or result.appeal_deadline <= now:
                continue
            kind, at, basis = "appeal", result.appeal_deadline, f"{policy.appeal_window.days} days from the denial"
        elif result.verdict in (Verdict.READY_TO_FILE, Verdict.NEEDS_ATTENTION):
            kind, at, basis = "dispute", result.deadline, result.deadline_basis or ""
        else:
            continue
        rows.append(
            DeadlineEntry(
                bundle=bundle,
                po=case.po,
                transaction_id=case.refund_transaction_id,
                kind=kind,
                deadline=at,
                deadline_local=format_local(at, tz) if at else "unknown",
                basis=basis,
                verdict=result.verdict.value,
                policy_id=policy.id,
                amount=str(case.refund.breakdown.net_payable),
                time_left=(at - now) if at else None,
            )
        )
    return sorted(rows, key=lambda r: (r.time_left is None, r.time_left or timedelta(0), r.po))


def to_csv(rows: Iterable[DeadlineEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.po,
                r.transaction_id,
                r.kind,
                r.deadline.isoformat().replace("+00:00", "Z") if r.deadline else "",
                r.deadline_local,
                r.time_left_text,
                r.verdict,
                r.policy_id,
                r.amount,
                r.basis,
                r.bundle,
            ]
        )
    return buffer.getvalue()
