"""The mock scenario's mailbox, read back through the e-mail pipeline: roles and kinds agree."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from evidence.email.collect import PathSource, collect_thread
from evidence.email.match import OrderKey, load_message
from evidence.email.roles import EmailConfig
from evidence.models import Message, MessageSource, Role
from evidence.sanitize import html_to_text

mailbox = pytest.importorskip("fixtures.mailbox", reason="fixtures/mailbox.py (scenario mail export) not present")
scenario_module = pytest.importorskip("fixtures.scenario")

AUTOMATIC_HEADERS = {"auto-submitted", "x-autoreply", "x-ms-exchange-inbox-rules-loop", "precedence"}


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return scenario_module.load_scenario()


@pytest.fixture(scope="module")
def config(scenario) -> EmailConfig:  # type: ignore[no-untyped-def]
    sellers = {m.from_address for t in scenario.threads for m in t.messages if m.role is Role.SELLER}
    return EmailConfig(seller_addresses=sorted(sellers))


def test_every_scenario_message_gets_the_scenario_role(scenario, config: EmailConfig) -> None:  # type: ignore[no-untyped-def]
    pairs = list(mailbox.mailbox_messages(scenario))
    assert pairs
    for thread, message in pairs:
        parsed = load_message(mailbox.message_to_eml(scenario, thread, message), config).message
        assert parsed.role is message.role, (thread.po, message.message_id, parsed.reasons)
        assert parsed.message_id == message.message_id
        assert parsed.notes == []


def test_scenario_automatic_headers_are_recognised(scenario, config: EmailConfig) -> None:  # type: ignore[no-untyped-def]
    for thread, message in mailbox.mailbox_messages(scenario):
        headers = {k.lower(): v.lower() for k, v in message.headers.items()}
        marked = any(k in AUTOMATIC_HEADERS and v not in ("no", "bulk", "list", "junk") for k, v in headers.items())
        parsed = load_message(mailbox.message_to_eml(scenario, thread, message), config).message
        if marked:
            assert parsed.automatic, (message.message_id, headers)
        if set(headers) == {"x-auto-response-suppress"}:
            assert not parsed.automatic, message.message_id


def test_scenario_maildir_gives_threads_and_reply_checks(scenario, config: EmailConfig, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mailbox.write_maildir(scenario, tmp_path / "Maildir")
    thread = next(t for t in scenario.threads if len(t.messages) >= 3 and all(m.in_mailbox for m in t.messages))
    order = scenario.order(thread.po)
    key = OrderKey(order.po, order.customer_order_number, order.customer.relay_email)
    threads, checks, raws = collect_thread(
        key, [PathSource(tmp_path / "Maildir")], config, now=scenario.clock.now + timedelta(days=30)
    )
    found = {m.message_id for t in threads for m in t.messages}
    assert {m.message_id for m in thread.messages} <= found
    inbound = [m for m in thread.messages if m.role in (Role.CUSTOMER, Role.WALMART_CUSTOMER_CARE)
               and not m.headers.get("Auto-Submitted")]  # fmt: skip
    assert {c.inbound_message_id for c in checks} >= {m.message_id for m in inbound}
    assert len(raws) == len(found)


def _inbox_copy(thread, message) -> Message:  # type: ignore[no-untyped-def]
    """What the Inbox page objects produce for a scenario message (text body, synthetic id)."""
    body = html_to_text(message.body) if message.content_type == "text/html" else message.body
    return Message(
        message_id=f"inbox-{thread.thread_id}-{message.message_id[:8]}", source=MessageSource.INBOX,
        sent_at=message.sent_at, sender=message.from_address, sender_name=message.from_name,
        recipients=message.to, subject=thread.subject, role=message.role, body_text=body, inbox_tab=thread.tab,
    )  # fmt: skip


def test_inbox_and_mailbox_copies_of_the_whole_scenario_merge_one_to_one(  # type: ignore[no-untyped-def]
    scenario, config: EmailConfig, tmp_path: Path
) -> None:
    mbox = tmp_path / "all.mbox"
    mailbox.write_mbox(scenario, mbox)
    checked = 0
    for order in scenario.orders:
        threads = [t for t in scenario.threads if t.po == order.po]
        if not threads:
            continue
        inbox = [_inbox_copy(t, m) for t in threads for m in t.messages if m.in_inbox]
        key = OrderKey(order.po, order.customer_order_number, order.customer.relay_email)
        got, _, _ = collect_thread(key, [*inbox, PathSource(mbox)], config, now=scenario.clock.now)
        messages = [m for t in got for m in t.messages]
        expected = {m.message_id for t in threads for m in t.messages}
        mailbox_ids = {m.message_id for m in messages if m.source is not MessageSource.INBOX}
        inbox_only = [m for m in messages if m.source is MessageSource.INBOX]
        assert mailbox_ids == {m.message_id for t in threads for m in t.messages if m.in_mailbox}, order.po
        assert len(messages) == len(expected), order.po  # each real message exactly once
        assert len(inbox_only) == sum(1 for t in threads for m in t.messages if m.in_inbox and not m.in_mailbox)
        in_both = {m.message_id for t in threads for m in t.messages if m.in_inbox and m.in_mailbox}
        for message in messages:
            if message.message_id in in_both:  # the Inbox copy was merged into the mailbox copy
                assert any(s.startswith("inbox:") for s in message.also_seen_in), message.message_id
        checked += 1
    assert checked >= 10
