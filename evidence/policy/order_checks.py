"""Checks on the order's facts: lost-order steps, the return window, the search horizon.

Split from :mod:`evidence.policy.checks` (message and dispute checks) to keep modules small; the
same conventions apply: one function per finding, ``unknown`` when the data cannot show it.
"""

from __future__ import annotations

from datetime import timedelta

from evidence.models import EvidenceKind, EvidenceRef, Finding, Role, Shipment, TransactionType
from evidence.policy.checks import FAIL, OFFER_WORDS, PASS, UNKNOWN, Facts, Titles, _field, _finding, _message
from evidence.policy.deadlines import return_window_end

__all__ = ["check_lost_order", "check_return_window", "check_search_horizon", "lost_order_reason"]

LOST_AFTER_DELIVERY = "lost_after_delivery"


def lost_order_reason(facts: Facts) -> str | None:
    """The refund's lost-order reason (as written in the data), or None when it is not a lost order."""
    wanted = {r.casefold() for r in facts.policy.lost_order_reasons}
    refund = facts.case.refund
    texts = [refund.reason_code, refund.reason] + [t for r in facts.case.returns for t in (r.reason_code, r.reason)]
    return next((t for t in texts if t and t.casefold() in wanted), None)


def _delivered(shipment: Shipment) -> bool:
    return shipment.delivered_at is not None or any(
        e.status.casefold().startswith("delivered") for e in shipment.events
    )


def check_lost_order(facts: Facts) -> list[Finding]:
    """The lost-order steps Walmart judges such refunds on, as far as the data shows them."""
    refund = facts.case.refund
    reason = lost_order_reason(facts)
    if reason is None:
        if refund.reason or refund.reason_code or any(r.reason or r.reason_code for r in facts.case.returns):
            return []
        return [
            _finding(
                "lost_order.reason",
                Titles("Refund reason known", "Refund reason missing", "Refund reason not captured"),
                UNKNOWN,
                "No refund reason was captured: cannot tell whether the lost-order steps apply.",
                [_field("refund.reason"), _field("refund.reason_code")],
            )
        ]
    order = facts.case.order
    shipments = order.shipments if order else []
    # A delivery scan with signature/photo proof turns "not received" into a lost-after-delivery case:
    # the proof is the answer, and a replacement or carrier claim is not expected.
    proven = any(_delivered(s) and s.delivery_proof in ("signature", "photo") for s in shipments)
    after_delivery = reason.casefold().replace(" ", "_") == LOST_AFTER_DELIVERY or proven
    findings = [_tracking(facts, shipments, order is not None)]
    if after_delivery or any(_delivered(s) for s in shipments):
        findings.append(_delivery_proof(shipments, order is not None, after_delivery))
    findings.append(_customer_contacted(facts))
    if not after_delivery:
        findings.append(_resolution_offered(facts))
        claim = _carrier_claim(facts, shipments, order is not None)
        if claim is not None:
            findings.append(claim)
    return findings


def _tracking(facts: Facts, shipments: list[Shipment], have_order: bool) -> Finding:
    title = Titles("Valid tracking with carrier scans", "No tracked shipment", "Tracking not confirmed")
    refs = [_field("order.shipments")] + facts.capture_refs("order", "tracking")
    if not have_order:
        return _finding("lost_order.tracking", title, UNKNOWN, "The order's shipments were not captured.", refs)
    if not shipments:
        return _finding(
            "lost_order.tracking", title, FAIL, "No shipment with tracking is recorded for the order.", refs
        )
    scanned = [s for s in shipments if s.tracking_number and (s.events or s.delivered_at)]
    if scanned:
        s = scanned[0]
        seen = f"{len(s.events)} carrier scan(s)" if s.events else f"delivery recorded {facts.local(s.delivered_at)}"
        return _finding(
            "lost_order.tracking", title, PASS, f"{s.carrier} tracking {s.tracking_number} with {seen}.", refs
        )
    s = shipments[0]
    return _finding(
        "lost_order.tracking",
        title,
        UNKNOWN,
        f"{s.carrier} tracking {s.tracking_number} has no carrier scans captured; check it is valid.",
        refs,
    )


