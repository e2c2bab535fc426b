"""Roles the Seller Center Inbox knows survive the merge with mailbox copies, and teach the seller's addresses.

The scenario is the demo's PO 4342076435326: a mail folder is configured and ``seller_addresses``
is not. The Inbox labels the seller's messages (``pages.inbox.message_role``: any non-Walmart,
non-relay sender of a customer thread is the seller); the mailbox copies, which carry the original
bytes and win the merge, know nothing about the seller. Before the fix the seller's replies came
out as role ``unknown``, counted as no reply, and the refund became "not disputable".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from evidence.email.collect import PathSource, collect_thread
from evidence.email.match import OrderKey
from evidence.email.merge import CollectedMessage, merge_messages
from evidence.email.roles import EmailConfig
from evidence.models import InboxTab, Message, MessageSource, ReplyStatus, Role

PO = "4342076435326"
RELAY = "86960586d35c51ea0cb45ef87fe602b7@relay.walmart.com"
SELLER = "support@prairiegoods.example"
ORDER = OrderKey(PO, None, RELAY)
NO_SELLER_CONFIG = EmailConfig()  # no seller_addresses, no seller_domains
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)

QUESTION = "Hi, my Dutch oven was supposed to arrive on Nov 2 and tracking hasn't moved since Oct 30. Can you check?"
ANSWER = (
    "Hello Dana, I'm sorry about the delay. UPS shows the parcel stuck at the Kansas City hub "
    "(tracking 1Z295F791871351401). I have opened a trace with UPS today. We can ship a replacement "
    "right away with new tracking, or refund you in full - which do you prefer?"
)
FOLLOW_UP = "I'd rather wait a couple of days to see if it shows up."
CLAIM = "Understood. UPS declared the parcel lost this morning; we filed insured claim #UPS-C-88213407."


def _eml(mid: str, date: str, sender: str, to: str, subject: str, body: str, parent: str | None = None) -> bytes:
    lines = [f"Message-ID: <{mid}>", f"Date: {date}", f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    if parent:
        lines += [f"In-Reply-To: <{parent}>", f"References: <{parent}>"]
    lines += ["Content-Type: text/plain; charset=utf-8", "MIME-Version: 1.0", "", body, ""]
    return "\r\n".join(lines).encode()


Q_ID, A_ID, F_ID, C_ID = (f"{PO}-1.{n}@{d}" for n, d in (
    (1, "relay.walmart.com"), (2, "prairiegoods.example"), (3, "relay.walmart.com"), (4, "prairiegoods.example")))  # fmt: skip


def _mail_folder(tmp_path: Path) -> Path:
    """The demo bundle's emails/ folder for PO 4342076435326 (the customer, then the seller 2.8 h later)."""
    folder = tmp_path / "emails"
    folder.mkdir()
    customer, seller = f"Dana Whitfield <{RELAY}>", f"Prairie Goods Support <{SELLER}>"
    files = {
        "1.eml": _eml(Q_ID, "Tue, 10 Nov 2026 02:14:00 +0000", customer, SELLER, "Where is my order?", QUESTION),
        "2.eml": _eml(A_ID, "Mon, 09 Nov 2026 23:02:00 -0600", seller, RELAY, "RE: Where is my order?", ANSWER, Q_ID),
        "3.eml": _eml(F_ID, "Tue, 10 Nov 2026 13:45:00 +0000", customer, SELLER, "RE: Where is my order?", FOLLOW_UP, A_ID),
        "4.eml": _eml(C_ID, "Tue, 10 Nov 2026 10:30:00 -0600", seller, RELAY, "RE: Where is my order?", CLAIM, F_ID),
    }  # fmt: skip
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _inbox(n: int, at: datetime, sender: str, body: str) -> Message:
    """As ``pages.inbox.ThreadPage.read`` builds it with no seller_addresses: a relay sender is the
    customer, any other non-Walmart sender the seller."""
    role = Role.CUSTOMER if sender == RELAY else Role.SELLER
    return Message(
        message_id=f"inbox-{n:032x}@sellercenter.invalid", source=MessageSource.INBOX, sent_at=at, sender=sender,
        sender_name="Dana Whitfield" if role is Role.CUSTOMER else "Prairie Goods Support",
        recipients=[SELLER if role is Role.CUSTOMER else RELAY], subject="Where is my order?", role=role,
        body_text=body, inbox_tab=InboxTab.CUSTOMER,
    )  # fmt: skip


