"""IMAP against a real Dovecot (see ``dovecot.py``): SSL and STARTTLS, search, read-only fetch."""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import SecretStr

from evidence.email.collect import collect_thread
from evidence.email.imap import ImapError, ImapSource, fetch_imap, search_criteria
from evidence.email.match import OrderKey
from evidence.email.merge import collect_for_order
from evidence.email.roles import EmailConfig
from evidence.models import MessageSource, ReplyStatus, Role

from .dovecot import DOVECOT, DovecotServer, run_dovecot

pytestmark = [
    pytest.mark.imap,
    pytest.mark.skipif(DOVECOT is None, reason="dovecot is not installed (scripts/setup.sh installs it)"),
]

OWN_PO = "4342076435326"
OWN_RELAY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0@relay.walmart.com"
DATA = Path(__file__).parent / "data"


def _scenario_seed(tmp: Path) -> tuple[list[tuple[str, bytes]], object | None]:
    try:
        from fixtures.mailbox import write_maildir
        from fixtures.scenario import load_scenario
    except ImportError:
        return [], None
    scenario = load_scenario()
    write_maildir(scenario, tmp / "scenario")
    files = sorted((tmp / "scenario").glob("*/*"))
    return [(f.name, f.read_bytes()) for f in files if f.parent.name in ("cur", "new")], scenario


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DovecotServer, object | None]]:
    seed, scenario = _scenario_seed(tmp_path_factory.mktemp("seed"))
    seed += [(f"{p.stem}:2,S", p.read_bytes()) for p in sorted(DATA.glob("*.eml"))]
    with run_dovecot(seed) as running:
        yield running, scenario


def source(server: DovecotServer, security: str = "ssl", **kw: object) -> ImapSource:
    port = server.imaps_port if security == "ssl" else server.imap_port
    fields: dict[str, object] = dict(
        host=server.host, port=port, security=security, username=server.username,
        password=SecretStr(server.password), cafile=str(server.cafile), timeout=10,
    )  # fmt: skip
    fields.update(kw)
    return ImapSource(**fields)  # type: ignore[arg-type]


def _seen_flags(server: DovecotServer) -> list[bytes]:
    context = ssl.create_default_context(cafile=str(server.cafile))
    client = imaplib.IMAP4_SSL(server.host, server.imaps_port, ssl_context=context)
    try:
        client.login(server.username, server.password)
        client.select("INBOX", readonly=True)
        status, data = client.fetch("1:*", "(FLAGS)")
        assert status == "OK"
        return [line for line in data if isinstance(line, bytes)]
    finally:
        client.logout()


def test_ssl_fetch_finds_the_orders_mail_byte_for_byte(server: tuple[DovecotServer, object]) -> None:
    running, _ = server
    items = list(fetch_imap(source(running), [OWN_PO, OWN_RELAY]))
    original = (DATA / "customer_question.eml").read_bytes()
    assert original in [item.data for item in items]
    assert all(item.source is MessageSource.IMAP and item.origin.startswith("imap:127.0.0.1/INBOX/") for item in items)
    assert all(item.fallback_time is not None for item in items)
    assert not any(b"[mp-sellers]" in item.data for item in items)  # unrelated mail is not fetched


def test_server_substring_hits_for_other_orders_are_filtered_out(server: tuple[DovecotServer, object]) -> None:
    running, _ = server
    # IMAP TEXT is a substring search: "not order 43420764353260" is a hit on the server, not for us.
    assert any(b"43420764353260" in item.data for item in fetch_imap(source(running), [OWN_PO]))
    threads, _, _ = collect_thread(OrderKey(OWN_PO, None, OWN_RELAY), [source(running)], EmailConfig(),
                                   now=datetime(2026, 12, 1, tzinfo=UTC))  # fmt: skip
    ids = {m.message_id for t in threads for m in t.messages}
    assert "cust-q1.4342076435326@relay.walmart.com" in ids and "other-1@relay.walmart.com" not in ids


