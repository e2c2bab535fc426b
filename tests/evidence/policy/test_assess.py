"""assess(): findings, verdicts and plain-word reasons for each situation, over both policy versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from evidence.models import (
    CaseStatus,
    DisputeCase,
    DisputeState,
    FindingStatus,
    RefundChannel,
    ReplyCheck,
    ReplyStatus,
    Role,
    Verdict,
)
from evidence.policy import assess, default_registry
from tests.evidence.policy.factories import make_case, message, shipment, utc

REG = default_registry()
ISSUED = utc(2026, 11, 20, 15, 0)
NOW = ISSUED + timedelta(hours=12)
PASS, FAIL, UNKNOWN = FindingStatus.PASS, FindingStatus.FAIL, FindingStatus.UNKNOWN
BOTH = ["walmart-cc-2022", "walmart-cc-2024-11"]


def _status(assessment, code: str) -> FindingStatus | None:
    return next((f.status for f in assessment.findings if f.code == code), None)


def _denied_case(decided_days_ago: int) -> DisputeCase:
    return DisputeCase(
        case_id="DSP-77",
        po="4342076435326",
        type="Customer Care refund",
        submitted_at=ISSUED + timedelta(hours=2),
        status=CaseStatus.DENIED,
        decision_at=NOW - timedelta(days=decided_days_ago),
    )


def _missed_reply_messages() -> list:
    # a customer wrote 60 h before the refund and nobody answered: the refund followed a missed reply
    return [message("c1@relay", ISSUED - timedelta(hours=60), Role.CUSTOMER, body="Hello?")]


CASES: list[tuple[str, str, dict[str, Any], Any, Verdict, dict[str, FindingStatus]]] = [
    (
        "ready-2024",
        "walmart-cc-2024-11",
        {},
        NOW,
        Verdict.READY_TO_FILE,
        {"deadline": PASS, "replies.on_time": PASS, "not_disputable.keep_it": PASS},
    ),
    ("ready-2022", "walmart-cc-2022", {}, NOW, Verdict.READY_TO_FILE, {"deadline": PASS, "replies.on_time": PASS}),
    (
        "closed-2024-after-48h",
        "walmart-cc-2024-11",
        {},
        ISSUED + timedelta(hours=49),
        Verdict.WINDOW_CLOSED,
        {"deadline": FAIL},
    ),
    (
        "closed-2022-after-45-days",
        "walmart-cc-2022",
        {},
        utc(2027, 1, 7, 6, 0),
        Verdict.WINDOW_CLOSED,
        {"deadline": FAIL},
    ),
    (
        "screen-says-passed",
        "walmart-cc-2022",
        {"state": DisputeState.WINDOW_PASSED},
        NOW,
        Verdict.WINDOW_CLOSED,
        {"deadline": FAIL},
    ),
    (
        "disputed-on-screen",
        "walmart-cc-2024-11",
        {"state": DisputeState.DISPUTED},
        NOW,
        Verdict.ALREADY_DISPUTED,
        {"dispute.already_filed": FAIL},
    ),
    (
        "denied-appeal-open",
        "walmart-cc-2024-11",
        {"dispute_case": _denied_case(3)},
        NOW,
        Verdict.ALREADY_DISPUTED,
        {"dispute.already_filed": FAIL, "appeal.deadline": PASS},
    ),
    (
        "denied-appeal-closed",
        "walmart-cc-2022",
        {"dispute_case": _denied_case(40)},
        NOW,
        Verdict.ALREADY_DISPUTED,
        {"appeal.deadline": FAIL},
    ),
    (
        "seller-initiated-2024",
        "walmart-cc-2024-11",
        {"refund_channel": RefundChannel.SELLER_MANUAL_REFUND},
        NOW,
        Verdict.NOT_DISPUTABLE,
        {"not_disputable.seller_initiated": FAIL},
    ),
    (
        "seller-initiated-2022",
        "walmart-cc-2022",
        {"refund_channel": RefundChannel.SELLER_AUTO_REFUND},
        NOW,
        Verdict.NOT_DISPUTABLE,
        {"not_disputable.seller_initiated": FAIL},
    ),
    (
        "keep-it-2024",
        "walmart-cc-2024-11",
        {"keep_it": True},
        NOW,
        Verdict.NOT_DISPUTABLE,
        {"not_disputable.keep_it": FAIL},
    ),
    ("keep-it-not-a-2022-rule", "walmart-cc-2022", {"keep_it": True}, NOW, Verdict.READY_TO_FILE, {}),
    (
        "extended-returns",
        "walmart-cc-2024-11",
        {"reason": "Extended Returns program return"},
        NOW,
        Verdict.NOT_DISPUTABLE,
        {"not_disputable.extended_returns": FAIL},
    ),
    (
        "lost-in-store",
        "walmart-cc-2024-11",
        {"reason_code": "LOST_IN_STORE", "reason": "Return lost in store"},
        NOW,
        Verdict.NOT_DISPUTABLE,
        {"not_disputable.lost_in_store": FAIL},
    ),
    (
        "missed-reply-2024",
        "walmart-cc-2024-11",
        {"messages": _missed_reply_messages()},
        NOW,
        Verdict.NOT_DISPUTABLE,
        {"not_disputable.missed_reply": FAIL, "replies.on_time": FAIL},
    ),
    (
        "missed-reply-2022",
        "walmart-cc-2022",
        {"messages": _missed_reply_messages()},
        NOW,
        Verdict.NOT_DISPUTABLE,
        {"not_disputable.missed_reply": FAIL},
    ),
    (
        "screen-not-available",
        "walmart-cc-2024-11",
        {"state": DisputeState.NOT_AVAILABLE},
        NOW,
        Verdict.NOT_DISPUTABLE,
        {"not_disputable.screen": FAIL},
    ),
    (
        "no-messages",
        "walmart-cc-2024-11",
        {"with_messages": False},
        NOW,
        Verdict.NEEDS_ATTENTION,
        {"replies.on_time": UNKNOWN, "replies.automatic_only": UNKNOWN, "not_disputable.missed_reply": UNKNOWN},
    ),
    (
        "no-settlement-date-2022",
        "walmart-cc-2022",
        {"settlement_date": None},
        NOW,
        Verdict.NEEDS_ATTENTION,
        {"deadline": UNKNOWN},
    ),
    (
        "no-reason-at-all",
        "walmart-cc-2024-11",
        {"reason": None, "reason_code": None},
        NOW,
        Verdict.NEEDS_ATTENTION,
        {"lost_order.reason": UNKNOWN, "not_disputable.extended_returns": UNKNOWN},
    ),
    (
        "no-order-captured",
        "walmart-cc-2024-11",
        {"order_date": None},
        NOW,
        Verdict.NEEDS_ATTENTION,
        {"search_horizon": UNKNOWN, "return_window": UNKNOWN},
    ),
    (
        "beyond-search-horizon",
        "walmart-cc-2022",
        {"order_date": utc(2026, 8, 1, 12, 0), "shipped_at": utc(2026, 11, 18)},
        NOW,
        Verdict.NEEDS_ATTENTION,
        {"search_horizon": FAIL},
    ),
    (
        "automatic-reply-only",
        "walmart-cc-2024-11",
        {
            "messages": [
                message("c1@relay", ISSUED - timedelta(hours=10), Role.CUSTOMER),
                message(
                    "auto1@seller", ISSUED - timedelta(hours=10) + timedelta(minutes=1), Role.SELLER, automatic=True
                ),
            ]
        },
        ISSUED + timedelta(hours=40),
        Verdict.NEEDS_ATTENTION,
        {"replies.automatic_only": FAIL, "replies.on_time": FAIL, "not_disputable.missed_reply": PASS},
    ),
    (
        "reply-pending",
        "walmart-cc-2024-11",
        {"messages": [message("c1@relay", ISSUED + timedelta(hours=1), Role.CUSTOMER)]},
        NOW,
        Verdict.NEEDS_ATTENTION,
        {"replies.on_time": UNKNOWN},
    ),
    (
        "bbb-complaint-answered-after-2h",
        "walmart-cc-2024-11",
        {
            "messages": [
                message("bbb@cc", ISSUED + timedelta(hours=1), Role.WALMART_CUSTOMER_CARE, complaint=True),
                message("s9@seller", ISSUED + timedelta(hours=3), Role.SELLER),
            ]
        },
        NOW,
        Verdict.NEEDS_ATTENTION,
        {"replies.on_time": FAIL},
    ),
]


@pytest.mark.parametrize(
    ("policy_id", "kwargs", "now", "verdict", "statuses"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_verdict_and_findings_for_each_situation(policy_id, kwargs, now, verdict, statuses):
    result = assess(make_case(**kwargs), REG.get(policy_id), now)
    assert result.verdict is verdict, result.reasons
    for code, status in statuses.items():
        assert _status(result, code) is status, (code, [(f.code, f.status, f.detail) for f in result.findings])
    assert result.reasons and all(r.strip() for r in result.reasons)


@pytest.mark.parametrize("policy_id", BOTH)
def test_window_is_closed_at_the_exact_deadline_minute_and_open_one_minute_before(policy_id):
    policy = REG.get(policy_id)
    deadline = assess(make_case(), policy, NOW).deadline
    assert deadline is not None
    before = assess(make_case(), policy, deadline - timedelta(minutes=1))
    at = assess(make_case(), policy, deadline)
    assert before.verdict is Verdict.READY_TO_FILE and "1 min left" in before.reasons[1]
    assert at.verdict is Verdict.WINDOW_CLOSED


def test_screen_deadline_earlier_than_policy_is_flagged_and_used():
    computed = ISSUED + timedelta(hours=48)
    case = make_case(window_ends_at=computed - timedelta(hours=3))
    result = assess(case, REG.get("walmart-cc-2024-11"), NOW)
    assert _status(result, "deadline.screen") is FAIL
    assert result.deadline == computed - timedelta(hours=3)
    assert result.verdict is Verdict.NEEDS_ATTENTION
    closed = assess(case, REG.get("walmart-cc-2024-11"), computed - timedelta(hours=1))
    assert closed.verdict is Verdict.WINDOW_CLOSED


def test_screen_deadline_within_a_minute_of_the_policy_agrees():
    case = make_case(window_ends_at=ISSUED + timedelta(hours=48, seconds=30))
    result = assess(case, REG.get("walmart-cc-2024-11"), NOW)
    assert _status(result, "deadline.screen") is PASS
    assert result.verdict is Verdict.READY_TO_FILE
    assert result.deadline == ISSUED + timedelta(hours=48)


def test_screen_and_policy_a_minute_apart_say_which_deadline_is_used():
    # Seller Center shows 11:59 PM, the policy gives the next midnight: they agree within the
    # tolerance, and the earlier (Seller Center's) is the deadline; the finding says both, truthfully.
    issued = utc(2026, 11, 20, 6, 0)  # Nov 20, 12:00 AM CST: 48 h later is Nov 22, 12:00 AM CST
    shown = issued + timedelta(hours=48, minutes=-1)
    case = make_case(issued_at=issued, window_ends_at=shown)
    result = assess(case, REG.get("walmart-cc-2024-11"), issued + timedelta(hours=12))
    finding = next(f for f in result.findings if f.code == "deadline.screen")
    assert finding.status is PASS
    assert finding.detail == (
        "Seller Center shows Nov 21, 2026, 11:59 PM CST; walmart-cc-2024-11 gives Nov 22, 2026, 12:00 AM CST "
        "(48 hours from refund issuance Nov 20, 2026, 12:00 AM CST); they agree within a minute; "
        "the earlier, Seller Center's, is used."
    )
    assert result.deadline == shown
    assert "Nov 21, 2026, 11:59 PM CST (as shown by Seller Center)" in result.reasons[1]
    assert result.verdict is Verdict.READY_TO_FILE
    # the screen 30 s later than the policy: the policy's is the earlier, and used
    late = make_case(issued_at=issued, window_ends_at=issued + timedelta(hours=48, seconds=30))
    result = assess(late, REG.get("walmart-cc-2024-11"), issued + timedelta(hours=12))
    detail = next(f.detail for f in result.findings if f.code == "deadline.screen")
    assert detail.endswith("they agree within a minute; the earlier, the policy's, is used.")
    assert result.deadline == issued + timedelta(hours=48)


def test_screen_and_policy_on_the_same_instant_both_say_it():
    case = make_case(window_ends_at=ISSUED + timedelta(hours=48))
    result = assess(case, REG.get("walmart-cc-2024-11"), NOW)
    detail = next(f.detail for f in result.findings if f.code == "deadline.screen")
    assert detail == "Seller Center and walmart-cc-2024-11 both give Nov 22, 2026, 9:00 AM CST."


def test_screen_deadline_is_used_when_the_policy_cannot_compute_one():
    shown = utc(2027, 1, 7, 6, 0)
    result = assess(make_case(settlement_date=None, window_ends_at=shown), REG.get("walmart-cc-2022"), NOW)
    assert result.deadline == shown and _status(result, "deadline") is PASS
    assert "cannot be computed" in next(f.detail for f in result.findings if f.code == "deadline")


def test_denied_dispute_reasons_give_the_appeal_date():
    result = assess(make_case(dispute_case=_denied_case(3)), REG.get("walmart-cc-2024-11"), NOW)
    assert result.appeal_deadline is not None
    assert any("appeal by" in r for r in result.reasons)
    assert result.draft is None


LOST = {"reason": "Lost in transit", "reason_code": "LOST_IN_TRANSIT"}
OFFER = [
    message("c1@relay", ISSUED - timedelta(hours=30), Role.CUSTOMER, body="It never came"),
    message("s1@seller", ISSUED - timedelta(hours=28), Role.SELLER, body="We can ship a replacement today."),
]
NO_OFFER = [
    message("c1@relay", ISSUED - timedelta(hours=30), Role.CUSTOMER, body="It never came"),
    message("s1@seller", ISSUED - timedelta(hours=28), Role.SELLER, body="We are looking into it."),
]
LAD = {"reason": "Lost after delivery", "reason_code": "LOST_AFTER_DELIVERY"}
SHIPPED = utc(2026, 11, 11, 18, 0)

LOST_CASES = [
    (
        "in-transit-with-steps",
        {**LOST, "messages": OFFER, "shipments": [shipment(SHIPPED)]},
        Verdict.READY_TO_FILE,
        {"lost_order.tracking": PASS, "lost_order.customer_contacted": PASS, "lost_order.resolution_offered": PASS},
    ),
    (
        "in-transit-no-offer-seen",
        {**LOST, "messages": NO_OFFER, "shipments": [shipment(SHIPPED)]},
        Verdict.NEEDS_ATTENTION,
        {"lost_order.resolution_offered": UNKNOWN},
    ),
    (
        "in-transit-insured-claim-unseen",
        {**LOST, "messages": OFFER, "shipments": [shipment(SHIPPED, insured=True)]},
        Verdict.NEEDS_ATTENTION,
        {"lost_order.carrier_claim": UNKNOWN},
    ),
    (
        "in-transit-no-shipment",
        {**LOST, "messages": OFFER, "shipments": []},
        Verdict.NEEDS_ATTENTION,
        {"lost_order.tracking": FAIL},
    ),
    (
        "in-transit-tracking-without-scans",
        {**LOST, "messages": OFFER, "shipments": [shipment(SHIPPED, events=False)]},
        Verdict.NEEDS_ATTENTION,
        {"lost_order.tracking": UNKNOWN},
    ),
    (
        "merchandise-not-received-text",
        {
            "reason": "Merchandise not received",
            "reason_code": None,
            "messages": OFFER,
            "shipments": [shipment(SHIPPED)],
        },
        Verdict.READY_TO_FILE,
        {"lost_order.tracking": PASS},
    ),
    (
        "lad-with-photo",
        {**LAD, "shipments": [shipment(SHIPPED, delivered=SHIPPED + timedelta(days=2), proof="photo")]},
        Verdict.READY_TO_FILE,
        {"lost_order.delivery_proof": PASS},
    ),
    (
        "lad-without-proof",
        {**LAD, "shipments": [shipment(SHIPPED, delivered=SHIPPED + timedelta(days=2))]},
        Verdict.NEEDS_ATTENTION,
        {"lost_order.delivery_proof": FAIL},
    ),
    (
        "lad-no-delivery-scan",
        {**LAD, "shipments": [shipment(SHIPPED)]},
        Verdict.NEEDS_ATTENTION,
        {"lost_order.delivery_proof": FAIL},
    ),
    (
        "lad-order-not-captured",
        {**LAD, "order_date": None},
        Verdict.NEEDS_ATTENTION,
        {"lost_order.delivery_proof": UNKNOWN, "lost_order.tracking": UNKNOWN},
    ),
    (
        "lost-no-messages",
        {**LOST, "with_messages": False, "shipments": [shipment(SHIPPED)]},
        Verdict.NEEDS_ATTENTION,
        {"lost_order.customer_contacted": UNKNOWN, "lost_order.resolution_offered": UNKNOWN},
    ),
]


@pytest.mark.parametrize("policy_id", BOTH)
@pytest.mark.parametrize(("kwargs", "verdict", "statuses"), [c[1:] for c in LOST_CASES], ids=[c[0] for c in LOST_CASES])
def test_lost_order_refunds_are_judged_on_the_seller_steps(policy_id, kwargs, verdict, statuses):
    result = assess(make_case(**kwargs), REG.get(policy_id), NOW)
    assert result.verdict is verdict, result.reasons
    for code, status in statuses.items():
        assert _status(result, code) is status, (code, [(f.code, f.status, f.detail) for f in result.findings])


@pytest.mark.parametrize(
    ("shipped", "category", "outside"),
    [
        (utc(2026, 9, 1, 15, 0), None, True),  # 30 days 2026-09-08 .. 2026-10-07
        (utc(2026, 10, 20, 15, 0), None, False),  # 30 days 2026-10-27 .. 2026-11-25
        (utc(2026, 10, 20, 15, 0), "Electronics", True),  # 15-day category window 2026-10-27 .. 2026-11-10
        (utc(2026, 10, 15, 15, 0), None, False),  # 30 days 10-22 .. 11-20: issued at 9 AM on its last day
        (utc(2026, 10, 14, 15, 0), None, True),  # one day earlier (10-21 .. 11-19): closed at midnight before it
    ],
)
def test_refund_outside_the_return_window_is_a_full_reimbursement_ground(shipped, category, outside):
    case = make_case(shipped_at=shipped, category=category, order_date=shipped - timedelta(days=1))
    result = assess(case, REG.get("walmart-cc-2024-11"), NOW)
    assert _status(result, "return_window") is (PASS if outside else FAIL)
    assert result.verdict is Verdict.READY_TO_FILE  # informational: inside the window blocks nothing


def test_assess_is_pure_and_recomputes_reply_checks():
    stale = ReplyCheck(
        inbound_message_id="c1@relay",
        inbound_role=Role.CUSTOMER,
        inbound_at=ISSUED,
        window_hours=48,
        due_at=ISSUED,
        status=ReplyStatus.UNANSWERED,
    )
    case = make_case(reply_checks=[stale])
    policy = REG.get("walmart-cc-2024-11")
    first, second = assess(case, policy, NOW), assess(case, policy, NOW)
    assert first == second
    assert first.verdict is Verdict.READY_TO_FILE
    assert case.reply_checks == [stale]  # the input is untouched


def test_naive_now_is_rejected():
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        assess(make_case(), REG.get("walmart-cc-2024-11"), datetime(2026, 11, 21, 3, 0))


def test_findings_cite_their_evidence():
    result = assess(make_case(), REG.get("walmart-cc-2024-11"), NOW)
    replies = next(f for f in result.findings if f.code == "replies.on_time")
    assert {e.ref for e in replies.evidence if e.kind == "message"} == {"c1@relay", "s1@seller"}
    deadline = next(f for f in result.findings if f.code == "deadline")
    assert {"refund.issued_at", "payments.refund-details"} <= {e.ref for e in deadline.evidence}
