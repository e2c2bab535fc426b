"""The mock scenario's mailbox, read back through the e-mail pipeline: roles and kinds agree."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from evidence.email.collect import PathSource, collect_thread
from evidence.email.match import OrderKey, load_message
from evidence.email.roles import EmailConfig
from evidence.models import Role

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
