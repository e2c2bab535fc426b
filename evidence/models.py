"""The domain models: what the page objects read, what bundles store, what the policy assesses.

Every timestamp is timezone-aware UTC (naive datetimes are rejected; other offsets are converted),
money is ``Decimal`` with a currency, and unknown fields are rejected. These models are the
contract between ``pages/`` (which produces them), ``evidence/`` (which stores, verifies and
assesses them) and ``collector/`` (which moves them from one to the other).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[
    AwareDatetime,
    AfterValidator(_to_utc),
    # Stable text form: always "Z", seconds precision kept, microseconds only when present.
    PlainSerializer(lambda v: v.isoformat().replace("+00:00", "Z"), return_type=str, when_used="json"),
]

DecimalText = Annotated[Decimal, PlainSerializer(lambda v: str(v), return_type=str, when_used="json")]


class Model(BaseModel):
    """Base for every evidence model: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False, ser_json_timedelta="float")


# --------------------------------------------------------------------------- enums


class Channel(StrEnum):
    """Who issued a refund / where a return came from (Returns API ``returnChannel``)."""

    CUSTOMER_CARE = "CUSTOMER_CARE"
    ONLINE = "ONLINE"
    IN_STORE = "IN_STORE"


class RefundChannel(StrEnum):
    """Returns API ``refundChannel``: who triggered the money movement."""

    WALMART_SETTLED_REFUND = "WALMART_SETTLED_REFUND"
    WALMART_TRIGGERED_REFUND = "WALMART_TRIGGERED_REFUND"
    SELLER_AUTO_REFUND = "SELLER_AUTO_REFUND"
    SELLER_MANUAL_REFUND = "SELLER_MANUAL_REFUND"
    SELLER_SYSTEM_REFUND = "SELLER_SYSTEM_REFUND"

    @property
    def seller_initiated(self) -> bool:
        return self.name.startswith("SELLER_")


class TransactionType(StrEnum):
    SALE = "SALE"
    REFUND = "REFUND"  # a refund the seller or the return flow issued
    CUSTOMER_CARE_REFUND = "CUSTOMER_CARE_REFUND"  # "Walmart Customer Care refund"
    ADJUSTMENT = "ADJUSTMENT"
    REVERSAL = "REVERSAL"  # e.g. "Walmart Customer Care Refund Reversal" after a won dispute


class DisputeState(StrEnum):
    """The dispute area under NET PAYABLE / in "Refund details"."""

    OPEN = "OPEN"  # a Dispute button and "dispute window ends <date>"
    DISPUTED = "DISPUTED"  # "Disputed on <date>, case ID <id>"
    WINDOW_PASSED = "WINDOW_PASSED"  # "The dispute window has passed"
    NOT_AVAILABLE = "NOT_AVAILABLE"  # no dispute area (a sale, or a transaction that cannot be disputed)


class CaseStatus(StrEnum):
    SUBMITTED = "Submitted"
    IN_REVIEW = "In review"
    APPROVED = "Approved"
    DENIED = "Denied"
    APPEAL_SUBMITTED = "Appeal submitted"
    APPEAL_APPROVED = "Appeal approved"
    APPEAL_DENIED = "Appeal denied"
    CLOSED = "Closed"


class Layout(StrEnum):
    """Which Seller Center screens a refund was read from."""

    PAYMENTS_2022 = "payments-2022"
    TRANSACTIONS_2024 = "transactions-2024"
    RETURNS = "returns"


class Role(StrEnum):
    CUSTOMER = "customer"
    SELLER = "seller"
    WALMART_CUSTOMER_CARE = "walmart_customer_care"
    WALMART_SYSTEM = "walmart_system"
    PARTNER_SUPPORT = "partner_support"
    UNKNOWN = "unknown"


class MessageKind(StrEnum):
    HUMAN = "human"
    OUT_OF_OFFICE = "out_of_office"
    VACATION = "vacation"
    AUTORESPONDER = "autoresponder"
    BOUNCE = "bounce"
    READ_RECEIPT = "read_receipt"
    SYSTEM_NOTICE = "system_notice"


class MessageSource(StrEnum):
    INBOX = "inbox"  # Seller Center Inbox, read through the page objects
    MAILBOX = "mailbox"  # .eml folder, mbox or Maildir
    IMAP = "imap"


class InboxTab(StrEnum):
    CUSTOMER = "Customer"
    WALMART = "Walmart"


# --------------------------------------------------------------------------- money


class Money(Model):
    amount: DecimalText
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")

    def __str__(self) -> str:
        sign = "-" if self.amount < 0 else ""
        symbol = "$" if self.currency == "USD" else f"{self.currency} "
        return f"{sign}{symbol}{abs(self.amount):,.2f}"


# --------------------------------------------------------------------------- order facts


class Seller(Model):
    name: str
    seller_id: str | None = None
    timezone: str = Field(description="IANA time zone the seller's screens show, e.g. America/Chicago")


class Address(Model):
    name: str
    line1: str
    line2: str | None = None
    city: str
    state: str
    postal_code: str
    country: str = "US"


