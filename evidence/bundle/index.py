"""``index.html`` over a folder of bundles: open refunds first by deadline, each linking its report.

The page opens with counts and amounts per verdict; each row shows the verdict, the deadline that
matters next (an open appeal after a denial) and the time left, written by ``evidence.formatting``
like every other surface.

``write_index(folder, clock)`` is what the collector calls after a job; ``collector index FOLDER``
does the same by hand. Every bundle is verified while the index is built (the Integrity column),
older versions of a refund are marked superseded and listed last, and a folder that is not a
readable bundle is listed with its problem instead of being skipped silently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from evidence import formatting
from evidence.bundle.errors import BundleError, BundleNotFound
from evidence.bundle.layout import bundle_key
from evidence.bundle.manifest import Clock, utc_now
from evidence.bundle.reader import read_bundle
from evidence.bundle.review_state import ReviewState, review_state
from evidence.bundle.verify import is_bundle_dir, verify_bundle
from evidence.bundle.writer import replace_file
from evidence.report import IndexRow, render_index

INDEX = "index.html"
# Without a state from the caller, the review state, in the words `collector status` uses.
REVIEW_STATE_TEXT = {
    ReviewState.TO_REVIEW: "to review", ReviewState.NEEDS_EVIDENCE: "to review",
    ReviewState.APPROVAL_STALE: "to review", ReviewState.APPROVED: "approved", ReviewState.REJECTED: "rejected",
    ReviewState.FILED: "filed",
}


def bundle_folders(folder: Path) -> list[Path]:
    """The bundle folders directly inside ``folder`` (staging, hidden and unrelated folders ignored)."""
    return sorted(child for child in folder.iterdir() if is_bundle_dir(child))


def index_rows(folder: Path, states: Mapping[str, str] | None = None) -> list[IndexRow]:
    """``states``: bundle folder name -> the refund's state (the collector's, from its case store);
    a bundle it does not name shows its review state."""
    rows: list[IndexRow] = []
    latest: dict[str, int] = {}
    for path in bundle_folders(folder):
        problems = len(verify_bundle(path).problems)
        try:
            bundle = read_bundle(path)
        except BundleError:
            rows.append(
                IndexRow(path.name, f"{path.name}/report.html", "?", "?", "?", "UTC", None, None, max(problems, 1))
            )
            continue
        case = bundle.case
        assessment = case.assessment
        key = bundle_key(case.po, case.refund_transaction_id)
        latest[key] = max(latest.get(key, 0), bundle.manifest.version)
        rows.append(
            IndexRow(
                name=bundle.name,
                report_href=f"{path.name}/report.html",
                po=case.po,
                transaction_id=case.refund_transaction_id,
                amount=formatting.money(case.refund.breakdown.net_payable),
                timezone=case.seller.timezone,
                verdict=assessment.verdict.value if assessment else None,
                deadline=assessment.deadline if assessment else None,
                problems=problems,
                assessment=assessment,
                money=case.refund.breakdown.net_payable,
                state=(states or {}).get(path.name) or REVIEW_STATE_TEXT[review_state(bundle)],
            )
        )
    return [_mark_superseded(row, latest) for row in rows]


def _mark_superseded(row: IndexRow, latest: dict[str, int]) -> IndexRow:
    key, _, version = row.name.rpartition("_v")
    if version.isdigit() and key in latest and int(version) < latest[key]:
        return dataclasses.replace(row, superseded=True)
    return row


def write_index(folder: Path, clock: Clock = utc_now, *, now: datetime | None = None,
                states: Mapping[str, str] | None = None) -> Path:
    """Write ``folder/index.html`` (atomically) and return its path.

    ``now`` is when "time left" is counted from (default: the generation time); the demo passes
    its scenario's clock so the index agrees with the screens it was collected from."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BundleNotFound("no such folder", folder)
    target = folder / INDEX
    replace_file(target, render_index(index_rows(folder, states), clock(), now=now).encode("utf-8"))
    return target