def test_starttls_collect_thread_for_a_scenario_order(server: tuple[DovecotServer, object]) -> None:
    running, scenario = server
    if scenario is None:
        pytest.skip("fixtures/mailbox.py is not available: the scenario mail cannot be seeded")
    thread = next(t for t in scenario.threads  # type: ignore[attr-defined]
                  if t.po != OWN_PO and len(t.messages) >= 3 and all(m.in_mailbox for m in t.messages))  # fmt: skip
    order = scenario.order(thread.po)  # type: ignore[attr-defined]
    sellers = sorted({m.from_address for m in thread.messages if m.role is Role.SELLER})
    threads, checks, raws = collect_thread(
        OrderKey(order.po, order.customer_order_number, order.customer.relay_email),
        [source(running, "starttls", since=(order.order_date - timedelta(days=1)).date())],
        EmailConfig(seller_addresses=sellers), now=scenario.clock.now + timedelta(days=60),  # type: ignore[attr-defined]
    )  # fmt: skip
    got = [m for t in threads for m in t.messages]
    assert {m.message_id for m in thread.messages} <= {m.message_id for m in got}
    assert {m.message_id: m.role for m in got}.items() >= {m.message_id: m.role for m in thread.messages}.items()
    assert all(m.source is MessageSource.IMAP and m.raw_path for m in got)
    assert checks and all(c.status is not ReplyStatus.PENDING for c in checks)
    assert len(raws) == len(got)


def test_fetching_changes_nothing_on_the_server(server: tuple[DovecotServer, object]) -> None:
    running, _ = server
    before = _seen_flags(running)
    assert any(b"\\Seen" not in line for line in before)  # some messages are unread
    list(fetch_imap(source(running), [OWN_PO]))
    list(fetch_imap(source(running, "starttls"), [OWN_PO]))
    assert _seen_flags(running) == before


def test_date_window_limits_the_search(server: tuple[DovecotServer, object]) -> None:
    running, _ = server
    assert list(fetch_imap(source(running, since=date(2031, 1, 1)), [OWN_PO])) == []


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_untrusted_certificate_is_refused(server: tuple[DovecotServer, object], security: str) -> None:
    running, _ = server
    with pytest.raises(ImapError, match="TLS failed"):
        list(fetch_imap(source(running, security, cafile=None), [OWN_PO]))


def test_unknown_folder_is_a_clear_error(server: tuple[DovecotServer, object]) -> None:
    running, _ = server
    with pytest.raises(ImapError, match="no folder 'Archive/2019'"):
        list(fetch_imap(source(running, folders=["Archive/2019"]), [OWN_PO]))


def test_connection_refused_is_a_clear_error() -> None:
    with pytest.raises(ImapError, match="cannot connect"):
        list(fetch_imap(ImapSource(host="127.0.0.1", port=1, username="u", password=SecretStr("p"), timeout=2), ["1"]))


def test_search_criteria_combine_terms_with_or_inside_the_date_window() -> None:
    assert search_criteria(["123", 'a"b'], date(2026, 10, 1), date(2026, 11, 1)) == (
        'SINCE 01-Oct-2026 BEFORE 01-Nov-2026 (OR TEXT "123" TEXT "a\\"b")'
    )
    assert search_criteria([]) == "ALL"


def test_pipeline_adapter_uses_the_imap_settings(
    server: tuple[DovecotServer, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    running, _ = server
    monkeypatch.setenv("SSL_CERT_FILE", str(running.cafile))  # a private CA, as an operator would configure it
    settings = SimpleNamespace(
        mail_folders=[], imap_host=running.host, imap_port=running.imap_port, imap_user=running.username,
        imap_password=SecretStr(running.password), imap_security="starttls", imap_folders=["INBOX"],
        seller_addresses=["support@brightgoods.example"],
    )  # fmt: skip
    threads, checks, _ = collect_for_order(po=OWN_PO, order=None, inbox=[], settings=settings,
                                           now=datetime(2026, 12, 1, tzinfo=UTC))  # fmt: skip
    ids = {m.message_id for t in threads for m in t.messages}
    assert "cust-q1.4342076435326@relay.walmart.com" in ids
    assert any(c.inbound_message_id == "cust-q1.4342076435326@relay.walmart.com" for c in checks)


# Last: a failed login makes Dovecot slow down later logins from the same address (auth penalty).
def test_wrong_password_is_a_one_line_error_without_the_password(server: tuple[DovecotServer, object]) -> None:
    running, _ = server
    with pytest.raises(ImapError) as caught:
        list(fetch_imap(source(running, password=SecretStr("hunter2-wrong")), [OWN_PO]))
    assert str(caught.value) == f"IMAP 127.0.0.1:{running.imaps_port}: login failed for seller"
    assert "hunter2" not in repr(source(running, password=SecretStr("hunter2-wrong")))
