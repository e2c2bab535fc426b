"""The review queue shows what ``collector track`` recorded about a filed refund's dispute, in the
same words as ``collector status`` and the index page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from collector.cases import SqliteCaseStore, TrackedCase
from collector.review.server import Running
from collector.review.views import build_queue
from evidence.bundle.example import PO, TRANSACTION
from evidence.models import CaseStatus
from tests.review.conftest import NOW
from tests.review.test_review_security import request

SUBMITTED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def _track(bundles: Path, status: CaseStatus) -> None:
    with SqliteCaseStore(bundles.parent / ".collector" / "cases.sqlite") as store:
        store.save_case(TrackedCase("5900000001", PO, TRANSACTION, "Customer Care refund", SUBMITTED, status))


def _row(bundles: Path):  # noqa: ANN202
    (row,) = [r for r in build_queue(bundles, NOW).rows if r.transaction_id == TRANSACTION]
    return row


def test_a_tracked_dispute_state_is_shown_next_to_the_review_state(review_app: Running, bundles: Path) -> None:
    assert _row(bundles).tracked == ""  # nothing tracked yet
    _track(bundles, CaseStatus.APPEAL_SUBMITTED)
    assert _row(bundles).tracked == "appealed"
    page = request(review_app, "GET", "/").read_body.decode()  # type: ignore[attr-defined]
    assert 'title="dispute (collector track)">appealed</span>' in page


def test_a_folder_that_is_not_an_output_folder_shows_no_tracked_state(tmp_path: Path, bundles: Path) -> None:
    _track(bundles, CaseStatus.APPROVED)
    moved = tmp_path / "elsewhere"
    bundles.rename(moved)
    assert all(r.tracked == "" for r in build_queue(moved, NOW).rows)
