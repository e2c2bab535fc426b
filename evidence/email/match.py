"""Which messages belong to an order, and the one-call "bytes -> classified message with a role".

A message belongs to an order when any of these holds (each match says why):

* the PO number or the customer order (CO) number appears in the subject or the body, as a whole
  number (``4342076435326`` matches, ``143420764353261`` does not);
* the order's relay address is the sender or a recipient (From / To / Cc);
* one of the configured ``extra_patterns`` matches (``{po}`` / ``{co}`` are filled in first),
  e.g. a Customer Care escalation template that cites the order in its own way;
* (applied by ``collect_thread``) it replies to, or is replied to by, a matching message.

``load_message`` parses raw bytes, classifies the message (human / automatic, with reasons) and
assigns the sender's role: what every source goes through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from evidence.email.classify import Classification, classify
from evidence.email.parse import ParsedEmail, parse_email
from evidence.email.roles import EmailConfig, assign_role
from evidence.models import Message, MessageSource, Order, Role

__all__ = ["OrderKey", "annotate", "load_message", "match_order"]


@dataclass(frozen=True)
class OrderKey:
    """What identifies an order's mail: the PO, the customer order number, the relay address."""

    po: str
    customer_order_number: str | None = None
    relay_address: str | None = None

    @classmethod
    def of(cls, order: Order | OrderKey) -> OrderKey:
        if isinstance(order, OrderKey):
            return order
        return cls(order.po, order.customer_order_number, order.customer_email)

    def numbers(self) -> list[str]:
        return [n for n in (self.po, self.customer_order_number) if n]


def annotate(message: Message, config: EmailConfig, relay_address: str | None = None) -> Message:
    """Give an already-classified message its role (Inbox messages come with their own)."""
    role, reason = assign_role(message, config, relay_address)
    update: dict[str, object] = {"role": role, "reasons": [*message.reasons, f"role: {reason}"]}
    if role is Role.SELLER and message.complaint:
        update["complaint"] = False  # the seller answering a complaint is not a complaint
    return message.model_copy(update=update)


def load_message(
    raw: bytes,
    config: EmailConfig,
    *,
    source: MessageSource = MessageSource.MAILBOX,
    origin: str = "",
    fallback_time: datetime | None = None,
    relay_address: str | None = None,
) -> ParsedEmail:
    """Parse, classify and assign a role. Never raises for bad content (see ``parse_email``)."""
    parsed = parse_email(raw, source=source, origin=origin, fallback_time=fallback_time)
    try:
        verdict = classify(parsed)
    except Exception as exc:  # noqa: BLE001 - a header the stdlib cannot read must not stop the import
        reason = f"could not be classified ({type(exc).__name__}); treated as human so that it needs a reply"
        verdict = Classification(reasons=[reason])
    message = parsed.message.model_copy(
        update={"kind": verdict.kind, "automatic": verdict.automatic, "reasons": verdict.reasons,
                "complaint": verdict.complaint}
    )  # fmt: skip
    parsed.message = annotate(message, config, relay_address)
    return parsed


def _number_pattern(number: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\d){re.escape(number)}(?!\d)")


def match_order(message: Message, order: Order | OrderKey, config: EmailConfig | None = None) -> list[str]:
    """Why ``message`` belongs to ``order``: an empty list means it does not."""
    key = OrderKey.of(order)
    reasons: list[str] = []
    haystack = f"{message.subject}\n{message.body_text}"
    for label, number in (("PO", key.po), ("customer order number", key.customer_order_number)):
        if not number:
            continue
        pattern = _number_pattern(number)
        if pattern.search(message.subject):
            reasons.append(f"{label} {number} in the subject")
        elif pattern.search(message.body_text):
            reasons.append(f"{label} {number} in the body")
    if key.relay_address:
        relay = key.relay_address.lower()
        if message.sender.lower() == relay:
            reasons.append(f"sent from the order's relay address {relay}")
        elif relay in (r.lower() for r in message.recipients):
            reasons.append(f"sent to the order's relay address {relay}")
    for template in config.extra_patterns if config else []:
        co = key.customer_order_number or key.po
        regex = template.replace("{po}", re.escape(key.po)).replace("{co}", re.escape(co))
        if re.search(regex, haystack, re.IGNORECASE):
            reasons.append(f"matches configured pattern {template!r}")
    return reasons