class OrderLine(Model):
    line_number: int = Field(ge=1)
    sku: str
    item_id: str | None = None
    product_name: str
    quantity: int = Field(ge=1)
    unit_price: Money
    category: str | None = None


class TrackingEvent(Model):
    time: UtcDatetime
    status: str  # e.g. "Label created", "In transit", "Out for delivery", "Delivered"
    location: str | None = None
    detail: str | None = None


class Shipment(Model):
    carrier: str
    tracking_number: str
    shipped_at: UtcDatetime
    delivered_at: UtcDatetime | None = None
    delivery_proof: str | None = Field(default=None, description='"signature", "photo" or None')
    insured: bool = False
    line_numbers: list[int] = Field(default_factory=list)
    events: list[TrackingEvent] = Field(default_factory=list)


class Order(Model):
    po: str = Field(pattern=r"^[0-9]{8,20}$")  # ASCII digits: \d would take Arabic-Indic or fullwidth ones
    customer_order_number: str | None = Field(default=None, pattern=r"^[0-9]{8,20}$")
    order_date: UtcDatetime
    customer_name: str | None = None
    customer_email: str | None = Field(default=None, description="per-order relay address")
    ship_to: Address | None = None
    fulfillment: str = "Seller Fulfilled"
    lines: list[OrderLine] = Field(default_factory=list)
    shipments: list[Shipment] = Field(default_factory=list)


# --------------------------------------------------------------------------- transactions & refunds


class AmountBreakdown(Model):
    """How a transaction's NET PAYABLE is made up. Signs as shown on screen (refunds negative)."""

    product: Money
    shipping: Money
    tax: Money
    fees: Money
    commission: Money
    net_payable: Money


class Transaction(Model):
    """One row of the order's transaction history."""

    transaction_id: str
    po: str
    type: TransactionType
    description: str
    posted_at: UtcDatetime
    net_payable: Money
    line_number: int | None = None


class DisputeInfo(Model):
    state: DisputeState
    window_ends_at: UtcDatetime | None = None  # OPEN (and WINDOW_PASSED when the screen says when)
    disputed_at: UtcDatetime | None = None  # DISPUTED
    case_id: str | None = None  # DISPUTED
    help_url: str | None = None
    message: str | None = Field(default=None, description="the dispute area's text, verbatim")


class RefundDetail(Model):
    """A refund transaction's details screen (NET PAYABLE details / Refund details drawer)."""

    transaction_id: str
    po: str
    customer_order_number: str | None = None
    type: TransactionType
    breakdown: AmountBreakdown
    reason: str | None = None
    reason_code: str | None = None
    issued_at: UtcDatetime
    channel: Channel
    refund_channel: RefundChannel | None = None
    settlement_date: date | None = None
    keep_it: bool = False
    line_numbers: list[int] = Field(default_factory=list)
    dispute: DisputeInfo
    layout: Layout


class ReturnInfo(Model):
    """A row of the Returns dashboard with its details."""

    rma: str
    po: str
    customer_order_number: str | None = None
    created_at: UtcDatetime
    channel: Channel
    reason_code: str | None = None
    reason: str | None = None
    refund_channel: RefundChannel | None = None
    keep_it: bool = False
    line_numbers: list[int] = Field(default_factory=list)
    tracking_events: list[TrackingEvent] = Field(default_factory=list)
    refund_amount: Money | None = None
    dispute: DisputeInfo | None = None


class CaseMessage(Model):
    author: str  # "Seller" / "Partner Support"
    sent_at: UtcDatetime
    body: str


class DisputeCase(Model):
    """A row of the Disputes dashboard with its case page."""

    case_id: str
    po: str
    transaction_id: str | None = None
    type: str  # "Customer Care refund", "Customer return", ...
    submitted_at: UtcDatetime
    status: CaseStatus
    decision_at: UtcDatetime | None = None
    amount_reimbursed: Money | None = None
    messages: list[CaseMessage] = Field(default_factory=list)


# --------------------------------------------------------------------------- messages


class Attachment(Model):
    filename: str
    media_type: str
    size: int = Field(ge=0)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class Message(Model):
    """One message, from the Inbox or a mailbox, in a normalized form.

    The original bytes (an .eml) stay in the bundle; ``raw_path``/``raw_sha256`` point at them.
    """

    message_id: str  # RFC 5322 Message-ID without brackets, or a stable synthetic id
    source: MessageSource
    sent_at: UtcDatetime
    sender: str  # e-mail address (relay address for customers)
    sender_name: str | None = None
    recipients: list[str] = Field(default_factory=list)
    subject: str = ""
    role: Role = Role.UNKNOWN
    automatic: bool = False
    kind: MessageKind = MessageKind.HUMAN
    reasons: list[str] = Field(default_factory=list, description="why it was classified so")
    complaint: bool = Field(default=False, description="BBB / Attorney General complaint: 1-hour reply window")
    body_text: str = ""
    body_html: str | None = Field(default=None, description="sanitized HTML, never the raw markup")
    attachments: list[Attachment] = Field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    inbox_tab: InboxTab | None = None
    raw_path: str | None = None
    raw_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    notes: list[str] = Field(default_factory=list, description="parsing problems met and handled")
    also_seen_in: list[str] = Field(
        default_factory=list,
        description="other copies merged into this one: 'inbox:<id>', 'imap:<host>/<folder>/<uid>', 'mbox:<path>#<n>'",
    )


