from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from evidence.email.collect import PathSource, collect_thread
from evidence.email.match import OrderKey
from evidence.email.merge import CollectedMessage, collect_for_order, merge_messages
from evidence.email.roles import EmailConfig
from evidence.email.sources import EmailSourceError
from evidence.models import InboxTab, Message, MessageKind, MessageSource, ReplyStatus, Role

PO = "4342076435326"
CO = "2000000012345"
RELAY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0@relay.walmart.com"
ORDER = OrderKey(PO, CO, RELAY)
CONFIG = EmailConfig(seller_domains=["brightgoods.example"])
NOW = datetime(2026, 10, 20, tzinfo=UTC)
QUESTION_ID = f"cust-q1.{PO}@relay.walmart.com"


def inbox_copy_of_question(**update: object) -> Message:
    fields = dict(
        message_id="inbox-thread-7-1", source=MessageSource.INBOX, sent_at=datetime(2026, 10, 2, 14, 1, tzinfo=UTC),
        sender=RELAY, sender_name="Dana Whitfield", recipients=["support@brightgoods.example"],
        subject=f"Where is my order? PO# {PO}", role=Role.CUSTOMER, inbox_tab=InboxTab.CUSTOMER,
        body_text=f"Hello, My order {PO} (customer order {CO}) was supposed to arrive on Tuesday and\n"
        "tracking still says in transit. Can you help? Dana",
    )  # fmt: skip
    fields.update(update)
    return Message(**fields)  # type: ignore[arg-type]