def _delivery_proof(shipments: list[Shipment], have_order: bool, required: bool) -> Finding:
    title = Titles(
        "Delivered with signature or photo proof", "No proof of delivery", "Proof of delivery not known"
    )
    refs = [_field("order.shipments.delivered_at"), _field("order.shipments.delivery_proof")]
    if not have_order:
        return _finding("lost_order.delivery_proof", title, UNKNOWN, "The order's shipments were not captured.", refs)
    delivered = [s for s in shipments if _delivered(s)]
    proven = [s for s in delivered if s.delivery_proof in ("signature", "photo")]
    if proven:
        s = proven[0]
        return _finding(
            "lost_order.delivery_proof",
            title,
            PASS,
            f"{s.carrier} {s.tracking_number}: delivered, with {s.delivery_proof} proof.",
            refs,
        )
    if delivered:
        return _finding(
            "lost_order.delivery_proof",
            title,
            FAIL,
            "Delivered per the carrier scan, but no signature or photo proof is recorded; "
            "a lost-after-delivery dispute needs one.",
            refs,
        )
    status = FAIL if required else UNKNOWN
    return _finding("lost_order.delivery_proof", title, status, "No delivery scan is recorded.", refs)


def _seller_human(facts: Facts) -> list:
    return [m for m in facts.messages if m.role is Role.SELLER and not m.automatic]


def _customer_contacted(facts: Facts) -> Finding:
    title = Titles(
        "Customer contacted by the seller",
        "Customer not contacted by the seller",
        "Contact with the customer not known",
    )
    if not facts.has_messages:
        return _finding(
            "lost_order.customer_contacted", title, UNKNOWN, "No messages were captured.", [_field("threads")]
        )
    sent = _seller_human(facts)
    if sent:
        return _finding(
            "lost_order.customer_contacted",
            title,
            PASS,
            f"The seller wrote {len(sent)} message(s), first on {facts.local(sent[0].sent_at)}.",
            [_message(m.message_id) for m in sent],
        )
    if facts.unidentified:
        return _finding(
            "lost_order.customer_contacted",
            title,
            UNKNOWN,
            f"{facts.unidentified_hint()}. No human message from an identified seller address is in the captured "
            "threads; one of them may be the seller's.",
            [_message(m.message_id, "sender unidentified") for m in facts.unidentified],
        )
    return _finding(
        "lost_order.customer_contacted",
        title,
        FAIL,
        "No human message from the seller is in the captured threads.",
        [_field("threads")],
    )


def _resolution_offered(facts: Facts) -> Finding:
    title = Titles(
        "Replacement or refund offered", "No replacement or refund offered", "No offer of a replacement or refund found"
    )
    if not facts.has_messages:
        return _finding(
            "lost_order.resolution_offered", title, UNKNOWN, "No messages were captured.", [_field("threads")]
        )
    offers = [m for m in _seller_human(facts) if any(w in f"{m.subject} {m.body_text}".casefold() for w in OFFER_WORDS)]
    if offers:
        return _finding(
            "lost_order.resolution_offered",
            title,
            PASS,
            f"Offered in the seller's message of {facts.local(offers[0].sent_at)}.",
            [_message(m.message_id, "offer") for m in offers],
        )
    return _finding(
        "lost_order.resolution_offered",
        title,
        UNKNOWN,
        "No offer of a replacement or refund was recognised in the seller's messages; read them.",
        [_message(m.message_id) for m in _seller_human(facts)] or [_field("threads")],
    )


def _carrier_claim(facts: Facts, shipments: list[Shipment], have_order: bool) -> Finding | None:
    title = Titles(
        "Carrier claim filed (insured shipment)",
        "No carrier claim filed (insured shipment)",
        "Carrier claim not shown",
    )
    claims = [a for a in facts.case.added_evidence if a.kind is EvidenceKind.CARRIER_CLAIM]
    if claims:  # a reviewer attached the claim (evidence.review.add_evidence_and_reassess)
        shown = ", ".join(f"{a.label} (added by {a.added_by} {facts.local(a.added_at)})" for a in claims)
        return _finding(
            "lost_order.carrier_claim", title, PASS, f"Carrier claim attached: {shown}.",
            [EvidenceRef(kind="file", ref=a.path, label=a.label) for a in claims],
        )  # fmt: skip
    if not have_order or not shipments:
        return _finding(
            "lost_order.carrier_claim",
            title,
            UNKNOWN,
            "Cannot tell whether the shipment was insured.",
            [_field("order.shipments.insured")],
        )
    if not any(s.insured for s in shipments):
        return None
    return _finding(
        "lost_order.carrier_claim",
        title,
        UNKNOWN,
        "The shipment was insured: a carrier claim is expected, and the captured data cannot show one. "
        "Attach the claim.",
        [_field("order.shipments.insured")],
    )


