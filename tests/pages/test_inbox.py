"""The Inbox: unread counts, threads on both tabs, messages with roles, attachments, hostile bodies."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest

from evidence.models import InboxTab, MessageSource, Role
from fixtures.scenario import ScenarioThread
from fixtures.site import Faults, MockSite
from pages import InboxPage, ServerError, Shell, find_threads


def _shown(thread: ScenarioThread) -> list[Any]:
    return sorted((m for m in thread.messages if m.in_inbox), key=lambda m: m.sent_at)


def _unread(site: MockSite, tab: InboxTab | None = None) -> int:
    since = site.scenario.clock.now - timedelta(days=15)
    return sum(
        1
        for t in site.scenario.threads
        if tab is None or t.tab is tab
        for m in _shown(t)
        if m.unread and m.sent_at >= since
    )


def test_unread_counts_match_the_last_15_days(signed_in_page: Any, site: MockSite, kw: dict[str, Any]) -> None:
    inbox = InboxPage.open(signed_in_page, **kw)
    assert inbox.unread_counts() == {tab: _unread(site, tab) for tab in InboxTab}
    assert Shell(signed_in_page, **kw).inbox_unread() == _unread(site)


def test_thread_messages_are_read_in_order_with_roles_and_stable_ids(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    thread = next(t for t in site.scenario.threads if t.tab is InboxTab.WALMART and len(_shown(t)) > 1)
    inbox = InboxPage.open(signed_in_page, **kw)
    summary = next(s for s in find_threads(inbox, thread.po) if s.thread_id == thread.thread_id)
    page = inbox.open_thread(summary)
    messages = page.read(seller_addresses=[site.scenario.seller.login_email])
    expected = _shown(thread)

    assert [m.sent_at for m in messages] == [m.sent_at for m in expected]
    assert [m.sender for m in messages] == [m.from_address for m in expected]
    assert [m.role for m in messages] == [m.role for m in expected]
    assert all(m.source is MessageSource.INBOX and m.inbox_tab is InboxTab.WALMART for m in messages)
    assert len({m.message_id for m in messages}) == len(messages)
    assert [m.message_id for m in page.read(download_attachments=False)] == [m.message_id for m in messages]


def test_customer_messages_are_recognised_by_the_relay_address(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    thread = next(t for t in site.scenario.threads if t.tab is InboxTab.CUSTOMER and len(_shown(t)) > 1)
    inbox = InboxPage.open(signed_in_page, **kw)
    summary = next(s for s in find_threads(inbox, thread.po) if s.thread_id == thread.thread_id)
    messages = inbox.open_thread(summary).read()
    assert [m.role for m in messages] == [m.role for m in _shown(thread)]
    assert Role.CUSTOMER in {m.role for m in messages}


def test_attachments_are_listed_hashed_and_downloadable(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    thread = next(t for t in site.scenario.threads if any(m.attachments for m in _shown(t)))
    attachment = next(a for m in _shown(thread) for a in m.attachments)
    inbox = InboxPage.open(signed_in_page, **kw)
    summary = next(s for s in inbox.threads(thread.tab) if s.thread_id == thread.thread_id)
    page = inbox.open_thread(summary)

    listed = [a for m in page.read() for a in m.attachments]
    data = attachment.content.encode("utf-8")
    assert listed[0].filename == attachment.filename
    assert listed[0].size == len(data)
    assert listed[0].sha256 == hashlib.sha256(data).hexdigest()
    assert page.download_attachment(1) == data


def test_hostile_html_bodies_arrive_as_inert_text(signed_in_page: Any, site: MockSite, kw: dict[str, Any]) -> None:
    thread = next(t for t in site.scenario.threads if any(m.content_type == "text/html" for m in _shown(t)))
    dialogs: list[str] = []
    signed_in_page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    inbox = InboxPage.open(signed_in_page, **kw)
    summary = next(s for s in inbox.threads(thread.tab) if s.thread_id == thread.thread_id)
    messages = inbox.open_thread(summary).read()
    html = next(
        m for m in messages if m.sender == next(x.from_address for x in _shown(thread) if x.content_type == "text/html")
    )
    assert "<script" not in html.body_text.lower()
    assert html.body_html is None
    assert dialogs == []


def test_an_attachment_download_answered_5xx_is_a_transient_server_error(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    thread = next(t for t in site.scenario.threads if any(m.attachments for m in _shown(t)))
    inbox = InboxPage.open(signed_in_page, **kw)
    summary = next(s for s in inbox.threads(thread.tab) if s.thread_id == thread.thread_id)
    page = inbox.open_thread(summary)
    site.set_faults(Faults(error_rate=1.0, seed=1))
    with pytest.raises(ServerError) as caught:
        page.download_attachment(1)
    assert caught.value.transient
