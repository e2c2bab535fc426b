"""The case page's History, as `collector track` reads it (CasePage.read_history): each event up
to the site's "now" with its exact time and amount; a case without one reads as an empty history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from evidence.models import CaseStatus
from fixtures.scenario import ScenarioDisputeEvent
from fixtures.site import MockSite
from pages import CasePage


def test_case_history_reads_each_event_with_its_time_and_amount(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    now = site.scenario.clock.now
    case_id = site.scenario.disputes[0].case_id
    site.book.add_history(  # undone by the next test's reset()
        case_id,
        ScenarioDisputeEvent(status=CaseStatus.DENIED, at=now - timedelta(days=3, minutes=7)),
        ScenarioDisputeEvent(status=CaseStatus.APPEAL_SUBMITTED, at=now - timedelta(days=2)),
        ScenarioDisputeEvent(status=CaseStatus.APPEAL_APPROVED, at=now - timedelta(hours=5),
                             amount_reimbursed=Decimal("12.34")),
        ScenarioDisputeEvent(status=CaseStatus.CLOSED, at=now + timedelta(days=1)),  # after "now": not shown
    )
    dispute = site.book.case(case_id)
    assert dispute is not None
    expected = dispute.as_of(now).history
    assert [x.status for x in expected][-3:] == [CaseStatus.DENIED, CaseStatus.APPEAL_SUBMITTED,
                                                 CaseStatus.APPEAL_APPROVED]
    events = CasePage.open_case(signed_in_page, dispute.case_id, **kw).read_history()
    assert [(e.status, e.at) for e in events] == [(x.status, x.at) for x in expected]
    assert [e.amount_reimbursed.amount if e.amount_reimbursed else None for e in events] == [
        x.amount_reimbursed for x in expected]


def test_a_case_without_history_reads_as_none(signed_in_page: Any, site: MockSite, kw: dict[str, Any]) -> None:
    dispute = next(d for d in site.book.all() if not d.history)
    assert CasePage.open_case(signed_in_page, dispute.case_id, **kw).read_history() == []
