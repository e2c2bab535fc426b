"""``collector track``'s work: read the Disputes dashboard and the open cases, match each case to
its bundle, record every status change in the case store, and link store and bundle.

Reading (``read_cases``) drives the page objects in a short browser session of its own; recording
(``record_cases``) is pure bookkeeping on the store, so it is tested without a browser.

* A change is recorded with the site's time when the case page's History gives it, else the
  decision date (decisions), else the time it was first seen. The same change seen again is not
  recorded twice (the store keys changes by case, status and time).
* After a denial the appeal deadline is the policy's (30 days from the decision, in the seller's
  zone; ``evidence.policy.deadlines.appeal_deadline``), counted from the recorded decision.
* Sealed bundles are not rewritten: the link goes into the bundle's custody log (a ``filed`` entry
  naming the case id, the store's key, appended once; the log is outside the seal) and into the
  store (the bundle's path on the case).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import structlog

from collector.browser import in_own_thread
from collector.cases.bundles import BundleIndex, load_bundles
from collector.cases.store import CaseChange, CaseStore, TrackedCase
from collector.folders import BUNDLES_DIR
from collector.settings import CollectorSettings
from evidence.bundle import BundleError
from evidence.bundle.writer import record_filed
from evidence.bundle.reader import Bundle
from evidence.bundle.review_state import CASE_ID_DETAIL, filed_entry
from evidence.models import CaseStatus, DisputeCase, Money
from evidence.policy.deadlines import appeal_deadline, seller_zone
from evidence.policy.model import Policy

log = structlog.get_logger()

__all__ = ["ObservedCase", "ObservedEvent", "TrackResult", "read_cases", "record_cases", "track"]

DECISIONS = frozenset({CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.APPEAL_APPROVED, CaseStatus.APPEAL_DENIED})
ACTOR = "collector track"


@dataclass(frozen=True)
class ObservedEvent:
    status: CaseStatus
    at: datetime
    amount_reimbursed: Money | None = None


@dataclass(frozen=True)
class ObservedCase:
    """A case as read: the dashboard row (merged with the case page when it was opened), and the
    case page's History (None: the page was not opened, the case being final in the store)."""

    case: DisputeCase
    history: list[ObservedEvent] | None = None


@dataclass
class TrackResult:
    cases: int = 0
    pages_read: int = 0
    changes: list[CaseChange] = field(default_factory=list)  # newly recorded, oldest first
    linked: list[tuple[str, str]] = field(default_factory=list)  # (case id, bundle) newly linked
    unmatched: list[str] = field(default_factory=list)  # case ids with no bundle in the folder


def _amount(value: Money | None) -> Decimal | None:
    return value.amount if value is not None else None


def _denied_at(observed: ObservedCase, prior: TrackedCase | None) -> datetime | None:
    """The time of the latest denial: the History's, else the dashboard's decision date."""
    if observed.history:
        denials = [e.at for e in observed.history if e.status is CaseStatus.DENIED]
        if denials:
            return denials[-1]
    if observed.case.status is CaseStatus.DENIED:
        return observed.case.decision_at
    return prior.decision_at if prior is not None and prior.status is CaseStatus.DENIED else None


def _link(bundle: Bundle, case_id: str, now: datetime) -> bool:
    """A ``filed`` custody entry naming the case (the store's key), once; no re-seal. Through
    ``record_filed``, which holds the bundle's lock and refuses a bundle that does not verify."""
    entry = filed_entry(bundle)
    if entry is not None and entry.details.get(CASE_ID_DETAIL) == case_id:
        return False
    record_filed(bundle.path, case_id, ACTOR, clock=lambda: now)
    return True