class Thread(Model):
    po: str
    subject: str = ""
    messages: list[Message] = Field(default_factory=list)  # oldest first


class ReplyStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    UNANSWERED = "unanswered"  # window over, no human reply
    AUTOMATIC_ONLY = "automatic_only"  # window over, only automatic answers
    PENDING = "pending"  # no human reply yet, window still open


class ReplyCheck(Model):
    """For one inbound customer / Customer Care message: the first later human seller reply."""

    inbound_message_id: str
    inbound_role: Role
    inbound_at: UtcDatetime
    window_hours: float
    due_at: UtcDatetime
    reply_message_id: str | None = None
    replied_at: UtcDatetime | None = None
    latency_hours: float | None = None
    automatic_reply_ids: list[str] = Field(default_factory=list)
    status: ReplyStatus


# --------------------------------------------------------------------------- captures & assessment


class Capture(Model):
    """One screen as captured: where, when, and the files in the bundle that show it."""

    screen: str  # e.g. "payments.transaction-history", "payments.refund-details"
    url: str
    captured_at: UtcDatetime
    title: str | None = None
    screenshot: str | None = None  # path inside the bundle
    snapshot: str | None = None  # HTML snapshot path inside the bundle


class FindingStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


class EvidenceRef(Model):
    kind: str  # "message", "capture", "field", "file"
    ref: str  # message id, capture screen, dotted field path, or bundle path
    label: str | None = None


class Finding(Model):
    code: str  # stable id, e.g. "deadline", "replies.on_time"
    title: str
    status: FindingStatus
    detail: str
    evidence: list[EvidenceRef] = Field(default_factory=list)


class Verdict(StrEnum):
    READY_TO_FILE = "ready_to_file"
    NEEDS_ATTENTION = "needs_attention"
    NOT_DISPUTABLE = "not_disputable"
    WINDOW_CLOSED = "window_closed"
    ALREADY_DISPUTED = "already_disputed"


class Assessment(Model):
    policy_id: str
    assessed_at: UtcDatetime
    deadline: UtcDatetime | None = None
    deadline_basis: str | None = None  # e.g. "45 days from settlement date 2026-10-02"
    appeal_deadline: UtcDatetime | None = None
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    draft: str | None = None

    def time_left(self, now: datetime) -> timedelta | None:
        return None if self.deadline is None else self.deadline - now


class ReviewOutcome(StrEnum):
    APPROVED_TO_FILE = "approved_to_file"
    REJECTED = "rejected"
    NEEDS_MORE_EVIDENCE = "needs_more_evidence"


class ReviewDecision(Model):
    reviewer: str
    decided_at: UtcDatetime
    outcome: ReviewOutcome
    note: str = ""
    # An approval's filing choices (the review app; absent in decisions made before it).
    reason_option: str | None = Field(default=None, description="the dispute form's reason, one of its four")
    text: str | None = Field(default=None, description="the approved description text, as it will be filed")
    attachments: list[str] = Field(default_factory=list, description="bundle paths to attach, in order")


class EvidenceKind(StrEnum):
    """What a file a reviewer adds to a bundle is (the policy reads ``carrier_claim``)."""

    CARRIER_CLAIM = "carrier_claim"
    CALL_NOTE = "call_note"
    PHOTO = "photo"
    OTHER = "other"


class AddedEvidence(Model):
    """A file a reviewer attached after collection (``added/``), with who, when and what it is."""

    path: str  # inside the bundle, under added/
    kind: EvidenceKind
    label: str
    filename: str  # as uploaded
    media_type: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    added_by: str
    added_at: UtcDatetime
    note: str = ""


# --------------------------------------------------------------------------- the case


class RefundCase(Model):
    """Everything captured about one disputable refund: the structured heart of a bundle."""

    po: str
    refund_transaction_id: str
    seller: Seller
    order: Order | None = None
    transactions: list[Transaction] = Field(default_factory=list)
    refund: RefundDetail
    returns: list[ReturnInfo] = Field(default_factory=list)
    dispute_case: DisputeCase | None = None
    threads: list[Thread] = Field(default_factory=list)
    reply_checks: list[ReplyCheck] = Field(default_factory=list)
    captures: list[Capture] = Field(default_factory=list)
    source_urls: list[str] = Field(default_factory=list)
    assessment: Assessment | None = None
    # Files added in review: stored in data/added/*.json beside case.json (never inside it), laid
    # over the case when a bundle is read, so the policy sees them.
    added_evidence: list[AddedEvidence] = Field(default_factory=list, exclude=True)
