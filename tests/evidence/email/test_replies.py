from __future__ import annotations

from datetime import timedelta

import pytest

from evidence.email.replies import compute_reply_checks
from evidence.models import MessageKind, ReplyStatus, Role

from .conftest import T0, MessageFactory


def test_human_reply_inside_48_hours_is_on_time(make_message: MessageFactory) -> None:
    ask = make_message(Role.CUSTOMER, 0, message_id="ask")
    reply = make_message(Role.SELLER, 47.5, message_id="reply")
    [check] = compute_reply_checks([reply, ask], now=T0 + timedelta(days=10))
    assert check.status is ReplyStatus.ON_TIME
    assert check.inbound_message_id == "ask" and check.reply_message_id == "reply"
    assert check.latency_hours == 47.5
    assert check.due_at == T0 + timedelta(hours=48)


def test_reply_after_the_weekend_is_late_because_calendar_hours_count(make_message: MessageFactory) -> None:
    # Friday 14:00 -> Monday 09:00 is 67 calendar hours.
    ask = make_message(Role.WALMART_CUSTOMER_CARE, 0)
    reply = make_message(Role.SELLER, 67)
    [check] = compute_reply_checks([ask, reply], now=T0 + timedelta(days=10))
    assert check.status is ReplyStatus.LATE
    assert check.inbound_role is Role.WALMART_CUSTOMER_CARE
    assert check.latency_hours == 67


def test_automatic_reply_never_counts_and_is_listed(make_message: MessageFactory) -> None:
    ask = make_message(Role.CUSTOMER, 0)
    ooo = make_message(Role.SELLER, 0.01, kind=MessageKind.OUT_OF_OFFICE, message_id="ooo")
    [check] = compute_reply_checks([ask, ooo], now=T0 + timedelta(days=3))
    assert check.status is ReplyStatus.AUTOMATIC_ONLY
    assert check.automatic_reply_ids == ["ooo"]
    assert check.reply_message_id is None


def test_automatic_then_human_reply_uses_the_human_one(make_message: MessageFactory) -> None:
    ask = make_message(Role.CUSTOMER, 0)
    auto = make_message(Role.SELLER, 0.01, kind=MessageKind.AUTORESPONDER, message_id="auto")
    human = make_message(Role.SELLER, 5, message_id="human")
    [check] = compute_reply_checks([ask, auto, human], now=T0 + timedelta(days=3))
    assert check.status is ReplyStatus.ON_TIME
    assert check.reply_message_id == "human" and check.automatic_reply_ids == ["auto"]
    assert check.latency_hours == 5


def test_no_seller_message_after_the_window_is_unanswered(make_message: MessageFactory) -> None:
    before = make_message(Role.SELLER, -2)  # an earlier seller message is not a reply
    ask = make_message(Role.CUSTOMER, 0)
    [check] = compute_reply_checks([before, ask], now=T0 + timedelta(hours=49))
    assert check.status is ReplyStatus.UNANSWERED
    assert check.reply_message_id is None and check.latency_hours is None


def test_open_window_without_reply_is_pending(make_message: MessageFactory) -> None:
    ask = make_message(Role.CUSTOMER, 0)
    [check] = compute_reply_checks([ask], now=T0 + timedelta(hours=47))
    assert check.status is ReplyStatus.PENDING


def test_bbb_complaint_gets_a_one_hour_window(make_message: MessageFactory) -> None:
    complaint = make_message(Role.CUSTOMER, 0, complaint=True)
    reply = make_message(Role.SELLER, 1.5)
    [check] = compute_reply_checks([complaint, reply], now=T0 + timedelta(days=3))
    assert check.window_hours == 1
    assert check.status is ReplyStatus.LATE
    [quick] = compute_reply_checks([complaint, make_message(Role.SELLER, 0.5)], now=T0 + timedelta(days=3))
    assert quick.status is ReplyStatus.ON_TIME


def test_policy_windows_are_honoured(make_message: MessageFactory) -> None:
    ask = make_message(Role.CUSTOMER, 0)
    reply = make_message(Role.SELLER, 30)
    [check] = compute_reply_checks([ask, reply], reply_window=timedelta(hours=24), now=T0 + timedelta(days=3))
    assert check.status is ReplyStatus.LATE and check.window_hours == 24


def test_read_receipt_is_neither_reply_nor_listed(make_message: MessageFactory) -> None:
    ask = make_message(Role.CUSTOMER, 0)
    receipt = make_message(Role.SELLER, 0.2, kind=MessageKind.READ_RECEIPT)
    [check] = compute_reply_checks([ask, receipt], now=T0 + timedelta(days=3))
    assert check.status is ReplyStatus.UNANSWERED and check.automatic_reply_ids == []


def test_only_human_customer_and_customer_care_messages_need_a_reply(make_message: MessageFactory) -> None:
    messages = [
        make_message(Role.WALMART_SYSTEM, 0, kind=MessageKind.SYSTEM_NOTICE),
        make_message(Role.CUSTOMER, 1, kind=MessageKind.OUT_OF_OFFICE),
        make_message(Role.PARTNER_SUPPORT, 2),
        make_message(Role.SELLER, 3),
        make_message(Role.CUSTOMER, 4, message_id="real"),
        make_message(Role.WALMART_CUSTOMER_CARE, 5, message_id="cc"),
        make_message(Role.SELLER, 6, message_id="answer"),
    ]
    checks = compute_reply_checks(messages, now=T0 + timedelta(days=3))
    assert [c.inbound_message_id for c in checks] == ["real", "cc"]
    assert all(c.reply_message_id == "answer" for c in checks)


def test_naive_now_is_rejected(make_message: MessageFactory) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_reply_checks([make_message(Role.CUSTOMER, 0)], now=T0.replace(tzinfo=None))


def test_instant_auto_reply_with_the_same_timestamp_is_listed(make_message: MessageFactory) -> None:
    # Minute-precision times: the out-of-office carries the customer's minute.
    ask = make_message(Role.CUSTOMER, 0, message_id="ask")
    ooo = make_message(Role.SELLER, 0, kind=MessageKind.OUT_OF_OFFICE, message_id="ooo")
    [check] = compute_reply_checks([ask, ooo], now=T0 + timedelta(days=3))
    assert check.status is ReplyStatus.AUTOMATIC_ONLY and check.automatic_reply_ids == ["ooo"]


def test_same_timestamp_human_message_counts_only_when_it_answers(make_message: MessageFactory) -> None:
    ask = make_message(Role.CUSTOMER, 0, message_id="ask")
    crossing = make_message(Role.SELLER, 0, message_id="crossing")
    [check] = compute_reply_checks([ask, crossing], now=T0 + timedelta(days=3))
    assert check.status is ReplyStatus.UNANSWERED
    answer = make_message(Role.SELLER, 0, message_id="answer", in_reply_to="ask")
    [check] = compute_reply_checks([ask, answer], now=T0 + timedelta(days=3))
    assert check.status is ReplyStatus.ON_TIME and check.latency_hours == 0