def record_cases(
    store: CaseStore,
    observed: list[ObservedCase],
    bundles: BundleIndex,
    now: datetime,
    policy_for: Callable[[datetime], Policy],
    timezone: str,
) -> TrackResult:
    """Record what was read; ``policy_for(issued_at)`` picks the policy of a refund."""
    tz = seller_zone(timezone)
    result = TrackResult(cases=len(observed))
    for seen in observed:
        c = seen.case
        prior = store.case(c.case_id)
        bundle = bundles.match(c.case_id, c.po, c.transaction_id or (prior.transaction_id if prior else None))
        candidates = [CaseChange(c.case_id, CaseStatus.SUBMITTED, c.submitted_at, now, source="dashboard")]
        if seen.history:
            candidates += [CaseChange(c.case_id, e.status, e.at, now, _amount(e.amount_reimbursed), "history")
                           for e in seen.history]
        elif prior is None or prior.status is not c.status or prior.amount_reimbursed != _amount(c.amount_reimbursed):
            at = c.decision_at if c.status in DECISIONS and c.decision_at else now
            candidates.append(CaseChange(c.case_id, c.status, at, now, _amount(c.amount_reimbursed), "dashboard"))
        if prior is None:  # the store is new to the case: record it before its changes
            store.save_case(TrackedCase(c.case_id, c.po, c.transaction_id, c.type, c.submitted_at, c.status,
                                        first_seen_at=now))
        for change in candidates:
            if store.add_change(change) and not (change.status is CaseStatus.SUBMITTED and prior is not None):
                result.changes.append(change)
        deadline = prior.appeal_deadline if prior is not None else None
        denied_at = _denied_at(seen, prior)
        if denied_at is not None:
            issued = bundle.case.refund.issued_at if bundle is not None else c.submitted_at
            decided = DisputeCase(case_id=c.case_id, po=c.po, type=c.type, submitted_at=c.submitted_at,
                                  status=CaseStatus.DENIED, decision_at=denied_at)
            found = appeal_deadline(decided, policy_for(issued), tz)
            deadline = found.at if found is not None else None
        try:
            if bundle is not None and _link(bundle, c.case_id, now):
                result.linked.append((c.case_id, str(bundle.path)))
        except (OSError, BundleError) as exc:  # read-only, or not intact: the store still records the case
            log.warning("track.link_failed", case_id=c.case_id, bundle=str(bundle.path) if bundle else None,
                        error=f"{type(exc).__name__}: {str(exc)[:200]}")
        if bundle is None:
            result.unmatched.append(c.case_id)
        if seen.history is not None:
            result.pages_read += 1
        store.save_case(TrackedCase(
            case_id=c.case_id, po=c.po, transaction_id=c.transaction_id or (prior.transaction_id if prior else None)
            or (bundle.case.refund_transaction_id if bundle is not None else None),
            type=c.type, submitted_at=c.submitted_at, status=c.status, decision_at=c.decision_at,
            amount_reimbursed=_amount(c.amount_reimbursed), appeal_deadline=deadline,
            bundle=str(bundle.path) if bundle is not None else (prior.bundle if prior else None),
            first_seen_at=prior.first_seen_at if prior else now, checked_at=now,
            messages=len(c.messages) if seen.history is not None else (prior.messages if prior else 0),
        ))
    result.changes.sort(key=lambda ch: (ch.at, ch.case_id))
    log.info("track.recorded", cases=result.cases, pages=result.pages_read, changes=len(result.changes),
             linked=len(result.linked), unmatched=len(result.unmatched))
    return result


@in_own_thread
def read_cases(settings: CollectorSettings, skip_page: Callable[[DisputeCase], bool]) -> list[ObservedCase]:
    """Every case on the Disputes dashboard (all pages); the case page of each one ``skip_page``
    does not exclude (its facts, messages and History)."""
    from collector.retry import RetryPolicy
    from collector.settings import connected_browser, context_options_for
    from pages import CasePage, DisputesDashboard

    retry = RetryPolicy(settings.retry_attempts, settings.retry_initial_wait_s, settings.retry_max_wait_s)
    timeout = settings.action_timeout_s * 1000
    with connected_browser(settings, settings.browser_endpoint) as browser:  # a remote browser server when set
        context = browser.new_context(**context_options_for(settings, storage_state=settings.session_path))
        page = context.new_page()
        rows = retry.call(lambda: DisputesDashboard.open(page, tz=settings.seller_timezone, timeout=timeout)
                          .read_all(), step="track.dashboard")
        observed = []
        for row in rows:
            if skip_page(row):
                observed.append(ObservedCase(row))
                continue

            def read(case_id: str = row.case_id) -> ObservedCase:
                screen = CasePage.open_case(page, case_id, tz=settings.seller_timezone, timeout=timeout)
                full = screen.read()
                events = [ObservedEvent(e.status, e.at, e.amount_reimbursed) for e in screen.read_history()]
                return ObservedCase(full, events)

            observed.append(retry.call(read, step="track.case"))
    log.info("track.read", cases=len(observed), at=datetime.now(UTC).isoformat())
    return observed


def track(settings: CollectorSettings, out: Path, store: CaseStore, now: datetime | None = None, *,
          check_session: bool = True) -> TrackResult:
    """One tracking pass over an output folder: read the site, record, link (``now``: the clock).
    ``check_session=False`` when the caller has just made sure of it (a watch cycle's job)."""
    from collector.session import ensure_session
    from evidence.policy import default_registry

    if check_session:
        ensure_session(settings)
    registry = default_registry()
    final = {c.case_id for c in store.cases() if c.final}
    observed = read_cases(settings, lambda row: row.case_id in final)
    bundles = load_bundles(out / BUNDLES_DIR)
    for problem in bundles.problems:
        log.warning("track.bundle_unreadable", problem=problem)

    def policy_for(issued_at: datetime) -> Policy:
        return registry.select(policy_id=settings.policy_id, issued_at=issued_at, timezone=settings.seller_timezone)

    return record_cases(store, observed, bundles, now or datetime.now(UTC), policy_for, settings.seller_timezone)
