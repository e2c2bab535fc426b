"""Reply times: did every inbound customer / Customer Care message get a real reply in time?

``compute_reply_checks`` looks at one order's messages (any order, any source) and, for each
inbound message that needs an answer, finds the first LATER HUMAN message from the seller:

* inbound = role ``CUSTOMER`` or ``WALMART_CUSTOMER_CARE`` and not automatic (a customer's
  out-of-office or a bounce needs no answer). Walmart system notices and Partner Support mail
  are not inquiries and get no check.
* window = ``complaint_window`` (1 hour) for BBB / Attorney General complaints
  (``Message.complaint``), else ``reply_window`` (48 hours). Calendar hours: weekends, holidays
  and days off count, as the customer-care requirements say.
* "later" is strictly later; a seller message with the same timestamp counts only when it
  answers the inbound message by its headers (``In-Reply-To`` / ``References``) or is automatic,
  because screens and some mailers keep whole minutes and an auto-reply is instant.
* automatic seller messages (out-of-office, vacation, autoresponders, system notices) sent after
  the inbound message and before the human reply (or, with no human reply, before the window
  closed) are listed in ``automatic_reply_ids``; they never count as the reply. Read receipts
  are automatic but are not replies at all, so they are not listed.

Status: ``ON_TIME`` (human reply at or before the due time), ``LATE`` (human reply after it),
``PENDING`` (no human reply yet and the window is still open at ``now``), ``AUTOMATIC_ONLY``
(window over, only automatic answers), ``UNANSWERED`` (window over, nothing from the seller).

The policy engine calls this with the policy's windows; time is injected (``now``) so results are
reproducible.

**Unidentified senders.** A human message whose role stayed ``UNKNOWN`` (no ``seller_addresses``
matched, no Seller Center Inbox label, not a mail system) may be the seller's reply or a customer's
inquiry from another address. ``compute_reply_checks`` cannot count it either way, so the policy
asks :func:`could_be_reply` / :func:`could_need_reply` whether such a message might change a check
and then says ``unknown`` with :func:`describe_unidentified`'s reason instead of failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from evidence.email.roles import is_mail_system
from evidence.models import Message, MessageKind, ReplyCheck, ReplyStatus, Role

__all__ = [
    "INBOUND_ROLES",
    "compute_reply_checks",
    "could_be_reply",
    "could_need_reply",
    "describe_unidentified",
    "needs_reply",
    "unidentified_messages",
]

INBOUND_ROLES: frozenset[Role] = frozenset({Role.CUSTOMER, Role.WALMART_CUSTOMER_CARE})


def needs_reply(message: Message) -> bool:
    """True for a human message from the customer or Walmart Customer Care."""
    return message.role in INBOUND_ROLES and not message.automatic


def _after(candidate: Message, inbound: Message) -> bool:
    """Sent after ``inbound``. Same timestamp (screens and some mailers show whole minutes): only
    when it answers ``inbound`` by its headers, or is automatic (an auto-reply is instant)."""
    if candidate.sent_at != inbound.sent_at:
        return candidate.sent_at > inbound.sent_at
    answers = candidate.in_reply_to == inbound.message_id or inbound.message_id in candidate.references
    return answers or candidate.automatic


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 4)


def compute_reply_checks(
    messages: Sequence[Message],
    *,
    reply_window: timedelta = timedelta(hours=48),
    complaint_window: timedelta = timedelta(hours=1),
    now: datetime,
) -> list[ReplyCheck]:
    """One ``ReplyCheck`` per inbound message that needs a reply, oldest first (see module doc)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if reply_window <= timedelta(0) or complaint_window <= timedelta(0):
        raise ValueError("reply windows must be positive")
    ordered = sorted(messages, key=lambda m: (m.sent_at, m.message_id))
    seller = [m for m in ordered if m.role is Role.SELLER]
    checks: list[ReplyCheck] = []
    for inbound in ordered:
        if not needs_reply(inbound):
            continue
        window = complaint_window if inbound.complaint else reply_window
        due = inbound.sent_at + window
        later = [m for m in seller if _after(m, inbound)]
        reply = next((m for m in later if not m.automatic), None)
        cutoff = reply.sent_at if reply is not None else due
        automatic_ids = [
            m.message_id
            for m in later
            if m.automatic and m.kind is not MessageKind.READ_RECEIPT and m.sent_at <= cutoff
        ]
        if reply is not None:
            status = ReplyStatus.ON_TIME if reply.sent_at <= due else ReplyStatus.LATE
        elif now < due:
            status = ReplyStatus.PENDING
        elif automatic_ids:
            status = ReplyStatus.AUTOMATIC_ONLY
        else:
            status = ReplyStatus.UNANSWERED
        checks.append(
            ReplyCheck(
                inbound_message_id=inbound.message_id,
                inbound_role=inbound.role,
                inbound_at=inbound.sent_at,
                window_hours=_hours(window),
                due_at=due,
                reply_message_id=reply.message_id if reply else None,
                replied_at=reply.sent_at if reply else None,
                latency_hours=_hours(reply.sent_at - inbound.sent_at) if reply else None,
                automatic_reply_ids=automatic_ids,
                status=status,
            )
        )
    return checks


# --------------------------------------------------------------------------- unidentified senders


def unidentified_messages(messages: Sequence[Message]) -> list[Message]:
    """Human messages whose sender could not be identified (role ``UNKNOWN``, not a mail system)."""
    return [m for m in messages if m.role is Role.UNKNOWN and not m.automatic and not is_mail_system(m.sender)]


def describe_unidentified(count: int) -> str:
    """The reason a reviewer reads when unidentified senders leave a check open."""
    noun = "message" if count == 1 else "messages"
    return f"{count} {noun} whose sender could not be identified as seller or customer: set seller_addresses"


def could_be_reply(check: ReplyCheck, unidentified: Sequence[Message]) -> list[Message]:
    """Unidentified messages that may be the human reply ``check`` lacks: sent at or after the inbound
    message and by its due time (a later one would still be late, so it changes nothing)."""
    return [
        m
        for m in unidentified
        if m.message_id != check.inbound_message_id and check.inbound_at <= m.sent_at <= check.due_at
    ]


def could_need_reply(
    messages: Sequence[Message],
    unidentified: Sequence[Message],
    *,
    reply_window: timedelta,
    complaint_window: timedelta = timedelta(hours=1),
) -> list[Message]:
    """Unidentified messages that, were they inquiries, got no human seller reply within their window
    (``complaint_window`` for a complaint, else ``reply_window``)."""
    seller = [m for m in messages if m.role is Role.SELLER and not m.automatic]

    def answered(u: Message) -> bool:
        due = u.sent_at + (complaint_window if u.complaint else reply_window)
        return any(u.sent_at < s.sent_at <= due for s in seller)

    return [u for u in unidentified if not answered(u)]
