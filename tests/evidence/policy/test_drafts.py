"""Draft dispute text: one template per scenario, filled with the case's facts and citing the evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from evidence.models import Role, Verdict
from evidence.policy import assess, default_registry
from evidence.policy.drafts import choose_template
from tests.evidence.policy.factories import make_case, message, shipment, utc

REG = default_registry()
P2024 = REG.get("walmart-cc-2024-11")
ISSUED = utc(2026, 11, 20, 15, 0)
NOW = ISSUED + timedelta(hours=12)
SHIPPED = utc(2026, 11, 11, 18, 0)
OFFER = [
    message("c1@relay", ISSUED - timedelta(hours=30), Role.CUSTOMER),
    message("s1@seller", ISSUED - timedelta(hours=28), Role.SELLER, body="A replacement ships today."),
]

SCENARIOS = [
    ("replied_in_time", {}, ["replied on Nov 19, 2026, 8:00 AM CST", "5.0 hours later", "message c1@relay"]),
    (
        "delivered_with_proof",
        {
            "reason_code": "LOST_AFTER_DELIVERY",
            "reason": "Lost after delivery",
            "shipments": [shipment(SHIPPED, delivered=SHIPPED + timedelta(days=2), proof="signature")],
        },
        ["signature proof of delivery", "delivered Nov 13, 2026, 12:00 PM CST", "1Z999AA10123456784"],
    ),
    (
        "lost_in_transit",
        {
            "reason_code": "LOST_IN_TRANSIT",
            "reason": "Lost in transit",
            "messages": OFFER,
            "shipments": [shipment(SHIPPED)],
        },
        ["Valid tracking: UPS 1Z999AA10123456784", "Replacement or refund offered"],
    ),
    (
        "outside_return_window",
        {"shipped_at": utc(2026, 9, 1, 15, 0), "order_date": utc(2026, 8, 31)},
        ["outside the standard return window", "eligible for full reimbursement"],
    ),
    (
        "generic",
        {"messages": [message("c1@relay", ISSUED + timedelta(hours=1), Role.CUSTOMER)]},
        ["[Reviewer:", "no reply is recorded"],
    ),
]


@pytest.mark.parametrize(("template", "kwargs", "phrases"), [s for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_each_scenario_gets_its_template_filled_with_the_facts(template, kwargs, phrases):
    result = assess(make_case(**kwargs), P2024, NOW)
    assert choose_template(result.findings) == template
    draft = result.draft or ""
    for phrase in [
        "PO 4342076435326",
        "T-REF-1",
        "$42.17",
        "Nov 20, 2026, 9:00 AM CST",
        "screens/refund-details.png",
        "Acme Lamps",
        *phrases,
    ]:
        assert phrase in draft, (phrase, draft)
    assert "-$42.17" not in draft  # the refunded sum reads as a positive amount
    assert "{{" not in draft and "{%" not in draft


@pytest.mark.parametrize("kwargs", [{"keep_it": True}, {"state": "DISPUTED"}])
def test_no_draft_when_a_dispute_cannot_be_filed(kwargs):
    result = assess(make_case(**kwargs), P2024, NOW)
    assert result.verdict in (Verdict.NOT_DISPUTABLE, Verdict.ALREADY_DISPUTED)
    assert result.draft is None


def test_draft_is_plain_text_and_does_not_quote_message_bodies():
    hostile = [
        message("c1@relay", ISSUED - timedelta(hours=30), Role.CUSTOMER, body="<script>alert(1)</script>"),
        message("s1@seller", ISSUED - timedelta(hours=29), Role.SELLER, body="ok"),
    ]
    draft = assess(make_case(messages=hostile), P2024, NOW).draft or ""
    assert "<script>" not in draft and "&lt;" not in draft