@pytest.fixture
def mail_folder(tmp_path: Path, data_dir: Path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    for name in ["customer_question.eml", "outlook_ooo_reply.eml", "outlook_human.eml", "other_order.eml",
                 "mailing_list_bulk_human.eml", "read_receipt_mdn.eml"]:  # fmt: skip
        shutil.copy(data_dir / name, folder / name)
    return folder


@pytest.fixture
def mbox_with_question(tmp_path: Path, data_dir: Path) -> Path:
    path = tmp_path / "takeout.mbox"
    path.write_bytes(
        b"From 1790000000000000001@xxx Fri Oct 02 14:00:05 +0000 2026\r\n"
        + (data_dir / "customer_question.eml").read_bytes()
        + b"\r\n"
    )
    return path


def test_collect_thread_finds_the_order_mail_threads_it_and_checks_replies(mail_folder: Path) -> None:
    threads, checks, raws = collect_thread(ORDER, [PathSource(mail_folder)], CONFIG, now=NOW)
    [thread] = threads
    assert thread.po == PO
    assert [m.message_id for m in thread.messages] == [
        QUESTION_ID, "8f2c1e7b4a3d4c0e9f1a@EX01.brightgoods.example",
        "human-outlook-1@brightgoods.example", f"mdn-1.{PO}@relay.walmart.com",
    ]  # fmt: skip
    question, ooo, human, receipt = thread.messages
    assert (question.role, ooo.kind, human.kind, receipt.kind) == (
        Role.CUSTOMER, MessageKind.OUT_OF_OFFICE, MessageKind.HUMAN, MessageKind.READ_RECEIPT,
    )  # fmt: skip
    assert any(r.startswith("order: PO 4342076435326 in the subject") for r in question.reasons)
    [check] = checks
    assert check.status is ReplyStatus.ON_TIME
    assert check.reply_message_id == human.message_id and check.latency_hours == 2.25
    assert check.automatic_reply_ids == [ooo.message_id]
    # every kept message has its original bytes, byte for byte, at the path the message names
    by_path = {r.path_in_bundle: r.data for r in raws}
    for message in thread.messages:
        assert message.raw_path in by_path
        assert hashlib.sha256(by_path[message.raw_path]).hexdigest() == message.raw_sha256
    assert by_path[question.raw_path] == (mail_folder / "customer_question.eml").read_bytes()


def test_same_message_from_mailbox_mbox_and_inbox_appears_once(mail_folder: Path, mbox_with_question: Path) -> None:
    inbox = inbox_copy_of_question()
    threads, checks, raws = collect_thread(
        ORDER, [inbox, PathSource(mbox_with_question), PathSource(mail_folder)], CONFIG, now=NOW
    )
    messages = [m for t in threads for m in t.messages]
    questions = [m for m in messages if m.role is Role.CUSTOMER and m.kind is MessageKind.HUMAN]
    assert len(questions) == 1 and len(checks) == 1
    [question] = questions
    assert question.source is MessageSource.MAILBOX  # the copy with the original bytes
    assert question.inbox_tab is InboxTab.CUSTOMER  # learnt from the Inbox copy
    assert "inbox:inbox-thread-7-1" in question.also_seen_in
    assert any(s.startswith("mbox:") or s.endswith("customer_question.eml") for s in question.also_seen_in)
    assert len([r for r in raws if r.path_in_bundle == question.raw_path]) == 1


def test_inbox_only_messages_are_threaded_classified_and_checked() -> None:
    question = inbox_copy_of_question()
    auto = Message(
        message_id="inbox-thread-7-2", source=MessageSource.INBOX, sent_at=question.sent_at + timedelta(minutes=1),
        sender="support@brightgoods.example", subject=f"Re: Where is my order? PO# {PO}",
        body_text="This is an automated reply: we received your message.", inbox_tab=InboxTab.CUSTOMER,
    )  # fmt: skip
    threads, checks, raws = collect_thread(ORDER, [question, auto], CONFIG, now=NOW)
    [thread] = threads
    assert thread.messages[1].role is Role.SELLER and thread.messages[1].automatic
    assert checks[0].status is ReplyStatus.AUTOMATIC_ONLY
    assert raws == []


def test_inbox_message_from_a_different_sender_or_time_is_not_merged(mail_folder: Path) -> None:
    later = inbox_copy_of_question(message_id="inbox-late", sent_at=datetime(2026, 10, 2, 14, 10, tzinfo=UTC))
    threads, checks, _ = collect_thread(ORDER, [later, PathSource(mail_folder)], CONFIG, now=NOW)
    assert len(checks) == 2


def test_merge_keeps_different_messages_that_share_an_id() -> None:
    base = dict(source=MessageSource.MAILBOX, subject="s", message_id="dup@x")
    a = Message(sender="a@x.example", sent_at=datetime(2026, 10, 2, tzinfo=UTC), **base)  # type: ignore[arg-type]
    b = Message(sender="b@x.example", sent_at=datetime(2026, 10, 5, tzinfo=UTC), **base)  # type: ignore[arg-type]
    kept = merge_messages([CollectedMessage(a, b"a", "a.eml"), CollectedMessage(b, b"b", "b.eml")])
    assert [k.message.sender for k in kept] == ["a@x.example", "b@x.example"]


def test_unreadable_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmailSourceError, match="no such file or folder"):
        collect_thread(ORDER, [PathSource(tmp_path / "nope.mbox")], CONFIG, now=NOW)


def test_pipeline_adapter_reads_the_collector_settings(mail_folder: Path, mbox_with_question: Path) -> None:
    settings = SimpleNamespace(
        mail_folders=[mail_folder, mbox_with_question], imap_host=None, imap_user=None, imap_password=None,
        seller_addresses=["support@brightgoods.example"],
    )  # fmt: skip
    question = inbox_copy_of_question()
    threads, checks, raws = collect_for_order(po=PO, order=None, inbox=[question], settings=settings, now=NOW)
    messages = [m for t in threads for m in t.messages]
    # the relay address came from the Inbox copy, so the seller's reply (sent to it) is found
    assert [c.status for c in checks] == [ReplyStatus.ON_TIME]
    assert {m.role for m in messages} >= {Role.CUSTOMER, Role.SELLER}
    assert len(raws) == len([m for m in messages if m.raw_path])
