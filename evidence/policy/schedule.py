"""Open deadlines across many refunds: what to file (or appeal) next, sorted by time left.

A refund is listed when a dispute can still be filed (verdict ``ready_to_file`` or
``needs_attention`` with the deadline ahead, or an unknown deadline) or, after a denial, while
its appeal window is open (or its end unknown: the decision date was not captured): the deadline
that matters next, as :func:`evidence.formatting.status` gives it to every surface. Closed
windows, not-disputable refunds and disputes under review are left out. Verdicts are written as
labels (``ready to file``). Pure: the cases and ``now`` in, rows out; the CLI reads the bundles and renders.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from evidence import formatting
from evidence.models import RefundCase
from evidence.policy.assess import assess
from evidence.policy.deadlines import seller_zone
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
        return formatting.UNKNOWN if self.time_left is None else formatting.time_left(self.time_left)


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
        # the deadline that matters next, as every other surface shows it (evidence.formatting)
        shown = formatting.status(result, now, seller_zone(case.seller.timezone))
        if not shown.open:
            continue  # closed, not disputable, under review or finally decided: nothing to file
        if shown.kind == "appeal":
            basis = f"{policy.appeal_window.days} days from the denial"
        else:
            basis = result.deadline_basis or ""
        rows.append(
            DeadlineEntry(
                bundle=bundle,
                po=case.po,
                transaction_id=case.refund_transaction_id,
                kind=shown.kind or "dispute",
                deadline=shown.at,
                deadline_local=shown.deadline,
                basis=basis,
                verdict=shown.verdict,
                policy_id=policy.id,
                amount=formatting.money(case.refund.breakdown.net_payable),
                time_left=(shown.at - now) if shown.at else None,
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
                formatting.iso_utc(r.deadline) if r.deadline else "",
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
