from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from evidence.email.match import OrderKey, match_order
from evidence.email.roles import EmailConfig, assign_role
from evidence.models import Message, MessageKind, MessageSource, Order, Role

PO = "4342076435326"
CO = "2000000012345"
RELAY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0@relay.walmart.com"
CONFIG = EmailConfig(seller_addresses=["Support@BrightGoods.example"], seller_domains=["warehouse.brightgoods.example"])


def msg(sender: str, *, subject: str = "", body: str = "", to: list[str] | None = None, **kw: object) -> Message:
    return Message(
        message_id="x@test", source=MessageSource.MAILBOX, sent_at=datetime(2026, 10, 2, tzinfo=UTC),
        sender=sender, subject=subject, body_text=body, recipients=to or [], **kw,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("sender", "role"),
    [
        ("support@brightgoods.example", Role.SELLER),  # configured address, case ignored
        ("ops@warehouse.brightgoods.example", Role.SELLER),  # configured domain
        (RELAY, Role.CUSTOMER),
        ("ffffffffffffffffffffffffffffffff@relay.walmart.com", Role.CUSTOMER),
        ("customercare@walmart.com", Role.WALMART_CUSTOMER_CARE),
        ("agent7@customercare.walmart.com", Role.WALMART_CUSTOMER_CARE),
        ("partnersupport@walmart.com", Role.PARTNER_SUPPORT),
        ("noreply@walmart.com", Role.WALMART_SYSTEM),
        ("notifications@marketplace.walmart.com", Role.WALMART_SYSTEM),
        ("noreply@relay.walmart.com", Role.WALMART_SYSTEM),
        ("jane.doe@walmart.com", Role.WALMART_CUSTOMER_CARE),  # a person at Walmart: needs a reply
        ("stranger@example.com", Role.UNKNOWN),
        ("walmart.com@phish.example", Role.UNKNOWN),
        ("MAILER-DAEMON@warehouse.brightgoods.example", Role.UNKNOWN),  # the seller's mail server, not the seller
    ],
)
def test_roles_follow_the_sender_address(sender: str, role: Role) -> None:
    got, reason = assign_role(msg(sender), CONFIG)
    assert got is role
    assert sender.lower() in reason


def test_automatic_walmart_mail_is_a_system_notice_sender() -> None:
    got, _ = assign_role(msg("orders@walmart.com", kind=MessageKind.SYSTEM_NOTICE, automatic=True), CONFIG)
    assert got is Role.WALMART_SYSTEM


def test_configured_customer_care_and_partner_support_addresses_win() -> None:
    config = EmailConfig(walmart_cc_addresses=["esc@wm.example"], partner_support_addresses=["ps@wm.example"])
    assert assign_role(msg("ESC@wm.example"), config)[0] is Role.WALMART_CUSTOMER_CARE
    assert assign_role(msg("ps@wm.example"), config)[0] is Role.PARTNER_SUPPORT


def test_bad_extra_pattern_is_a_clear_config_error() -> None:
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        EmailConfig(extra_patterns=["Order ({po}"])


ORDER = OrderKey(PO, CO, RELAY)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (msg("a@example.com", subject=f"Where is PO# {PO}?"), f"PO {PO} in the subject"),
        (msg("a@example.com", body=f"order {CO} is late"), f"customer order number {CO} in the body"),
        (msg(RELAY.upper()), "sent from the order's relay address"),
        (msg("support@brightgoods.example", to=[RELAY]), "sent to the order's relay address"),
    ],
)
def test_messages_match_an_order_and_say_why(message: Message, reason: str) -> None:
    reasons = match_order(message, ORDER)
    assert any(reason in r for r in reasons), reasons


@pytest.mark.parametrize(
    "text", [f"PO 1{PO}", f"PO {PO}9", "PO 434207643532", "another order entirely"]
)  # fmt: skip
def test_longer_or_shorter_numbers_do_not_match(text: str) -> None:
    assert match_order(msg("a@example.com", subject=text, body=text), ORDER) == []


def test_extra_patterns_match_with_the_order_numbers_filled_in() -> None:
    config = EmailConfig(extra_patterns=[r"case for purchase order\s*#?{po}"])
    message = msg("x@example.com", body=f"Case for purchase order #{PO}")
    assert match_order(message, ORDER, config) == [
        f"PO {PO} in the body",
        "matches configured pattern 'case for purchase order\\\\s*#?{po}'",
    ]


def test_order_model_gives_the_same_key() -> None:
    order = Order(po=PO, customer_order_number=CO, order_date=datetime(2026, 9, 1, tzinfo=UTC), customer_email=RELAY)
    assert OrderKey.of(order) == ORDER