def _inbox_thread(*, with_second_reply: bool = True) -> list[Message]:
    messages = [
        _inbox(1, datetime(2026, 11, 10, 2, 14, tzinfo=UTC), RELAY, QUESTION),
        _inbox(2, datetime(2026, 11, 10, 5, 2, tzinfo=UTC), SELLER, ANSWER),
        _inbox(3, datetime(2026, 11, 10, 13, 45, tzinfo=UTC), RELAY, FOLLOW_UP),
    ]
    if with_second_reply:
        messages.append(_inbox(4, datetime(2026, 11, 10, 16, 30, tzinfo=UTC), SELLER, CLAIM))
    return messages


def _by_id(threads: list) -> dict[str, Message]:
    return {m.message_id: m for t in threads for m in t.messages}


# --------------------------------------------------------------------------- merge rule


def test_inbox_seller_label_survives_the_merge_with_an_unconfigured_mailbox_copy(tmp_path: Path) -> None:
    folder = _mail_folder(tmp_path)
    threads, checks, raws = collect_thread(ORDER, [*_inbox_thread(), PathSource(folder)], NO_SELLER_CONFIG, now=NOW)
    messages = _by_id(threads)
    assert len(messages) == 4  # one message per real message
    answer = messages[A_ID]
    assert answer.source is MessageSource.MAILBOX  # the copy with the original bytes is kept ...
    assert answer.raw_path and (folder / "2.eml").read_bytes() in [r.data for r in raws]
    assert answer.role is Role.SELLER  # ... with the role the Inbox copy knows
    assert any(r.startswith("role:") and "Seller Center Inbox" in r for r in answer.reasons)
    assert not any("matches no configured role" in r for r in answer.reasons)
    assert [c.status for c in checks] == [ReplyStatus.ON_TIME, ReplyStatus.ON_TIME]
    assert checks[0].reply_message_id == A_ID and checks[0].latency_hours == 2.8


def test_merge_takes_the_role_from_whichever_copy_knows_it() -> None:
    at = datetime(2026, 11, 10, 5, 2, tzinfo=UTC)
    mailbox = Message(message_id=A_ID, source=MessageSource.MAILBOX, sent_at=at, sender=SELLER, body_text=ANSWER,
                      role=Role.UNKNOWN, reasons=[f"role: {SELLER} matches no configured role"])  # fmt: skip
    inbox = _inbox(2, at, SELLER, ANSWER)
    for order in ([inbox, mailbox], [mailbox, inbox]):
        items = [CollectedMessage(m, raw=b"x" if m is mailbox else None, origin="a.eml") for m in order]
        [kept] = merge_messages(items)
        assert kept.raw == b"x" and kept.message.source is MessageSource.MAILBOX
        assert kept.message.role is Role.SELLER
        assert kept.inbox_role is Role.SELLER


def test_a_configured_mailbox_role_is_not_overridden_by_the_inbox() -> None:
    at = datetime(2026, 11, 10, 5, 2, tzinfo=UTC)
    mailbox = Message(message_id=A_ID, source=MessageSource.MAILBOX, sent_at=at, sender=SELLER, body_text=ANSWER,
                      role=Role.WALMART_CUSTOMER_CARE, reasons=["role: configured"])  # fmt: skip
    [kept] = merge_messages([CollectedMessage(mailbox, b"x", "a.eml"), CollectedMessage(_inbox(2, at, SELLER, ANSWER))])
    assert kept.message.role is Role.WALMART_CUSTOMER_CARE
    assert any("Seller Center Inbox labels it seller" in r for r in kept.message.reasons)


