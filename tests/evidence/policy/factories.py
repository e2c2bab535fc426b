"""Builders for refund cases used by the policy tests: a sensible, disputable default plus overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from evidence.models import (
    AmountBreakdown,
    Capture,
    Channel,
    DisputeInfo,
    DisputeState,
    Layout,
    Message,
    MessageKind,
    MessageSource,
    Money,
    Order,
    OrderLine,
    RefundCase,
    RefundChannel,
    RefundDetail,
    Role,
    Seller,
    Shipment,
    Thread,
    TrackingEvent,
    TransactionType,
)

PO = "4342076435326"
RELAY = "0123456789abcdef0123456789abcdef@relay.walmart.com"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def money(value: str) -> Money:
    return Money(amount=Decimal(value))


def message(
    mid: str,
    at: datetime,
    role: Role,
    *,
    automatic: bool = False,
    body: str = "",
    complaint: bool = False,
    kind: MessageKind | None = None,
) -> Message:
    sender = RELAY if role is Role.CUSTOMER else ("seller@example.com" if role is Role.SELLER else "cc@walmart.com")
    return Message(
        message_id=mid,
        source=MessageSource.MAILBOX,
        sent_at=at,
        sender=sender,
        role=role,
        automatic=automatic,
        kind=kind or (MessageKind.AUTORESPONDER if automatic else MessageKind.HUMAN),
        body_text=body,
        complaint=complaint,
        subject=f"Order {PO}",
    )


def shipment(
    shipped: datetime,
    *,
    delivered: datetime | None = None,
    proof: str | None = None,
    insured: bool = False,
    events: bool = True,
) -> Shipment:
    evs = [TrackingEvent(time=shipped, status="Label created")] if events else []
    if delivered and events:
        evs.append(TrackingEvent(time=delivered, status="Delivered"))
    return Shipment(
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        shipped_at=shipped,
        delivered_at=delivered,
        delivery_proof=proof,
        insured=insured,
        line_numbers=[1],
        events=evs,
    )


def make_case(
    *,
    issued_at: datetime = utc(2026, 11, 20, 15, 0),
    settlement_date: date | None = date(2026, 11, 22),
    timezone: str = "America/Chicago",
    state: DisputeState = DisputeState.OPEN,
    window_ends_at: datetime | None = None,
    reason: str | None = "Item damaged",
    reason_code: str | None = "DAMAGED",
    refund_channel: RefundChannel | None = RefundChannel.WALMART_TRIGGERED_REFUND,
    keep_it: bool = False,
    order_date: datetime | None = utc(2026, 11, 10, 12, 0),
    shipped_at: datetime = utc(2026, 11, 11, 18, 0),
    shipments: list[Shipment] | None = None,
    category: str | None = None,
    messages: list[Message] | None = None,
    with_messages: bool = True,
    **extra: Any,
) -> RefundCase:
    if messages is None and with_messages:
        start = issued_at - timedelta(hours=30)
        messages = [
            message("c1@relay", start, Role.CUSTOMER, body="Where is my parcel?"),
            message("s1@seller", start + timedelta(hours=5), Role.SELLER, body="Sorry, we will send a replacement."),
        ]
    order = None
    if order_date is not None:
        order = Order(
            po=PO,
            customer_order_number="200012345678901",
            order_date=order_date,
            lines=[
                OrderLine(
                    line_number=1,
                    sku="SKU-1",
                    product_name="Lamp",
                    quantity=1,
                    unit_price=money("39.99"),
                    category=category,
                )
            ],
            shipments=shipments
            if shipments is not None
            else [shipment(shipped_at, delivered=shipped_at + timedelta(days=3))],
        )
    refund = RefundDetail(
        transaction_id="T-REF-1",
        po=PO,
        type=TransactionType.CUSTOMER_CARE_REFUND,
        breakdown=AmountBreakdown(
            product=money("-39.99"),
            shipping=money("-5.00"),
            tax=money("-3.18"),
            fees=money("0"),
            commission=money("6.00"),
            net_payable=money("-42.17"),
        ),
        reason=reason,
        reason_code=reason_code,
        issued_at=issued_at,
        channel=Channel.CUSTOMER_CARE,
        refund_channel=refund_channel,
        settlement_date=settlement_date,
        keep_it=keep_it,
        line_numbers=[1],
        dispute=DisputeInfo(state=state, window_ends_at=window_ends_at),
        layout=Layout.PAYMENTS_2022,
    )
    return RefundCase(
        po=PO,
        refund_transaction_id="T-REF-1",
        seller=Seller(name="Acme Lamps", timezone=timezone),
        order=order,
        refund=refund,
        threads=[Thread(po=PO, messages=messages or [])] if with_messages else [],
        captures=[
            Capture(
                screen="payments.refund-details",
                url="https://seller.example/payments",
                captured_at=issued_at + timedelta(hours=1),
                screenshot="screens/refund-details.png",
            )
        ],
        **extra,
    )
