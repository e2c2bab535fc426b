"""The dispute form: filled step by step, submitted (tests only), and the case shows up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evidence.models import CaseStatus, DisputeState
from fixtures.site import MockSite
from pages import REASONS, DisputeForm, DisputesDashboard, SearchTransactionsTab
from tests.pages.conftest import pick_refund


def test_filing_a_dispute_creates_a_submitted_case_and_marks_the_refund_disputed(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any], tmp_path: Path
) -> None:
    order, txn = pick_refund(site.scenario, DisputeState.OPEN)
    history = SearchTransactionsTab.open(signed_in_page, **kw).search(order.po).expand()
    form = history.open_details(txn.transaction_id).dispute_area.start_dispute()

    facts = form.read_facts()
    assert facts.po == order.po
    assert facts.sales_order == order.customer_order_number
    assert facts.net_payable.amount == txn.net_payable

    proof = tmp_path / "delivery-photo.txt"
    proof.write_text("carrier photo of the parcel at the door\n", encoding="utf-8")
    form.choose_reason(REASONS[0]).describe(
        "Replied to the customer within 3 hours with tracking and a replacement offer.", [proof]
    )
    review = form.review_text()
    assert REASONS[0] in review and "delivery-photo.txt" in review
    submitted = form.submit()

    cases = DisputesDashboard.open(signed_in_page, **kw).search(submitted.case_id)
    assert [(c.case_id, c.po, c.status) for c in cases] == [(submitted.case_id, order.po, CaseStatus.SUBMITTED)]

    again = SearchTransactionsTab.open(signed_in_page, **kw).search(order.po).expand()
    area = again.open_details(txn.transaction_id).dispute_area.read()
    assert area.state is DisputeState.DISPUTED
    assert area.case_id == submitted.case_id


def test_the_form_refuses_a_description_shorter_than_20_characters(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    _, txn = pick_refund(site.scenario, DisputeState.OPEN)
    form = DisputeForm.open_for(signed_in_page, txn.transaction_id, **kw).choose_reason(REASONS[1])
    with pytest.raises(ValueError, match="20 characters"):
        form.describe("too short")
    assert len(site.book.all()) == len(site.scenario.disputes)
