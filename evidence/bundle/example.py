"""An example refund case and its captures: the sample bundle in the docs and the golden tests.

``python -m evidence.bundle.example OUT_DIR`` writes it, with a fixed clock, so that anyone can
look at a real bundle (and its report) without running a collection.
"""

from __future__ import annotations

import struct
import sys
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from evidence.bundle.manifest import Artifact, BundleContext
from evidence.models import (
    Address,
    AmountBreakdown,
    Assessment,
    Capture,
    Channel,
    DisputeInfo,
    DisputeState,
    EvidenceRef,
    Finding,
    FindingStatus,
    Layout,
    Message,
    MessageKind,
    MessageSource,
    Money,
    Order,
    RefundCase,
    RefundChannel,
    RefundDetail,
    ReplyCheck,
    ReplyStatus,
    Role,
    Seller,
    Shipment,
    Thread,
    TransactionType,
    Verdict,
)

FIXED_NOW = datetime(2026, 11, 20, 21, 15, tzinfo=UTC)
PO = "4342076435326"
TRANSACTION = "CCR-88121"
CUSTOMER_EMAIL = "0f1e2d3c4b5a69788796a5b4c3d2e1f0@relay.walmart.com"


def fixed_clock() -> datetime:
    return FIXED_NOW


def tiny_png(rgb: tuple[int, int, int] = (40, 90, 200)) -> bytes:
    """A valid 2x2 PNG (stands in for a full-page screenshot)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * 2
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * 2, 9)) + chunk(b"IEND", b"")
    )


def _usd(amount: str) -> Money:
    return Money(amount=Decimal(amount))


def example_case(customer_body: str = "Hi, my package never arrived. Where is it?") -> RefundCase:
    """A Customer Care refund with a customer question, an auto-reply, and an on-time human reply."""
    t = lambda day, hour, minute=0: datetime(2026, 11, day, hour, minute, tzinfo=UTC)  # noqa: E731
    messages = [
        Message(
            message_id="msg-001@relay.walmart.com", source=MessageSource.MAILBOX, sent_at=t(16, 14, 2),
            sender=CUSTOMER_EMAIL, sender_name="Jane Q. Buyer", recipients=["support@example-seller.com"],
            subject=f"Where is my order {PO}?", role=Role.CUSTOMER, body_text=customer_body,
            raw_path="emails/0001.eml",
        ),
        Message(
            message_id="msg-002@example-seller.com", source=MessageSource.MAILBOX, sent_at=t(16, 14, 3),
            sender="support@example-seller.com", subject="Automatic reply: Where is my order?", role=Role.SELLER,
            automatic=True, kind=MessageKind.AUTORESPONDER, reasons=["Auto-Submitted: auto-replied"],
            body_text="We received your message and will answer soon.", raw_path="emails/0002.eml",
        ),
        Message(
            message_id="msg-003@example-seller.com", source=MessageSource.MAILBOX, sent_at=t(17, 9, 30),
            sender="support@example-seller.com", sender_name="Example Seller Support", role=Role.SELLER,
            subject="Re: Where is my order?", body_text="Hello Jane, the carrier shows delivery on Nov 14 "
            "with a photo at your front door. We opened a trace with the carrier.", raw_path="emails/0003.eml",
        ),
    ]  # fmt: skip
    return RefundCase(
        po=PO,
        refund_transaction_id=TRANSACTION,
        seller=Seller(name="Example Seller LLC", seller_id="101234", timezone="America/Chicago"),
        order=Order(
            po=PO,
            customer_order_number="200012345678901",
            order_date=t(8, 15),
            customer_name="Jane Q. Buyer",
            customer_email=CUSTOMER_EMAIL,
            ship_to=Address(
                name="Jane Q. Buyer", line1="1200 Example Avenue", city="Springfield", state="IL", postal_code="62704"
            ),
            shipments=[
                Shipment(
                    carrier="UPS",
                    tracking_number="1Z999AA10123456784",
                    shipped_at=t(9, 18),
                    delivered_at=t(14, 17),
                    delivery_proof="photo",
                )
            ],
        ),  # fmt: skip
        refund=RefundDetail(
            transaction_id=TRANSACTION,
            po=PO,
            type=TransactionType.CUSTOMER_CARE_REFUND,
            breakdown=AmountBreakdown(
                product=_usd("-42.00"),
                shipping=_usd("-5.99"),
                tax=_usd("-3.36"),
                fees=_usd("0.00"),
                commission=_usd("6.30"),
                net_payable=_usd("-45.05"),
            ),
            reason="Merchandise not received",
            issued_at=t(19, 16, 40),
            channel=Channel.CUSTOMER_CARE,
            refund_channel=RefundChannel.WALMART_TRIGGERED_REFUND,
            dispute=DisputeInfo(state=DisputeState.OPEN, window_ends_at=t(21, 16, 40)),
            layout=Layout.TRANSACTIONS_2024,
        ),  # fmt: skip
        threads=[Thread(po=PO, subject="Where is my order?", messages=messages)],
        reply_checks=[
            ReplyCheck(
                inbound_message_id="msg-001@relay.walmart.com",
                inbound_role=Role.CUSTOMER,
                inbound_at=t(16, 14, 2),
                window_hours=48,
                due_at=t(18, 14, 2),
                reply_message_id="msg-003@example-seller.com",
                replied_at=t(17, 9, 30),
                latency_hours=19.4667,
                automatic_reply_ids=["msg-002@example-seller.com"],
                status=ReplyStatus.ON_TIME,
            )
        ],  # fmt: skip
        captures=[
            Capture(
                screen="transactions.refund-details",
                url="https://seller.walmart.com/transactions?po=" + PO,
                captured_at=t(20, 21, 10),
                title="Refund details",
                screenshot="captures/01-refund-details.png",
                snapshot="captures/01-refund-details.html",
            )
        ],  # fmt: skip
        source_urls=["https://seller.walmart.com/transactions?po=" + PO],
        assessment=example_assessment(),
    )


def example_assessment(verdict: Verdict = Verdict.READY_TO_FILE, assessed_at: datetime = FIXED_NOW) -> Assessment:
    return Assessment(
        policy_id="walmart-cc-2024-11",
        assessed_at=assessed_at,
        deadline=datetime(2026, 11, 21, 16, 40, tzinfo=UTC),
        deadline_basis="48 hours from refund issuance 2026-11-19 16:40 UTC",
        verdict=verdict,
        reasons=["The customer's question was answered by a person within 48 hours."],
        findings=[
            Finding(
                code="replies.on_time",
                title="Replied in time",
                status=FindingStatus.PASS,
                detail="1 inbound message, answered after 19 h 28 min.",
                evidence=[EvidenceRef(kind="message", ref="msg-003@example-seller.com", label="the reply")],
            ),
            Finding(
                code="delivery.proof",
                title="Proof of delivery",
                status=FindingStatus.PASS,
                detail="UPS photo proof of delivery on Nov 14.",
                evidence=[EvidenceRef(kind="capture", ref="transactions.refund-details", label="refund details")],
            ),
        ],  # fmt: skip
        draft="The customer's inquiry of Nov 16 was answered within 20 hours; the carrier confirms delivery.",
    )


def example_artifacts() -> list[Artifact]:
    html = (
        "<!DOCTYPE html><html><body><h1>Refund details</h1>"
        f"<p>PO {PO}</p><p>Customer: Jane Q. Buyer, 1200 Example Avenue, Springfield</p></body></html>\n"
    )
    emails = [
        f"From: Jane Q. Buyer <{CUSTOMER_EMAIL}>\r\nMessage-ID: <msg-001@relay.walmart.com>\r\n\r\nWhere is it?\r\n",
        "From: support@example-seller.com\r\nAuto-Submitted: auto-replied\r\n\r\nWe received your message.\r\n",
        "From: support@example-seller.com\r\n\r\nHello Jane, the carrier shows delivery.\r\n",
    ]
    return [
        Artifact("captures/01-refund-details.png", tiny_png()),
        Artifact("captures/01-refund-details.html", html.encode("utf-8")),
        *(Artifact(f"emails/{n:04d}.eml", body.encode("utf-8")) for n, body in enumerate(emails, start=1)),
    ]


def example_context() -> BundleContext:
    return BundleContext(
        tool_version="0.1.0",
        operator="ops@example-seller.com",
        playwright_version="1.45.0",
        browser_version="Chromium 126.0",
        job_id="job-20261120-0001",
        policy_id="walmart-cc-2024-11",
    )


def main(argv: list[str] | None = None) -> int:
    from evidence.bundle.writer import write_bundle

    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "example-bundles")
    ref = write_bundle(out, example_case(), example_artifacts(), example_context(), clock=fixed_clock)
    print(ref.path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
