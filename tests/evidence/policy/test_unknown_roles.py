"""Messages whose sender's role is unknown never turn into a silent fail (or "not disputable").

A seller reply that could not be recognised as the seller's (no ``seller_addresses``, no Inbox
label) is not "no reply": the reply findings say ``unknown`` and why, so that a reviewer sets the
seller's addresses instead of abandoning a winnable refund.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from evidence.email.collect import PathSource, collect_thread
from evidence.email.roles import EmailConfig
from evidence.models import FindingStatus, Message, MessageSource, Role, Thread, Verdict
from evidence.policy import assess, default_registry
from tests.evidence.email.test_inbox_roles import NO_SELLER_CONFIG, ORDER, _inbox_thread, _mail_folder
from tests.evidence.policy.factories import make_case, message, utc

REG = default_registry()
POLICY = REG.get("walmart-cc-2024-11")
ISSUED = utc(2026, 11, 19, 15, 20)  # the demo's refund of PO 4342076435326
NOW = utc(2026, 11, 20, 12, 0)
PASS, FAIL, UNKNOWN = FindingStatus.PASS, FindingStatus.FAIL, FindingStatus.UNKNOWN


def _finding(assessment, code: str):
    return next(f for f in assessment.findings if f.code == code)


def _unidentified(mid: str, at, body: str = "We are looking into it.") -> Message:
    """A human message from an address no rule knows (the seller's, before seller_addresses is set)."""
    return message(mid, at, Role.SELLER, body=body).model_copy(
        update={"role": Role.UNKNOWN, "sender": "support@prairiegoods.example"}
    )


def _case_from_mail(threads: list[Thread]):
    return make_case(issued_at=ISSUED, settlement_date=None, messages=[m for t in threads for m in t.messages])


# --------------------------------------------------------------------------- the defect, end to end


def test_inbox_labelled_seller_replies_keep_a_winnable_refund_disputable(tmp_path: Path) -> None:
    """Mail folder configured, no seller_addresses: the replies 2.8 h later still count."""
    sources = [*_inbox_thread(), PathSource(_mail_folder(tmp_path))]
    threads, _, _ = collect_thread(ORDER, sources, NO_SELLER_CONFIG, now=NOW)
    result = assess(_case_from_mail(threads), POLICY, NOW)
    assert result.verdict is not Verdict.NOT_DISPUTABLE
    assert _finding(result, "not_disputable.missed_reply").status is PASS
    on_time = _finding(result, "replies.on_time")
    assert on_time.status is PASS and "slowest 2 h 48 min" in on_time.detail
    assert result.verdict is Verdict.READY_TO_FILE


def test_without_the_inbox_and_seller_addresses_the_replies_are_unknown_not_missing(tmp_path: Path) -> None:
    folder = _mail_folder(tmp_path)
    threads, _, _ = collect_thread(ORDER, [PathSource(folder)], NO_SELLER_CONFIG, now=NOW)
    result = assess(_case_from_mail(threads), POLICY, NOW)
    assert result.verdict is Verdict.NEEDS_ATTENTION  # never not_disputable on a guess
    for code in ("replies.on_time", "not_disputable.missed_reply"):
        finding = _finding(result, code)
        assert finding.status is UNKNOWN, code
        assert "2 messages whose sender could not be identified as seller or customer: set seller_addresses" in (
            finding.detail
        ), finding.detail
    assert any("set seller_addresses" in r for r in result.reasons)
    # the same mail with the seller's address configured passes
    configured = EmailConfig(seller_addresses=["support@prairiegoods.example"])
    threads, _, _ = collect_thread(ORDER, [PathSource(folder)], configured, now=NOW)
    assert assess(_case_from_mail(threads), POLICY, NOW).verdict is Verdict.READY_TO_FILE


# --------------------------------------------------------------------------- the rules, on built cases


@pytest.mark.parametrize("policy_id", ["walmart-cc-2022", "walmart-cc-2024-11"])
def test_an_unidentified_message_inside_the_window_makes_a_missing_reply_unknown(policy_id: str) -> None:
    asked = ISSUED - timedelta(hours=60)
    messages = [message("c1@relay", asked, Role.CUSTOMER), _unidentified("u1", asked + timedelta(hours=3))]
    result = assess(make_case(issued_at=ISSUED, messages=messages), REG.get(policy_id), NOW)
    assert result.verdict is not Verdict.NOT_DISPUTABLE
    missed = _finding(result, "not_disputable.missed_reply")
    assert missed.status is UNKNOWN
    hint = "1 message whose sender could not be identified as seller or customer: set seller_addresses"
    assert hint in missed.detail
    assert _finding(result, "replies.on_time").status is UNKNOWN
    assert any(ref.ref == "u1" for ref in _finding(result, "replies.on_time").evidence)


def test_an_unidentified_message_after_the_due_time_does_not_excuse_a_missed_reply() -> None:
    asked = ISSUED - timedelta(hours=60)
    messages = [message("c1@relay", asked, Role.CUSTOMER), _unidentified("u1", asked + timedelta(hours=50))]
    result = assess(make_case(issued_at=ISSUED, messages=messages), POLICY, NOW)
    assert _finding(result, "not_disputable.missed_reply").status is FAIL
    assert _finding(result, "replies.on_time").status is FAIL
    assert result.verdict is Verdict.NOT_DISPUTABLE


def test_an_unidentified_message_nobody_answered_could_be_an_unanswered_inquiry() -> None:
    start = ISSUED - timedelta(hours=80)
    messages = [
        message("c1@relay", start, Role.CUSTOMER, body="Where is it?"),
        message("s1@seller", start + timedelta(hours=2), Role.SELLER, body="On its way."),
        _unidentified("u1", start + timedelta(hours=4), body="Any news about my order?"),
    ]
    result = assess(make_case(issued_at=ISSUED, messages=messages), POLICY, NOW)
    on_time = _finding(result, "replies.on_time")
    assert on_time.status is UNKNOWN and "set seller_addresses" in on_time.detail
    assert _finding(result, "not_disputable.missed_reply").status is UNKNOWN
    assert result.verdict is Verdict.NEEDS_ATTENTION


def test_an_unidentified_message_followed_by_a_seller_reply_changes_nothing() -> None:
    start = ISSUED - timedelta(hours=80)
    messages = [
        message("c1@relay", start, Role.CUSTOMER, body="Where is it?"),
        _unidentified("u1", start + timedelta(hours=1), body="Any news?"),
        message("s1@seller", start + timedelta(hours=2), Role.SELLER, body="On its way."),
    ]
    result = assess(make_case(issued_at=ISSUED, messages=messages), POLICY, NOW)
    assert _finding(result, "replies.on_time").status is PASS
    assert _finding(result, "not_disputable.missed_reply").status is PASS


def test_automatic_only_is_unknown_when_an_unidentified_human_message_could_be_the_reply() -> None:
    asked = ISSUED - timedelta(hours=60)
    messages = [
        message("c1@relay", asked, Role.CUSTOMER, body="Where is it?"),
        message("a1@seller", asked + timedelta(minutes=1), Role.SELLER, automatic=True),
        _unidentified("u1", asked + timedelta(hours=3)),
    ]
    result = assess(make_case(issued_at=ISSUED, messages=messages), POLICY, NOW)
    assert _finding(result, "replies.automatic_only").status is UNKNOWN
    assert result.verdict is not Verdict.NOT_DISPUTABLE


def test_lost_order_contact_is_unknown_when_only_unidentified_senders_wrote() -> None:
    asked = ISSUED - timedelta(hours=30)
    messages = [message("c1@relay", asked, Role.CUSTOMER), _unidentified("u1", asked + timedelta(hours=3))]
    case = make_case(
        issued_at=ISSUED, messages=messages, reason="Merchandise not received", reason_code="LOST_IN_TRANSIT"
    )
    contacted = _finding(assess(case, POLICY, NOW), "lost_order.customer_contacted")
    assert contacted.status is UNKNOWN and "set seller_addresses" in contacted.detail


def test_mail_system_messages_with_unknown_role_are_not_unidentified_senders() -> None:
    start = ISSUED - timedelta(hours=30)
    bounce = Message(message_id="bounce", source=MessageSource.MAILBOX, sent_at=start + timedelta(hours=1),
                     sender="MAILER-DAEMON@mx.prairiegoods.example", body_text="Delivery failed")  # fmt: skip
    messages = [
        message("c1@relay", start, Role.CUSTOMER, body="Where is it?"),
        bounce,
        message("s1@seller", start + timedelta(hours=5), Role.SELLER, body="Sorry, we will send a replacement."),
    ]
    result = assess(make_case(issued_at=ISSUED, messages=messages), POLICY, NOW)
    assert result.verdict is Verdict.READY_TO_FILE
