"""What the review app's pages show, built from the bundles (no web code here).

The queue: the current version of every refund in the folder, open ones first by the time left
*now* (counted at each request, not when the bundles were written), with verdict, amount and
review state, and counts and dollars per state. The refund page reuses the report's pieces
(findings with links to what they cite, the e-mail timeline with reply times) so both read alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from evidence import formatting
from evidence.bundle import Bundle, BundleError, read_bundle
from evidence.bundle.index import bundle_folders
from evidence.bundle.layout import bundle_key
from evidence.bundle.review_state import ReviewState, review_state
from evidence.models import Money
from evidence.report.render import _EvidenceLinks, _finding_groups, _timeline, anchor

STATE_LABELS = {
    ReviewState.TO_REVIEW: "to review",
    ReviewState.APPROVED: "approved",
    ReviewState.REJECTED: "rejected",
    ReviewState.NEEDS_EVIDENCE: "needs evidence",
    ReviewState.FILED: "filed",
    ReviewState.APPROVAL_STALE: "approval stale",
}
STATE_ORDER = list(STATE_LABELS)


def state_label(state: ReviewState) -> str:
    return STATE_LABELS[state]


@dataclass(frozen=True)
class QueueRow:
    name: str
    po: str
    transaction_id: str
    amount: str
    money: Money
    state: ReviewState
    status: formatting.Status
    verdict: str  # the verdict's value (filter key), "" when not assessed
    timezone: str
    tracked: str = ""  # the state ``collector status`` and the index show, when the case store knows more

    @property
    def state_label(self) -> str:
        return state_label(self.state)


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]  # filtered, in order
    counts: list[dict[str, object]]  # per review state: label, key, count, amount (all rows)
    verdicts: list[tuple[str, str]]  # (value, label) present in the folder
    total: int
    unreadable: list[str]  # folders that are not readable bundles
    superseded: int


def load_bundles(folder: Path) -> tuple[list[Bundle], list[str], int]:
    """The latest version of each refund (older versions counted), and unreadable folder names."""
    latest: dict[str, Bundle] = {}
    unreadable, total = [], 0
    for path in bundle_folders(folder):
        try:
            bundle = read_bundle(path)
        except BundleError:
            unreadable.append(path.name)
            continue
        total += 1
        key = bundle_key(bundle.case.po, bundle.case.refund_transaction_id)
        if key not in latest or latest[key].manifest.version < bundle.manifest.version:
            latest[key] = bundle
    return list(latest.values()), unreadable, total - len(latest)


def tracked_states(folder: Path, now: datetime, bundles: list[Bundle]) -> dict[str, str]:
    """Bundle name -> the dispute state the case store records (``collector track``: in review,
    won, denied, appeal open until ...), in the words of ``collector status`` and the index page;
    {} when ``folder`` is not an output folder's bundles or nothing is tracked there. ``bundles``:
    the newest bundle of each refund, already read by the queue."""
    from collector.cases import store_path
    from collector.cases.bundles import BundleIndex
    from collector.cases.overview import index_states
    from collector.folders import BUNDLES_DIR

    out = folder.parent
    if folder.name != BUNDLES_DIR or not store_path(out).is_file():
        return {}
    index = BundleIndex({bundle_key(b.case.po, b.case.refund_transaction_id): b for b in bundles})
    return index_states(out, now, bundles=index)


def queue_row(bundle: Bundle, now: datetime, tracked: str = "") -> QueueRow:
    case = bundle.case
    assessment = case.assessment
    return QueueRow(
        name=bundle.name, po=case.po, transaction_id=case.refund_transaction_id,
        amount=formatting.money(case.refund.breakdown.net_payable), money=case.refund.breakdown.net_payable,
        state=review_state(bundle), status=formatting.status(assessment, now, case.seller.timezone),
        verdict=assessment.verdict.value if assessment else "", timezone=case.seller.timezone,
        tracked=tracked if tracked.casefold() != state_label(review_state(bundle)).casefold() else "",
    )  # fmt: skip


def build_queue(folder: Path, now: datetime, state: str = "", verdict: str = "", q: str = "") -> Queue:
    bundles, unreadable, superseded = load_bundles(folder)
    tracked = tracked_states(folder, now, bundles)
    rows = sorted((queue_row(b, now, tracked.get(b.name, "")) for b in bundles), key=lambda r: formatting.urgency(r.status, now, r.name))
    counts = []
    for key in STATE_ORDER:
        chosen = [r for r in rows if r.state is key]
        counts.append({
            "key": key.value, "label": state_label(key), "count": len(chosen),
            "amount": formatting.money_total(r.money for r in chosen) if chosen else formatting.money_total([]),
        })  # fmt: skip
    verdicts = sorted({(r.verdict, r.status.verdict) for r in rows}, key=lambda v: v[1])
    needle = q.strip().casefold()
    shown = [
        r for r in rows
        if (not state or r.state.value == state) and (not verdict or r.verdict == verdict)
        and (not needle or needle in r.po.casefold() or needle in r.transaction_id.casefold())
    ]  # fmt: skip
    return Queue(shown, counts, verdicts, len(rows), unreadable, superseded)


def refund_context(bundle: Bundle, now: datetime) -> dict[str, object]:
    """The refund page's data: status now, findings with evidence links, timeline, screenshots."""
    case = bundle.case
    assessment = case.assessment
    files = set(bundle.files())
    links = _EvidenceLinks(case, files)
    checks = {check.inbound_message_id: check for check in case.reply_checks}
    replies = {c.reply_message_id: c for c in checks.values() if c.reply_message_id}
    shots = [
        {"capture": c, "id": anchor("capture", c.screen),
         "screenshot": c.screenshot if c.screenshot in files else None,
         "snapshot": c.snapshot if c.snapshot in files else None}
        for c in case.captures
    ]  # fmt: skip
    # One figure per screen id: the first capture of a screen is the one evidence links point at.
    seen: set[str] = set()
    for shot in shots:
        shot["first"] = shot["id"] not in seen
        seen.add(str(shot["id"]))
    return {
        "status": formatting.status(assessment, now, case.seller.timezone),
        "state": review_state(bundle),
        "finding_groups": _finding_groups(assessment.findings if assessment else [], links),
        "timeline": _timeline(case, checks, replies, files),
        "screenshots": shots,
        "attachable": [p for p in bundle.files() if p.startswith(("added/", "captures/", "emails/"))
                       and not p.endswith((".html", ".zip", ".wacz"))],  # fmt: skip
    }
