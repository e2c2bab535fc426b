"""``collector file`` against the mock: stops at Review without --submit; with --submit and a
current approval the case appears on the Disputes dashboard and in the bundle's custody; a stale
approval is refused and nothing is filed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from collector.commands.packet import packet  # noqa: F401 - the command module imports cleanly
from evidence.bundle import read_bundle, write_bundle
from evidence.bundle.custody import CustodyEvent
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock
from evidence.models import DisputeState, EvidenceKind, RefundCase
from evidence.review import REASONS, add_evidence_and_reassess, approve
from fixtures.site import MockSite
from pages import DisputesDashboard
from tests.e2e.conftest import collector_env, run_collector
from tests.pages.conftest import refund_state, refunds

pytestmark = pytest.mark.slow
TEXT = "The customer was answered within 3 hours with tracking and a replacement offer."


def _case_for(site: MockSite, po: str, transaction_id: str) -> RefundCase:
    case = example_case()
    url = f"{site.url}/transactions?q={po}&type=All"
    return case.model_copy(update={
        "po": po, "refund_transaction_id": transaction_id, "order": case.order.model_copy(update={"po": po}),
        "refund": case.refund.model_copy(update={"po": po, "transaction_id": transaction_id}),
        "captures": [c.model_copy(update={"url": url}) for c in case.captures], "source_urls": [url],
    })  # fmt: skip


def _approved_bundle(site: MockSite, folder: Path, po: str, transaction_id: str) -> Path:
    path = write_bundle(folder, _case_for(site, po, transaction_id), example_artifacts(), example_context(),
                        clock=fixed_clock).path  # fmt: skip
    approve(path, "Ann Reviewer", text=TEXT, reason=REASONS[0], attachments=["captures/01-refund-details.png"])
    return path


def test_file_stops_at_review_submits_with_a_current_approval_and_refuses_a_stale_one(
    site: MockSite, signed_in_page: Any, tmp_path: Path
) -> None:
    open_refunds = [(o, t) for o, t in refunds(site.scenario) if refund_state(site.scenario, t) is DisputeState.OPEN]
    (order, txn), (stale_order, stale_txn) = open_refunds[0], open_refunds[1]
    env = collector_env(site, tmp_path / "data")
    filed_before = len(site.book.all())

    bundle = _approved_bundle(site, tmp_path / "bundles", order.po, txn.transaction_id)
    stopped = run_collector(["file", str(bundle), "--headless", "--no-wait"], env, tmp_path, timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert "Stopped at Review" in stopped.stdout
    assert len(site.book.all()) == filed_before
    assert [e.event for e in read_bundle(bundle).custody][-1] is CustodyEvent.REVIEWED

    filed = run_collector(["file", str(bundle), "--submit", "--headless"], env, tmp_path, timeout=120)
    assert filed.returncode == 0, filed.stderr
    last = read_bundle(bundle).custody[-1]
    assert last.event is CustodyEvent.FILED and last.actor
    case_id = last.details["case_id"]
    assert f"case ID {case_id}" in filed.stdout
    cases = DisputesDashboard.open(signed_in_page, tz=site.scenario.seller.timezone).search(case_id)
    assert [(c.case_id, c.po) for c in cases] == [(case_id, order.po)]
    dispute = site.book.case(case_id)
    assert dispute is not None
    assert TEXT in dispute.messages[0].body and "01-refund-details.png" in dispute.messages[0].body

    stale = _approved_bundle(site, tmp_path / "bundles", stale_order.po, stale_txn.transaction_id)
    add_evidence_and_reassess(stale, b"called the customer", "call.txt", EvidenceKind.CALL_NOTE, "Ann Reviewer")
    refused = run_collector(["file", str(stale), "--submit", "--headless"], env, tmp_path, timeout=120)
    assert refused.returncode == 1
    assert refused.stderr.strip() == "error: not filed: the evidence changed after the approval: approve again"
    assert len(site.book.all()) == filed_before + 1
    assert site.book.for_transaction(stale_txn.transaction_id) is None
