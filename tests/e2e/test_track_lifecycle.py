"""End to end: a dispute followed to its outcome on the mock, the scenario clock advanced between
`collector track` runs: submitted -> in review -> denied -> appealed -> appeal approved. The store
and `collector status --json` show each step, the appeal deadline and the amount reimbursed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cases import open_store
from collector.cases.track import track
from collector.cli import app
from collector.inputs import InputBatch
from collector.jobs import JobRequest, run_job
from collector.progress import QuietProgress
from evidence.bundle import read_bundle, verify_path
from evidence.bundle.review_state import ReviewState, review_state
from evidence.models import CaseStatus
from evidence.policy.deadlines import day_count_deadline, seller_zone
from evidence.policy.model import DateBoundary
from fixtures.scenario import ScenarioCaseMessage, ScenarioDisputeEvent, load_scenario
from fixtures.site import MockSite
from tests.e2e.conftest import save_signed_in_session, settings_for
from tests.fixtures.helpers import MINIMAL, OPEN_PO, OPEN_TXN

pytestmark = pytest.mark.slow


@pytest.fixture
def mini_site() -> Iterator[MockSite]:
    """A mock of its own (the clock is moved): the small scenario."""
    with MockSite(load_scenario(MINIMAL)) as running:
        yield running


def _status(out: Path, now: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["status", str(out), "--json", "--now", now])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_dispute_is_tracked_from_submitted_to_appeal_approved(mini_site: MockSite, tmp_path: Path) -> None:
    site, out = mini_site, tmp_path / "out"
    settings = settings_for(site, tmp_path / "data", concurrency=1)
    save_signed_in_session(site, settings)
    job = run_job(settings, JobRequest(orders=InputBatch(pos=[OPEN_PO], source="test")), out, progress=QuietProgress())
    assert job.exit_code == 0
    [bundle_dir] = [p for p in (out / "bundles").iterdir() if p.is_dir()]

    # The seller files through the form; Walmart's answers are scripted on the scenario clock.
    order, txn = site.data.find_transaction(OPEN_TXN)  # type: ignore[misc]
    case = site.book.file(order, txn, "Item delivered", "Delivered with photo proof on Nov 24.", [])
    t0 = site.scenario.clock.now
    denied_at = t0 + timedelta(days=5)
    site.book.add_history(
        case.case_id,
        ScenarioDisputeEvent(status=CaseStatus.IN_REVIEW, at=t0 + timedelta(days=1)),
        ScenarioDisputeEvent(status=CaseStatus.DENIED, at=denied_at),
        ScenarioDisputeEvent(status=CaseStatus.APPEAL_SUBMITTED, at=t0 + timedelta(days=7)),
        ScenarioDisputeEvent(status=CaseStatus.APPEAL_APPROVED, at=t0 + timedelta(days=15),
                             amount_reimbursed=Decimal("20.00")),
        messages=(ScenarioCaseMessage(author="Partner Support", sent_at=t0 + timedelta(days=15, minutes=5),
                                      body="Your appeal was approved; a partial reimbursement was issued."),),
    )
    charged = abs(txn.net_payable)
    tz = seller_zone(site.scenario.seller.timezone)
    appeal_deadline = day_count_deadline(denied_at.astimezone(tz).date(), 30, DateBoundary.END_OF_DAY, tz)

    expected = [  # (advance to, status on the site, state in `collector status`)
        (timedelta(0), "Submitted", "filed"),
        (timedelta(days=1, hours=1), "In review", "in review"),
        (timedelta(days=5, hours=1), "Denied", "appeal open"),
        (timedelta(days=7, hours=1), "Appeal submitted", "appealed"),
        (timedelta(days=15, hours=1), "Appeal approved", "partly won"),
    ]
    with open_store(out) as store:
        for offset, site_status, state in expected:
            now = site.set_clock(t0 + offset)
            result = track(settings, out, store, now=now, check_session=False)  # the session is fresh
            tracked = store.case(case.case_id)
            assert tracked is not None and tracked.status.value == site_status
            assert tracked.bundle == str(bundle_dir)
            shown = _status(out, now.isoformat())
            [row] = [r for r in shown["refunds"] if r["transaction_id"] == OPEN_TXN]
            assert (row["state"], row["case_id"]) == (state, case.case_id), (site_status, row)
            if state == "appeal open":
                assert row["deadline"] == appeal_deadline.strftime("%Y-%m-%dT%H:%M:%SZ")
                assert row["state_text"].startswith("appeal open until ")
                assert tracked.appeal_deadline == appeal_deadline
            if offset:
                assert [c.status.value for c in result.changes] == [site_status]  # each step recorded once
        history = [(c.status.value, c.at) for c in store.changes(case.case_id)]
        final = store.case(case.case_id)
    assert history == [("Submitted", t0), ("In review", t0 + timedelta(days=1)), ("Denied", denied_at),
                       ("Appeal submitted", t0 + timedelta(days=7)), ("Appeal approved", t0 + timedelta(days=15))]
    assert final is not None and final.final and final.amount_reimbursed == Decimal("20.00") and final.messages == 2
    assert (row["reimbursed"], row["charged"], row["disputed"]) == ("20.00", str(charged), str(charged))
    total = shown["money"]["week"][-1]
    assert (total["reimbursed"], total["disputed"]) == ("20.00", str(charged))

    # Linked both ways, the sealed bundle untouched: its custody log names the case and the store.
    bundle = read_bundle(bundle_dir)
    assert review_state(bundle) is ReviewState.FILED
    assert [e.details.get("case_id") for e in bundle.custody if e.event.value == "filed"] == [case.case_id]
    assert verify_path(bundle_dir).ok