# --------------------------------------------------------------------------- learned addresses


def test_seller_address_is_learned_from_the_inbox_for_mailbox_only_messages(tmp_path: Path) -> None:
    folder = _mail_folder(tmp_path)
    # The Inbox shows only the first reply; the second (with the claim receipt) is in the mailbox only.
    sources = [*_inbox_thread(with_second_reply=False), PathSource(folder)]
    threads, checks, _ = collect_thread(ORDER, sources, NO_SELLER_CONFIG, now=NOW)
    claim = _by_id(threads)[C_ID]
    assert claim.also_seen_in == [] and claim.role is Role.SELLER
    [reason] = [r for r in claim.reasons if r.startswith("role:")]
    assert SELLER in reason and "learned from the Seller Center Inbox" in reason
    assert [c.status for c in checks] == [ReplyStatus.ON_TIME, ReplyStatus.ON_TIME]


def test_an_inbox_only_seller_message_also_teaches_its_address(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "claim.eml").write_bytes(
        _eml(C_ID, "Tue, 10 Nov 2026 10:30:00 -0600", SELLER, RELAY, f"Claim for PO {PO}", CLAIM)
    )
    # an Inbox note from the seller that has no mailbox twin (different text)
    note = _inbox(9, datetime(2026, 11, 9, 20, 0, tzinfo=UTC), SELLER, f"We shipped PO {PO} today.")
    threads, _, _ = collect_thread(ORDER, [note, PathSource(folder)], NO_SELLER_CONFIG, now=NOW)
    assert _by_id(threads)[C_ID].role is Role.SELLER


def test_other_unknown_senders_are_not_taken_for_the_seller(tmp_path: Path) -> None:
    folder = _mail_folder(tmp_path)
    (folder / "5.eml").write_bytes(
        _eml("x@carrier.example", "Tue, 10 Nov 2026 18:00:00 +0000", "claims@carrier.example", SELLER,
             f"Claim for PO {PO}", "Your claim was received.")  # fmt: skip
    )
    evidence = collect_thread(ORDER, [*_inbox_thread(), PathSource(folder)], NO_SELLER_CONFIG, now=NOW)
    assert _by_id(evidence.threads)["x@carrier.example"].role is Role.UNKNOWN
    assert evidence.unknown_roles == 1


# --------------------------------------------------------------------------- roles that stay unknown


def test_unknown_roles_are_counted_for_the_collector(tmp_path: Path) -> None:
    folder = _mail_folder(tmp_path)
    evidence = collect_thread(ORDER, [PathSource(folder)], NO_SELLER_CONFIG, now=NOW)
    threads, checks, _ = evidence  # still a 3-tuple for the pipeline
    assert {m.role for m in _by_id(threads).values()} == {Role.CUSTOMER, Role.UNKNOWN}
    assert evidence.unknown_roles == 2
    configured = collect_thread(ORDER, [PathSource(folder)], EmailConfig(seller_addresses=[SELLER]), now=NOW)
    assert configured.unknown_roles == 0


def test_bounces_from_mail_systems_are_not_unidentified_senders() -> None:
    from evidence.email.replies import unidentified_messages

    at = datetime(2026, 11, 10, 5, 2, tzinfo=UTC)
    bounce = Message(message_id="b", source=MessageSource.MAILBOX, sent_at=at, sender="MAILER-DAEMON@mx.example")
    person = Message(message_id="p", source=MessageSource.MAILBOX, sent_at=at + timedelta(hours=1),
                     sender="someone@else.example")  # fmt: skip
    auto = person.model_copy(update={"message_id": "a", "automatic": True})
    assert [m.message_id for m in unidentified_messages([bounce, person, auto])] == ["p"]