def check_return_window(facts: Facts) -> Finding:
    """Informational: pass = issued outside the return window (a full-reimbursement ground).

    When the refunded lines are not known and the order's lines have different windows, the answer
    is given only when it is the same whichever lines were refunded; otherwise ``unknown``.
    """
    end = return_window_end(facts.case.order, facts.case.refund, facts.policy, facts.tz)
    title = Titles(
        "Refund issued outside the return window",
        "Refund issued inside the return window",
        "Return window not known",
    )
    refs = [_field(end.field or "order.shipments"), _field("refund.issued_at")]
    if end.field != "refund.line_numbers" and not facts.case.refund.line_numbers:
        refs.append(_field("refund.line_numbers", "not shown"))
    issued = facts.case.refund.issued_at
    if end.at is None and end.between is not None:
        earliest, latest = end.between
        refs.append(_field("order.lines.category"))
        refs.append(_field("order.shipments.shipped_at"))
        if issued >= latest:
            return _finding(
                "return_window",
                title,
                PASS,
                f"Issued {facts.local(issued)}, after the return window closed whichever lines were refunded "
                f"(the refunded lines were not shown; the order's lines' windows closed between "
                f"{facts.local(earliest)} and {facts.local(latest)}; {end.basis}): eligible for full reimbursement.",
                refs,
            )
        if issued < earliest:
            return _finding(
                "return_window",
                title,
                FAIL,
                f"Issued {facts.local(issued)}, inside the return window whichever lines were refunded "
                f"(the refunded lines were not shown; the first of the order's lines' windows closes "
                f"{facts.local(earliest)}).",
                refs,
            )
        return _finding(
            "return_window",
            title,
            UNKNOWN,
            f"Issued {facts.local(issued)}; {end.missing}: they closed between {facts.local(earliest)} and "
            f"{facts.local(latest)} ({end.basis}), so whether the refund was issued outside the return window "
            "depends on which lines were refunded. Check the refunded lines in Seller Center.",
            refs,
        )
    if end.at is None:
        return _finding("return_window", title, UNKNOWN, f"Cannot compute the return window: {end.missing}.", refs)
    if issued >= end.at:
        return _finding(
            "return_window",
            title,
            PASS,
            f"Issued {facts.local(issued)}, after the return window closed {facts.local(end.at)} "
            f"({end.basis}): eligible for full reimbursement.",
            refs,
        )
    return _finding(
        "return_window",
        title,
        FAIL,
        f"Issued {facts.local(issued)}, inside the return window (closes {facts.local(end.at)}; {end.basis}).",
        refs,
    )


def check_search_horizon(facts: Facts) -> Finding:
    horizon = facts.policy.search.horizon_days
    title = Titles(
        f"Order within the {horizon}-day search horizon",
        f"Order older than the {horizon}-day search horizon",
        "Order date not known",
    )
    ordered, path = None, "order.order_date"
    if facts.case.order is not None:
        ordered = facts.case.order.order_date
    else:
        sales = [t.posted_at for t in facts.case.transactions if t.type is TransactionType.SALE]
        ordered, path = (min(sales), "transactions.posted_at") if sales else (None, path)
    refs: list[EvidenceRef] = [_field(path)]
    if ordered is None:
        return _finding("search_horizon", title, UNKNOWN, "The order date was not captured.", refs)
    age = facts.now - ordered
    if age <= timedelta(days=horizon):
        return _finding("search_horizon", title, PASS, f"Ordered {facts.local(ordered)}, {age.days} days ago.", refs)
    return _finding(
        "search_horizon",
        title,
        FAIL,
        f"Ordered {facts.local(ordered)}, {age.days} days ago: Search Transactions no longer shows it; "
        "file through a Seller Support case.",
        refs,
    )
