"""Draft dispute text for the reviewer to edit: plain text, filled with the case's facts.

One jinja2 template per scenario in ``evidence/policy/templates/`` (``<name>.txt.j2``):
``replied_in_time``, ``delivered_with_proof``, ``lost_in_transit``, ``outside_return_window`` and
``generic``. :func:`choose_template` picks one from the findings. The text cites its evidence
(message times, screenshots by file name). It is a draft: nothing here sends it anywhere.

Templates are read once, at import, so rendering does no I/O. Autoescaping is off because the
output is plain text, never HTML; message bodies are not quoted, only their times and ids.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import jinja2

from evidence.models import Finding, FindingStatus, Money
from evidence.policy.checks import Facts

__all__ = ["TEMPLATE_NAMES", "choose_template", "draft_context", "render_draft"]

TEMPLATE_NAMES = ("replied_in_time", "delivered_with_proof", "lost_in_transit", "outside_return_window", "generic")


def _load_templates() -> dict[str, str]:
    folder = resources.files("evidence.policy") / "templates"
    return {name: (folder / f"{name}.txt.j2").read_text(encoding="utf-8") for name in TEMPLATE_NAMES}


_ENV = jinja2.Environment(
    loader=jinja2.DictLoader(_load_templates()),
    autoescape=False,  # plain text for a person to edit; never rendered as HTML
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _passed(findings: list[Finding], code: str) -> bool:
    return any(f.code == code and f.status is FindingStatus.PASS for f in findings)


def choose_template(findings: list[Finding]) -> str:
    if _passed(findings, "return_window"):
        return "outside_return_window"
    if _passed(findings, "lost_order.delivery_proof"):
        return "delivered_with_proof"
    if _passed(findings, "lost_order.tracking") and _passed(findings, "lost_order.customer_contacted"):
        return "lost_in_transit"
    if _passed(findings, "replies.on_time") and any(f.code == "replies.on_time" for f in findings):
        return "replied_in_time"
    return "generic"


def abs_money(value: Money) -> Money:
    """The refunded amount as a positive sum (the screen shows refunds negative)."""
    return Money(amount=abs(value.amount), currency=value.currency)


def draft_context(facts: Facts, findings: list[Finding]) -> dict[str, Any]:
    case, refund, local = facts.case, facts.case.refund, facts.local
    by_id = {m.message_id: m for m in facts.messages}
    replies = [
        {
            "role": c.inbound_role.value.replace("_", " "),
            "inbound_at": local(c.inbound_at),
            "inbound_id": c.inbound_message_id,
            "replied_at": local(c.replied_at) if c.replied_at else None,
            "reply_id": c.reply_message_id,
            "latency_hours": f"{c.latency_hours:.1f}" if c.latency_hours is not None else None,
            "window_hours": f"{c.window_hours:g}",
            "subject": by_id[c.inbound_message_id].subject if c.inbound_message_id in by_id else "",
        }
        for c in facts.reply_checks
    ]
    shipments = [
        {
            "carrier": s.carrier,
            "tracking": s.tracking_number,
            "shipped_at": local(s.shipped_at),
            "delivered_at": local(s.delivered_at) if s.delivered_at else None,
            "proof": s.delivery_proof,
            "insured": s.insured,
        }
        for s in (case.order.shipments if case.order else [])
    ]
    return {
        "po": case.po,
        "customer_order_number": refund.customer_order_number
        or (case.order.customer_order_number if case.order else None),
        "transaction_id": refund.transaction_id,
        "amount": str(abs_money(refund.breakdown.net_payable)),
        "issued_at": local(refund.issued_at),
        "reason": refund.reason or refund.reason_code or "not stated",
        "seller": case.seller.name,
        "replies": replies,
        "shipments": shipments,
        "screenshots": [c.screenshot for c in case.captures if c.screenshot],
        "findings": {f.code: f.detail for f in findings},
        "policy_title": facts.policy.title,
    }


def render_draft(facts: Facts, findings: list[Finding]) -> str:
    name = choose_template(findings)
    return _ENV.get_template(name).render(draft_context(facts, findings))
