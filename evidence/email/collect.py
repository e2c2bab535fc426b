"""``collect_thread``: everything the collector needs about one order's e-mail, in one call.

    evidence = collect_thread(order, [PathSource("~/mail/takeout.mbox"), imap_source, *inbox_messages],
                              config, now=clock())
    threads, reply_checks, raw_emails = evidence

* ``order``: an ``evidence.models.Order`` (its PO, customer order number and relay address
  ``customer_email`` are used) or an ``OrderKey``.
* ``sources``: any mix of ``PathSource`` (an .eml file, a folder of .eml, an mbox, a Maildir),
  ``ImapSource`` (searched for the PO / CO / relay address) and ``Message`` objects from the
  Seller Center Inbox (``source=INBOX``, synthetic ids).
* ``config``: ``EmailConfig`` (seller addresses, Customer Care senders, extra patterns).
* ``now``: the clock, for PENDING reply checks; ``reply_window`` / ``complaint_window`` come
  from the policy.

Returns ``EmailEvidence(threads, reply_checks, raw_emails)`` (a named tuple):

* ``threads``: one ``Thread`` per conversation about the order (usually one), messages oldest
  first, each with its role, classification and reasons, and ``raw_path`` / ``raw_sha256``
  pointing at its original bytes;
* ``reply_checks``: ``compute_reply_checks`` over all of the order's messages;
* ``raw_emails``: ``RawEmail(path_in_bundle, data)`` for every kept message that has original
  bytes, to be stored byte for byte (``emails/<sent UTC>-<sha256 prefix>.eml``).

What belongs to the order is decided by ``match_order``; a message read later in the same pass
that replies to a matching one belongs too. Copies of one message from several sources are
merged (``merge_messages``) keeping the copy with original bytes and the role whichever copy knows
(the Inbox labels the seller's messages); the addresses the Inbox labels as the seller's then
give the seller's role to the order's other messages from them (``learn_seller_addresses``).
``EmailEvidence.unknown_roles`` counts the human messages whose sender stayed unidentified (the
collector warns once per job; the policy says ``unknown`` where they could change a reply check).
Sources are streamed: only the order's messages are kept in memory. A source that cannot be read
raises ``EmailSourceError`` (``ImapError`` for IMAP) with a one-line message; a broken message
never does (it gets notes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message as EmailMessage
from pathlib import Path
from typing import NamedTuple

from evidence.email.classify import classify
from evidence.email.imap import ImapSource, fetch_imap
from evidence.email.match import OrderKey, annotate, load_message, match_order
from evidence.email.merge import CollectedMessage, learn_seller_addresses, merge_messages
from evidence.email.parse import ParsedEmail
from evidence.email.replies import compute_reply_checks, unidentified_messages
from evidence.email.roles import EmailConfig
from evidence.email.sources import RawMessage, iter_path
from evidence.email.thread import to_threads
from evidence.models import Message, MessageKind, Order, ReplyCheck, Role, Thread

__all__ = ["EmailEvidence", "PathSource", "RawEmail", "SourceSpec", "collect_thread", "raw_bundle_path"]


@dataclass(frozen=True)
class PathSource:
    """A mail file or folder: .eml, a folder of .eml, an mbox or a Maildir."""

    path: Path | str


SourceSpec = PathSource | ImapSource | Message


class RawEmail(NamedTuple):
    path_in_bundle: str
    data: bytes


class EmailEvidence(NamedTuple):
    threads: list[Thread]
    reply_checks: list[ReplyCheck]
    raw_emails: list[RawEmail]

    @property
    def unknown_roles(self) -> int:
        """Human messages whose sender is neither a known party nor a mail system (see ``unidentified_messages``)."""
        return len(unidentified_messages([m for thread in self.threads for m in thread.messages]))


def raw_bundle_path(message: Message, raw: bytes) -> str:
    digest = hashlib.sha256(raw).hexdigest()
    return f"emails/{message.sent_at:%Y%m%dT%H%M%SZ}-{digest[:12]}.eml"


def _raw_items(source: PathSource | ImapSource, key: OrderKey) -> Iterator[RawMessage]:
    if isinstance(source, PathSource):
        return iter_path(source.path)
    return fetch_imap(source, key.numbers() + ([key.relay_address] if key.relay_address else []))


def _inbox_message(message: Message, config: EmailConfig, key: OrderKey) -> Message:
    """Inbox messages have no headers: classify them by subject and wording, give them a role."""
    if message.kind is MessageKind.HUMAN and not message.reasons:
        verdict = classify(ParsedEmail(message=message, raw=b"", headers=EmailMessage()))
        message = message.model_copy(
            update={"kind": verdict.kind, "automatic": verdict.automatic, "reasons": verdict.reasons,
                    "complaint": message.complaint or verdict.complaint}
        )  # fmt: skip
    if message.role is Role.UNKNOWN:
        message = annotate(message, config, key.relay_address)
    return message


def collect_thread(
    order: Order | OrderKey,
    sources: Sequence[SourceSpec],
    config: EmailConfig,
    *,
    now: datetime,
    reply_window: timedelta = timedelta(hours=48),
    complaint_window: timedelta = timedelta(hours=1),
    dedupe_tolerance: timedelta = timedelta(minutes=2),
) -> EmailEvidence:
    """The order's threads, reply checks and raw messages (see the module doc)."""
    key = OrderKey.of(order)
    collected: list[CollectedMessage] = []
    matched_ids: set[str] = set()
    for source in sources:
        if isinstance(source, Message):
            inbox = _inbox_message(source, config, key)
            collected.append(CollectedMessage(message=inbox, origin=f"inbox:{inbox.message_id}"))
            continue
        for item in _raw_items(source, key):
            parsed = load_message(
                item.data, config, source=item.source, origin=item.origin,
                fallback_time=item.fallback_time, relay_address=key.relay_address,
            )  # fmt: skip
            message = parsed.message
            why = match_order(message, key, config)
            if not why:
                parents = {message.in_reply_to, *message.references} & matched_ids
                if not parents:
                    continue
                why = [f"replies to {sorted(parents)[0]}, which belongs to the order"]
            matched_ids.add(message.message_id)
            message = message.model_copy(update={"reasons": [*message.reasons, *(f"order: {w}" for w in why)]})
            collected.append(CollectedMessage(message=message, raw=item.data, origin=item.origin))

    merged = merge_messages(collected, tolerance=dedupe_tolerance)
    learn_seller_addresses(merged)
    raw_emails: list[RawEmail] = []
    messages: list[Message] = []
    for entry in merged:
        message = entry.finish()
        if entry.raw is not None:
            path = raw_bundle_path(message, entry.raw)
            message = message.model_copy(update={"raw_path": path})
            raw_emails.append(RawEmail(path, entry.raw))
        messages.append(message)
    threads = to_threads(key.po, messages)
    all_messages = [m for thread in threads for m in thread.messages]
    checks = compute_reply_checks(all_messages, reply_window=reply_window, complaint_window=complaint_window, now=now)
    unique = {r.path_in_bundle: r for r in raw_emails}  # identical bytes -> one file
    return EmailEvidence(threads, checks, sorted(unique.values()))

