"""Page objects on the fidelity scenario (format 1.1): a "Pending" settlement date, a passed window
shown without its end, a case page with a History table, and an Inbox message whose original
headers make it automatic.

These run on their own mock (``fixtures/scenarios/fidelity.json``) in their own browser context,
since the package's ``mock_site`` is the tuned default scenario.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from evidence.email.collect import collect_thread
from evidence.email.match import OrderKey
from evidence.email.roles import EmailConfig
from evidence.models import CaseStatus, DisputeState, MessageKind, Role
from fixtures.scenario import Scenario, load_scenario
from fixtures.scenarios.build_fidelity import FIDELITY_SCENARIO
from fixtures.site import MockSite
from pages import CasePage, InboxPage, PaymentsReader, TransactionsReader, find_threads
from pages.inbox import HEADERS_REASON, parse_header_lines

TZ = "America/Chicago"
KW: dict[str, Any] = {"tz": TZ, "timeout": 8_000}


@pytest.fixture(scope="module")
def fidelity_mock() -> Iterator[MockSite]:
    with MockSite(load_scenario(FIDELITY_SCENARIO)) as running:
        yield running


@pytest.fixture
def fid_page(browser: Any, fidelity_mock: MockSite) -> Iterator[Any]:
    fidelity_mock.reset()
    context = browser.new_context(base_url=fidelity_mock.url, storage_state=fidelity_mock.storage_state())
    try:
        yield context.new_page()
    finally:
        context.close()


def refund_of(scenario: Scenario, tag: str) -> tuple[str, str]:
    order = next(o for o in scenario.orders if tag in o.tags)
    return order.po, next(t.transaction_id for t in order.transactions if t.is_refund)


@pytest.mark.parametrize("reader", [PaymentsReader, TransactionsReader], ids=["payments", "transactions"])
def test_a_pending_settlement_reads_as_no_date(fid_page: Any, fidelity_mock: MockSite, reader: type) -> None:
    detail = reader(fid_page, **KW).read_refund(*refund_of(fidelity_mock.scenario, "settlement_pending"))
    assert detail.settlement_date is None
    assert detail.dispute.state is DisputeState.OPEN


@pytest.mark.parametrize("reader", [PaymentsReader, TransactionsReader], ids=["payments", "transactions"])
def test_a_passed_window_without_its_end(fid_page: Any, fidelity_mock: MockSite, reader: type) -> None:
    detail = reader(fid_page, **KW).read_refund(*refund_of(fidelity_mock.scenario, "window_end_not_shown"))
    assert detail.dispute.state is DisputeState.WINDOW_PASSED
    assert detail.dispute.window_ends_at is None
    assert detail.dispute.message == "The dispute window for this refund has passed."


def test_case_page_with_a_history_reads_as_of_the_clock(fid_page: Any, fidelity_mock: MockSite) -> None:
    case = fidelity_mock.scenario.disputes[0]
    read = CasePage.open_case(fid_page, case.case_id, **KW).read()
    assert read.status is CaseStatus.APPEAL_APPROVED
    assert read.decision_at is not None and read.decision_at.astimezone(UTC).date() == datetime(2026, 11, 4).date()
    assert read.amount_reimbursed is not None and read.amount_reimbursed.amount == Decimal("81.44")
    assert [m.author for m in read.messages] == ["Seller", "Partner Support", "Seller", "Partner Support"]


def test_inbox_headers_make_a_plain_worded_reply_automatic(fid_page: Any, fidelity_mock: MockSite) -> None:
    scenario = fidelity_mock.scenario
    order = next(o for o in scenario.orders if "inbox_headers" in o.tags)
    inbox = InboxPage.open(fid_page, **KW)
    summary = next(iter(find_threads(inbox, order.po)))
    customer, reply = inbox.open_thread(summary).read(seller_addresses=[scenario.seller.login_email])

    assert (customer.kind, customer.reasons) == (MessageKind.HUMAN, [])  # no headers shown: left to the collector
    assert reply.role is Role.SELLER and reply.automatic and reply.kind is MessageKind.AUTORESPONDER
    assert any(r.startswith("Auto-Submitted: auto-replied") for r in reply.reasons)
    assert reply.reasons[-1] == HEADERS_REASON

    key = OrderKey(order.po, order.customer_order_number, order.customer.relay_email)
    evidence = collect_thread(key, [customer, reply], EmailConfig(), now=scenario.clock.now)
    kept = next(m for t in evidence.threads for m in t.messages if m.message_id == reply.message_id)
    assert kept.automatic and kept.kind is MessageKind.AUTORESPONDER  # the collector keeps the verdict


def test_header_lines_keep_order_and_unfold_continuations() -> None:
    text = "Auto-Submitted: auto-replied\nX-Long: first part\n  second part\nnot a header\nX-Empty:\n"
    assert parse_header_lines(text) == [
        ("Auto-Submitted", "auto-replied"), ("X-Long", "first part second part"), ("X-Empty", "")]
