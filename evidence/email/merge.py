"""Merge copies of the same message from the Inbox, mailbox files and IMAP into one.

The same message often arrives several times: in the seller's mailbox file, on the IMAP server,
and (without any Message-ID) in the Seller Center Inbox. Each real message must appear once, and
the copy kept is the one with the original bytes (mailbox, then IMAP, then Inbox); every other
copy is recorded in ``Message.also_seen_in``.

* Copies with original bytes are the same message when they share the Message-ID and either the
  bytes are identical or the sender and the sent time agree (within ``tolerance``). Two different
  messages that share a Message-ID (it happens: broken mailers) are both kept; threading gives the
  second a distinct id.
* An Inbox message has a synthetic id, so it matches a mailbox/IMAP copy by sender (case
  ignored) + sent time within ``tolerance`` (two minutes by default: the Inbox shows the time
  the relay handled it) + normalized body (whitespace and case ignored, quoted history removed; the
  shorter text, if not trivially short, contained in the longer one). The mailbox copy inherits
  the Inbox tab.
* **Roles are never lost in a merge.** The kept copy keeps its bytes but takes the role from
  whichever copy knows it: a kept copy whose role is ``unknown`` (its sender matched no configured
  address) takes the other copy's role, e.g. the Seller Center Inbox's "seller" label; its role
  reason says so. A role the kept copy already has (configured addresses) is kept; a different
  Inbox label is noted in its reasons. ``CollectedMessage.inbox_role`` remembers the Inbox's label.
* **Seller addresses learned from the Inbox** (``learn_seller_addresses``, called by
  ``collect_thread`` after the merge): the From address of every message the Inbox labels as the
  seller's (the Inbox copy's, which is also its mailbox twin's) is the seller's, so the order's
  other messages from that address whose role is still ``unknown`` become the seller's, with a role
  reason naming the Inbox message it was learned from. Relay addresses and mail systems are never
  learned.

``collect_for_order`` is the collector pipeline's entry point (settings -> sources ->
``collect_thread``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from evidence.email.classify import own_text
from evidence.email.roles import RELAY_ADDRESS, is_mail_system
from evidence.models import Message, MessageSource, Order, Role

__all__ = ["CollectedMessage", "collect_for_order", "learn_seller_addresses", "merge_messages", "normalized_body"]

_PREFERENCE = {MessageSource.MAILBOX: 0, MessageSource.IMAP: 1, MessageSource.INBOX: 2}
_MIN_CONTAINED = 20


@dataclass
class CollectedMessage:
    """A message with its original bytes (None for Inbox messages) and where it was read."""

    message: Message
    raw: bytes | None = None
    origin: str = ""
    also_seen_in: list[str] = field(default_factory=list)
    inbox_role: Role | None = None  # the role the Seller Center Inbox gives this message (or its merged copy)

    def finish(self) -> Message:
        """The message with every merged copy recorded."""
        seen = list(dict.fromkeys([*self.message.also_seen_in, *self.also_seen_in]))
        return self.message.model_copy(update={"also_seen_in": seen}) if seen else self.message


def normalized_body(text: str) -> str:
    return " ".join(own_text(text).split()).casefold()


def _bodies_match(a: str, b: str) -> bool:
    na, nb = normalized_body(a), normalized_body(b)
    if na == nb:
        return True
    short, long = sorted((na, nb), key=len)
    return len(short) >= _MIN_CONTAINED and short in long


def _label(item: CollectedMessage) -> str:
    if item.message.source is MessageSource.INBOX:
        return f"inbox:{item.message.message_id}"
    return item.origin or f"{item.message.source.value}:{item.message.message_id}"


def _same_copy(kept: CollectedMessage, item: CollectedMessage, tolerance: timedelta) -> bool:
    if kept.message.raw_sha256 and kept.message.raw_sha256 == item.message.raw_sha256:
        return True
    return (
        kept.message.sender.lower() == item.message.sender.lower()
        and abs(kept.message.sent_at - item.message.sent_at) <= tolerance
    )


def _find_inbox_twin(
    kept: list[CollectedMessage], item: CollectedMessage, tolerance: timedelta
) -> CollectedMessage | None:
    sender = item.message.sender.lower()
    for candidate in kept:
        if candidate.message.source is MessageSource.INBOX:
            continue
        if candidate.message.sender.lower() != sender:
            continue
        if abs(candidate.message.sent_at - item.message.sent_at) > tolerance:
            continue
        if _bodies_match(candidate.message.body_text, item.message.body_text):
            return candidate
    return None


def _with_role(message: Message, role: Role, reason: str) -> Message:
    """``message`` with a new role; its earlier role reasons give way to ``reason``."""
    reasons = [r for r in message.reasons if not r.startswith("role:")]
    update: dict[str, object] = {"role": role, "reasons": [*reasons, f"role: {reason}"]}
    if role is Role.SELLER and message.complaint:
        update["complaint"] = False  # the seller answering a complaint is not a complaint
    return message.model_copy(update=update)


def _take_role(kept: CollectedMessage, item: CollectedMessage, label: str) -> None:
    """Merge rule for roles: the kept copy keeps its bytes, and takes the role from whichever copy knows it."""
    other = item.message
    from_inbox = other.source is MessageSource.INBOX
    if from_inbox and kept.inbox_role is None:
        kept.inbox_role = other.role
    if other.role is Role.UNKNOWN or other.role is kept.message.role:
        return
    sender = kept.message.sender.lower()
    if kept.message.role is Role.UNKNOWN:
        if from_inbox:
            reason = (
                f"{other.role.value}, as the Seller Center Inbox labels this message ({label}); "
                f"the {kept.message.source.value} copy's sender {sender} matched no configured role"
            )
        else:
            why = next((r.removeprefix("role: ") for r in other.reasons if r.startswith("role:")), other.role.value)
            reason = f"{other.role.value}, from the copy {label} ({why})"
        kept.message = _with_role(kept.message, other.role, reason)
    elif from_inbox:
        note = (
            f"role: the Seller Center Inbox labels it {other.role.value} ({label}); "
            f"the configured role {kept.message.role.value} is kept"
        )
        kept.message = kept.message.model_copy(update={"reasons": [*kept.message.reasons, note]})


def merge_messages(
    items: Iterable[CollectedMessage], *, tolerance: timedelta = timedelta(minutes=2)
) -> list[CollectedMessage]:
    """One ``CollectedMessage`` per real message (see the module doc), oldest first."""
    ordered = sorted(items, key=lambda i: _PREFERENCE.get(i.message.source, 9))
    kept: list[CollectedMessage] = []
    by_id: dict[str, list[CollectedMessage]] = {}
    for item in ordered:
        same_id = by_id.get(item.message.message_id, [])
        twin = next((k for k in same_id if _same_copy(k, item, tolerance)), None)
        if twin is None and item.message.source is MessageSource.INBOX:
            twin = _find_inbox_twin(kept, item, tolerance)
            if twin is not None and twin.message.inbox_tab is None and item.message.inbox_tab is not None:
                twin.message = twin.message.model_copy(update={"inbox_tab": item.message.inbox_tab})
        if twin is not None:
            label = _label(item)
            if label != _label(twin):
                twin.also_seen_in.append(label)
            _take_role(twin, item, label)
            continue
        if item.message.source is MessageSource.INBOX and item.inbox_role is None:
            item.inbox_role = item.message.role
        kept.append(item)
        by_id.setdefault(item.message.message_id, []).append(item)
    kept.sort(key=lambda i: (i.message.sent_at, i.message.message_id))
    return kept


def learn_seller_addresses(kept: list[CollectedMessage]) -> dict[str, Message]:
    """Give the seller's role to ``unknown`` messages from an address the Inbox labels as the seller's.

    ``kept`` is ``merge_messages``' result (one order's messages); entries are updated in place.
    Returns the learned addresses (lowercase) with the Inbox-labelled message each was learned from.
    """
    learned: dict[str, Message] = {}
    for entry in kept:
        sender = entry.message.sender.strip().lower()
        if entry.inbox_role is not Role.SELLER or "@" not in sender:
            continue
        if RELAY_ADDRESS.match(sender) or is_mail_system(sender):
            continue
        learned.setdefault(sender, entry.message)
    for entry in kept:
        message = entry.message
        source = learned.get(message.sender.strip().lower())
        if source is None or message.role is not Role.UNKNOWN or is_mail_system(message.sender):
            continue
        reason = (
            f"{message.sender.lower()} is the seller's address, learned from the Seller Center Inbox, which labels "
            f"its message of {source.sent_at:%Y-%m-%d %H:%M} UTC as the seller's (seller_addresses does not list it)"
        )
        entry.message = _with_role(message, Role.SELLER, reason)
    return learned



def collect_for_order(*, po: str, order: Order | None, inbox: Sequence[Message], settings: Any, now: datetime) -> Any:
    """Adapter for ``collector.pipeline``: the order's e-mail from the Inbox plus the configured sources.

    ``settings`` is the collector's settings object, read duck-typed (``evidence`` never imports
    ``collector``): ``mail_folders``, ``imap_host`` / ``imap_port`` / ``imap_user`` /
    ``imap_password`` / ``imap_security`` / ``imap_folders`` and ``seller_addresses``. Returns
    ``collect_thread``'s ``EmailEvidence`` (threads, reply checks, raw e-mails). When the order is
    unknown, its relay address is taken from the customer's Inbox messages.
    """
    from evidence.email.collect import PathSource, SourceSpec, collect_thread
    from evidence.email.imap import ImapSource
    from evidence.email.match import OrderKey
    from evidence.email.roles import RELAY_ADDRESS, EmailConfig

    key = OrderKey.of(order) if order is not None else OrderKey(po)
    if key.po != po or key.relay_address is None:
        relay = key.relay_address or next((m.sender for m in inbox if RELAY_ADDRESS.match(m.sender)), None)
        key = OrderKey(po, key.customer_order_number, relay)
    sources: list[SourceSpec] = [*inbox, *(PathSource(p) for p in getattr(settings, "mail_folders", []) or [])]
    host, user, password = (getattr(settings, name, None) for name in ("imap_host", "imap_user", "imap_password"))
    if host and user and password:
        since = (order.order_date.date() - timedelta(days=1)) if order is not None else None
        sources.append(
            ImapSource(
                host=host, port=getattr(settings, "imap_port", None), username=user, password=password,
                security=getattr(settings, "imap_security", "ssl"),
                folders=list(getattr(settings, "imap_folders", None) or ["INBOX"]), since=since,
            )  # fmt: skip
        )
    config = EmailConfig(seller_addresses=list(getattr(settings, "seller_addresses", []) or []))
    return collect_thread(key, sources, config, now=now)
