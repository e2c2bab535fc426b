"""Where every refund of an output folder stands, from its bundle (review, assessment) and the
case store (the dispute as tracked): one state, the deadline that matters next, and the money.

States, in the order a refund goes through them:

==================  ==========================================================================
to review           collected; no approval yet (also: needs evidence, an approval gone stale)
approved            a reviewer approved it to file; not filed yet
rejected            a reviewer decided not to file it
filed               the dispute was submitted (case Submitted, or a filed link and nothing tracked yet)
in review           the case is In review
appealed            an appeal was submitted after a denial (Appeal submitted)
won                 approved (or appeal approved) for the whole refund
partly won          approved for less than the refund
denied              denied, and the appeal window has closed (or appeals are not allowed)
appeal open         denied, appeal window open (until the recorded decision + the policy's days)
appeal denied       the appeal was denied (final)
window missed       never filed, and the dispute window has closed
not disputable      the policy says it cannot be disputed
==================  ==========================================================================

Money (dollars): *charged* is the refund's net payable (what Walmart took); *disputed* the charge
of every refund with a dispute; *reimbursed* what the cases say was paid back; *lost to missed
windows* the charge of the refunds in ``window missed``. Totals by ISO week and by month of the
refund's issue date in the seller's zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from collector.cases.bundles import BundleIndex
from collector.cases.store import TrackedCase
from evidence import formatting
from evidence.bundle.reader import Bundle
from evidence.bundle.review_state import ReviewState, review_state
from evidence.models import CaseStatus, Verdict
from evidence.policy.assess import assess
from evidence.policy.deadlines import seller_zone
from evidence.policy.model import Policy

__all__ = ["PeriodTotals", "RefundRow", "RefundState", "money_by_period", "refund_rows", "state_counts"]


class RefundState(StrEnum):
    TO_REVIEW = "to review"
    APPROVED = "approved"
    REJECTED = "rejected"
    FILED = "filed"
    IN_REVIEW = "in review"
    APPEALED = "appealed"
    WON = "won"
    PARTLY_WON = "partly won"
    DENIED = "denied"
    APPEAL_OPEN = "appeal open"
    APPEAL_DENIED = "appeal denied"
    WINDOW_MISSED = "window missed"
    NOT_DISPUTABLE = "not disputable"


# Something can still be done about these (deadline alerts, the calendar): all other states are
# filed, decided or closed.
ACTIONABLE = frozenset({RefundState.TO_REVIEW, RefundState.APPROVED, RefundState.APPEAL_OPEN})
ZERO = Decimal("0.00")


@dataclass
class RefundRow:
    po: str
    transaction_id: str
    state: RefundState
    issued_at: datetime
    case_id: str | None = None
    case_status: str | None = None
    deadline_kind: str | None = None  # "dispute" or "appeal": the deadline that matters next
    deadline: datetime | None = None
    charged: Decimal | None = None
    disputed: Decimal = ZERO
    reimbursed: Decimal = ZERO
    lost: Decimal = ZERO
    bundle: str | None = None
    # for the calendar: both deadlines when known (an event stays, CANCELLED, once filed or closed)
    dispute_deadline: datetime | None = None
    appeal_deadline: datetime | None = None
    verdict: str = ""  # the assessment's verdict label
    policy_id: str = ""
    basis: str = ""  # what the dispute deadline is counted from

    def state_text(self, zone: str) -> str:
        if self.state is RefundState.APPEAL_OPEN and self.deadline is not None:
            return f"appeal open until {formatting.local_time(self.deadline, zone)}"
        return self.state.value

    def as_json(self, now: datetime, zone: str) -> dict[str, object]:
        data = asdict(self)
        data.update(
            state=self.state.value, state_text=self.state_text(zone), issued_at=formatting.iso_utc(self.issued_at),
            deadline=formatting.iso_utc(self.deadline) if self.deadline else None,
            deadline_local=formatting.local_time(self.deadline, zone) if self.deadline else None,
            time_left=formatting.time_left(self.deadline - now) if self.deadline else None,
        )
        for key in ("charged", "disputed", "reimbursed", "lost"):
            data[key] = str(data[key]) if data[key] is not None else None
        for key in ("dispute_deadline", "appeal_deadline"):
            data[key] = formatting.iso_utc(data[key]) if data[key] is not None else None
        return data


def _from_case(case: TrackedCase, charged: Decimal | None, now: datetime) -> RefundState:
    status = case.status
    if status is CaseStatus.SUBMITTED:
        return RefundState.FILED
    if status is CaseStatus.IN_REVIEW:
        return RefundState.IN_REVIEW
    if status is CaseStatus.APPEAL_SUBMITTED:
        return RefundState.APPEALED
    if status is CaseStatus.APPEAL_DENIED:
        return RefundState.APPEAL_DENIED
    if status is CaseStatus.DENIED:
        return RefundState.APPEAL_OPEN if case.appeal_deadline and now < case.appeal_deadline else RefundState.DENIED
    reimbursed = case.amount_reimbursed or ZERO  # Approved, Appeal approved, Closed
    if reimbursed <= 0:
        return RefundState.DENIED
    return RefundState.PARTLY_WON if charged is not None and reimbursed < charged else RefundState.WON


def _case_for(bundle: Bundle, cases: list[TrackedCase]) -> TrackedCase | None:
    txn, path = bundle.case.refund_transaction_id, str(bundle.path)
    captured = {bundle.case.refund.dispute.case_id, bundle.case.dispute_case.case_id if bundle.case.dispute_case else None}
    return next((c for c in cases if c.transaction_id == txn or c.bundle == path or c.case_id in captured), None)


def _bundle_row(bundle: Bundle, case: TrackedCase | None, policy: Policy, now: datetime) -> RefundRow:
    refund = bundle.case.refund
    charged = abs(refund.breakdown.net_payable.amount)
    row = RefundRow(po=bundle.case.po, transaction_id=bundle.case.refund_transaction_id, state=RefundState.TO_REVIEW,
                    issued_at=refund.issued_at, charged=charged, bundle=str(bundle.path))
    result = assess(bundle.case, policy, now)
    shown = formatting.status(result, now, seller_zone(bundle.case.seller.timezone))
    row.dispute_deadline, row.appeal_deadline = result.deadline, result.appeal_deadline
    row.verdict, row.policy_id, row.basis = shown.verdict, policy.id, result.deadline_basis or ""
    review = review_state(bundle)
    captured_case = bundle.case.dispute_case
    if case is None and captured_case is not None:  # not tracked: the case as captured with the bundle
        case = TrackedCase(
            captured_case.case_id, captured_case.po, captured_case.transaction_id, captured_case.type,
            captured_case.submitted_at, captured_case.status, captured_case.decision_at,
            captured_case.amount_reimbursed.amount if captured_case.amount_reimbursed else None,
            appeal_deadline=result.appeal_deadline)
    if case is not None:
        row.state = _from_case(case, charged, now)
        row.case_id, row.case_status = case.case_id, case.status.value
        row.reimbursed = case.amount_reimbursed or ZERO
        row.appeal_deadline = case.appeal_deadline or row.appeal_deadline
        if row.state is RefundState.APPEAL_OPEN:
            row.deadline_kind, row.deadline = "appeal", case.appeal_deadline
    elif review is ReviewState.FILED or refund.dispute.case_id:
        row.state = RefundState.FILED  # filed, not tracked yet
        row.case_id = refund.dispute.case_id
    elif result.verdict is Verdict.NOT_DISPUTABLE:
        row.state = RefundState.NOT_DISPUTABLE
    elif review is ReviewState.REJECTED:
        row.state = RefundState.REJECTED
    elif shown.kind == "dispute" and shown.at is not None and not shown.open:
        row.state = RefundState.WINDOW_MISSED
        row.lost = charged
    else:
        row.state = RefundState.APPROVED if review is ReviewState.APPROVED else RefundState.TO_REVIEW
        row.deadline_kind, row.deadline = "dispute", shown.at
    if row.case_id is not None:
        row.disputed = charged
    return row


def refund_rows(bundles: BundleIndex, cases: list[TrackedCase], now: datetime,
                policy_for: Callable[[Bundle], Policy]) -> list[RefundRow]:
    """One row per refund (newest bundle), plus one per tracked case with no bundle; soonest
    deadline first, then the rest by issue date, newest first."""
    rows: list[RefundRow] = []
    matched: set[str] = set()
    for bundle in bundles.bundles.values():
        case = _case_for(bundle, cases)
        if case is not None:
            matched.add(case.case_id)
        rows.append(_bundle_row(bundle, case, policy_for(bundle), now))
    for case in cases:
        if case.case_id in matched:
            continue
        row = RefundRow(po=case.po, transaction_id=case.transaction_id or "", state=_from_case(case, None, now),
                        issued_at=case.submitted_at, case_id=case.case_id, case_status=case.status.value,
                        reimbursed=case.amount_reimbursed or ZERO, appeal_deadline=case.appeal_deadline)
        if row.state is RefundState.APPEAL_OPEN:
            row.deadline_kind, row.deadline = "appeal", case.appeal_deadline
        rows.append(row)
    ahead = sorted((r for r in rows if r.deadline and r.deadline > now), key=lambda r: (r.deadline, r.po))
    rest = sorted((r for r in rows if not (r.deadline and r.deadline > now)),
                  key=lambda r: (r.issued_at, r.po), reverse=True)
    return ahead + rest


def state_counts(rows: Iterable[RefundRow]) -> dict[str, int]:
    counts = {state.value: 0 for state in RefundState}
    for row in rows:
        counts[row.state.value] += 1
    return counts


@dataclass
class PeriodTotals:
    period: str  # "2026-W48" or "2026-11"
    refunds: int = 0
    charged: Decimal = ZERO
    disputed: Decimal = ZERO
    reimbursed: Decimal = ZERO
    lost: Decimal = ZERO
    unknown_charges: int = field(default=0)  # tracked cases without a bundle: their charge is not known

    def as_json(self) -> dict[str, object]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


def _period(moment: datetime, zone: str, by: str) -> str:
    local = moment.astimezone(seller_zone(zone))
    if by == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local.year}-{local.month:02d}"


def money_by_period(rows: Iterable[RefundRow], zone: str, by: str) -> list[PeriodTotals]:
    """Totals per ISO week (``by="week"``) or month (``"month"``) of issue, oldest first; the
    whole as the last entry (period ``"total"``)."""
    totals: dict[str, PeriodTotals] = {}
    whole = PeriodTotals("total")
    for row in rows:
        key = _period(row.issued_at, zone, by)
        for t in (totals.setdefault(key, PeriodTotals(key)), whole):
            t.refunds += 1
            if row.charged is None:
                t.unknown_charges += 1
            else:
                t.charged += row.charged
            t.disputed += row.disputed
            t.reimbursed += row.reimbursed
            t.lost += row.lost
    return [totals[k] for k in sorted(totals)] + [whole]
