"""Who sent a message: the customer, the seller, Walmart Customer Care, a Walmart system, Partner Support.

``EmailConfig`` is the small configuration shared by role assignment and order matching. Walmart's
real Customer Care and Partner Support sender addresses are not public (domain.md marks them
*assumed*), so they are configuration with conservative defaults:

* **seller**: ``seller_addresses`` / ``seller_domains`` (nothing by default: the collector passes
  the seller's own addresses).
* **customer**: the order's relay address, or any ``<32 hex>@relay.walmart.com`` address (relay
  addresses are per order and per customer; Walmart's own notices from relay domains use named
  mailboxes such as ``noreply@``, which do not match).
* **Walmart Customer Care**: ``walmart_cc_addresses`` / ``walmart_cc_domains``, or a Walmart
  mailbox whose name says customer care / escalation.
* **Partner Support**: ``partner_support_addresses`` or a Walmart ``partnersupport``-style mailbox.
* **Walmart system**: a Walmart ``noreply``/``notifications`` mailbox.
* ``MAILER-DAEMON`` / ``postmaster`` are mail systems, never a party (a bounce from the seller's
  own server is not a seller message).
* Any other human message from a Walmart domain is taken as **Customer Care**: it may be an agent
  writing on the customer's behalf, and treating it as needing a reply is the safe side (a
  reviewer sees the role and its reason).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from evidence.models import Message, Model, Role

__all__ = ["RELAY_ADDRESS", "EmailConfig", "assign_role", "is_mail_system"]

RELAY_ADDRESS = re.compile(r"^[0-9a-f]{32}@relay\.walmart\.com$", re.IGNORECASE)
_CC_LOCAL = re.compile(r"(customer[._-]?care|customercare|escalation|cc[._-]?escalations?|walmart[._-]?care)", re.I)
_PS_LOCAL = re.compile(r"(partner[._-]?support|seller[._-]?support|marketplace[._-]?support)", re.I)
_SYSTEM_LOCAL = re.compile(r"^(no-?reply|do-?not-?reply|donotreply|notifications?|alerts?|mailer|system)\b", re.I)


def _lower_all(values: list[str]) -> list[str]:
    return [v.strip().lower() for v in values if v.strip()]


class EmailConfig(Model):
    """Addresses and patterns for roles and order matching (all comparisons ignore case)."""

    seller_addresses: list[str] = Field(default_factory=list, description="the seller's own addresses")
    seller_domains: list[str] = Field(default_factory=list, description="every address at these is the seller")
    walmart_cc_addresses: list[str] = Field(default_factory=list, description="Customer Care escalation senders")
    walmart_cc_domains: list[str] = Field(
        default_factory=lambda: ["customercare.walmart.com"], description="(assumed) Customer Care domains"
    )
    partner_support_addresses: list[str] = Field(default_factory=list)
    walmart_domains: list[str] = Field(
        default_factory=lambda: ["walmart.com", "relay.walmart.com", "marketplace.walmart.com", "wal-mart.com"],
        description="domains (and their sub-domains) that belong to Walmart",
    )
    extra_patterns: list[str] = Field(
        default_factory=list,
        description="regular expressions; {po} and {co} are replaced by the order's numbers",
    )

    _normalize = field_validator(
        "seller_addresses", "seller_domains", "walmart_cc_addresses", "walmart_cc_domains",
        "partner_support_addresses", "walmart_domains",
    )(classmethod(lambda cls, v: _lower_all(v)))  # fmt: skip

    @field_validator("extra_patterns")
    @classmethod
    def _patterns_compile(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                re.compile(value.replace("{po}", "0").replace("{co}", "0"))
            except re.error as exc:
                raise ValueError(f"extra_patterns: {value!r} is not a valid regular expression: {exc}") from None
        return values

    def in_domains(self, address: str, domains: list[str]) -> bool:
        domain = address.rsplit("@", 1)[-1].lower()
        return any(domain == d or domain.endswith("." + d) for d in domains)

    def is_seller(self, address: str) -> bool:
        address = address.lower()
        return address in self.seller_addresses or self.in_domains(address, self.seller_domains)


def is_mail_system(address: str) -> bool:
    """``MAILER-DAEMON`` / ``postmaster``: a mail system, never a party (role ``unknown`` on purpose)."""
    return address.lower().split("@", 1)[0] in ("mailer-daemon", "postmaster")


def assign_role(message: Message, config: EmailConfig, relay_address: str | None = None) -> tuple[Role, str]:
    """The sender's role and a one-line reason. ``relay_address`` is the order's, when known."""
    sender = message.sender.lower()
    local = sender.split("@", 1)[0]
    if is_mail_system(sender):
        return Role.UNKNOWN, f"{sender} is a mail system, not a person (even on a configured domain)"
    if config.is_seller(sender):
        return Role.SELLER, f"{sender} is a configured seller address"
    if relay_address and sender == relay_address.lower():
        return Role.CUSTOMER, f"{sender} is the order's relay address"
    if RELAY_ADDRESS.match(sender):
        return Role.CUSTOMER, f"{sender} is a customer relay address"
    if sender in config.partner_support_addresses:
        return Role.PARTNER_SUPPORT, f"{sender} is a configured Partner Support address"
    if sender in config.walmart_cc_addresses or config.in_domains(sender, config.walmart_cc_domains):
        return Role.WALMART_CUSTOMER_CARE, f"{sender} is a configured Walmart Customer Care sender"
    if config.in_domains(sender, config.walmart_domains):
        if _PS_LOCAL.search(local):
            return Role.PARTNER_SUPPORT, f"{sender} is a Walmart Partner Support mailbox"
        if _CC_LOCAL.search(local):
            return Role.WALMART_CUSTOMER_CARE, f"{sender} is a Walmart Customer Care mailbox"
        if _SYSTEM_LOCAL.match(local) or message.automatic:
            return Role.WALMART_SYSTEM, f"{sender} is a Walmart system sender"
        return Role.WALMART_CUSTOMER_CARE, f"{sender} is a Walmart address writing as a person (taken as Customer Care)"
    return Role.UNKNOWN, f"{sender} matches no configured role"
