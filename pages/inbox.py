"""Seller Center Inbox: the Customer and Walmart tabs, their threads, and one thread's messages.

Messages read here become ``Message`` models with ``source=INBOX``. The Inbox shows no
Message-ID, so each gets a stable synthetic id (a hash of thread id, sender, time and body): the
same message read twice gets the same id. The role comes from the sender: the order's relay
address is the customer; the seller's own addresses (or any other non-Walmart sender) the
seller; a Walmart Customer Care sender is Customer Care, other Walmart senders (noreply) are
Walmart system notices.

A message may list its original headers (a "Show original headers" section: ``Name: value``
lines). Then the message is classified here with them, by the classifier the mailbox uses, so a
header-only automatic reply (``Auto-Submitted``, Exchange's ``X-MS-Exchange-*``) seen only in the
Inbox is still recognised; without that section the collector classifies it by subject and words.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message as HeaderBlock
from typing import Unpack
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import APIResponse, Page, expect

from evidence.email.classify import classify
from evidence.email.parse import ParsedEmail
from evidence.models import Attachment, InboxTab, Message, MessageSource, Role
from pages.base import Options, Screen, verb
from pages.errors import ElementMissing, RateLimited, ServerError
from pages.parsing import clean, parse_int, parse_iso, parse_when
from pages.widgets import Pagination, read_table

__all__ = [
    "COLUMNS",
    "InboxPage",
    "ThreadPage",
    "ThreadSummary",
    "classify_with_headers",
    "find_threads",
    "message_role",
    "parse_header_lines",
    "synthetic_id",
]

COLUMNS = ("Subject", "PO #", "Last message", "Messages")
RELAY = re.compile(r"^[0-9a-f]{32}@relay\.walmart\.com$", re.IGNORECASE)
_TAB = {InboxTab.CUSTOMER: re.compile(r"^Customer \((\d+)\)$"), InboxTab.WALMART: re.compile(r"^Walmart \((\d+)\)$")}

# One pass over the thread's articles: each message's heading, dl pairs, body and attachments.
_THREAD_JS = """
main => [...main.querySelectorAll('article')].map(a => {
  const text = el => el ? (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim() : '';
  const fields = {};
  let term = null;
  for (const el of a.querySelectorAll('dt, dd')) {
    if (el.tagName === 'DT') { term = text(el); continue; }
    const t = el.querySelector('time');
    fields[term] = {text: text(el), datetime: t ? t.getAttribute('datetime') : null};
  }
  const body = a.querySelector('.body');
  const headers = a.querySelector('[aria-label="Original headers"]');
  const links = [...a.querySelectorAll('a[href*="/inbox/attachments/"]')];
  return {
    sender: text(a.querySelector('h1, h2, h3, h4, h5, h6, [role=heading]')),
    fields,
    body: body ? body.textContent : null,
    headers: headers ? headers.textContent : null,
    attachments: links.map(l => ({filename: text(l), href: l.href})),
  };
})
"""


def synthetic_id(thread_id: str, sender: str, sent_iso: str, body: str) -> str:
    digest = hashlib.sha256("\x1f".join((thread_id, sender.lower(), sent_iso, body)).encode("utf-8")).hexdigest()
    return f"inbox-{digest[:32]}@sellercenter.invalid"


HEADERS_REASON = "headers shown in the Inbox under 'Show original headers' were considered"


def parse_header_lines(text: str) -> list[tuple[str, str]]:
    """``Name: value`` lines, in order; a line starting with white space continues the one before."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and out:
            name, value = out[-1]
            out[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, _, value = line.partition(":")
            if name.strip():
                out.append((name.strip(), value.strip()))
    return out


def classify_with_headers(message: Message, headers: list[tuple[str, str]]) -> Message:
    """``message`` classified by ``evidence.email.classify`` with these headers (the collector then
    keeps the verdict: it classifies only Inbox messages that have no reasons yet)."""
    block = HeaderBlock()
    for name, value in headers:
        block[name] = value
    verdict = classify(ParsedEmail(message=message, raw=b"", headers=block))
    return message.model_copy(
        update={"kind": verdict.kind, "automatic": verdict.automatic, "reasons": [*verdict.reasons, HEADERS_REASON],
                "complaint": message.complaint or verdict.complaint}
    )  # fmt: skip


def message_role(
    sender: str,
    tab: InboxTab,
    *,
    sender_name: str | None = None,
    relay: str | None = None,
    seller_addresses: Iterable[str] = (),
) -> Role:
    """Who wrote a message, from what the Inbox shows about its sender."""
    address = sender.strip().lower()
    if relay or RELAY.match(address):
        return Role.CUSTOMER
    if address in {a.strip().lower() for a in seller_addresses}:
        return Role.SELLER
    if address.endswith("@walmart.com") or address.endswith(".walmart.com"):
        care = "customer care" in (sender_name or "").lower() or "care" in address.split("@")[0]
        return Role.WALMART_CUSTOMER_CARE if care else Role.WALMART_SYSTEM
    return Role.SELLER  # the only other party in a customer or Walmart thread


@dataclass(frozen=True)
class ThreadSummary:
    thread_id: str
    subject: str
    po: str
    url: str
    tab: InboxTab
    message_count: int


class InboxPage(Screen):
    """``/inbox?tab=customer|walmart``: two tabs with unread counts and the table "Threads"."""

    name = "Inbox"
    heading = "Inbox"
    path = "/inbox"

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        self.tabs = {tab: page.get_by_role("tab", name=pattern) for tab, pattern in _TAB.items()}
        self.table = page.get_by_role("table", name="Threads")
        self.pagination = Pagination(self.main, timeout=self.timeout)

    @verb
    def unread_counts(self) -> dict[InboxTab, int]:
        counts = {}
        for tab, locator in self.tabs.items():
            self._require(locator, f"tab '{tab.value} (N)'", role="tab")
            match = _TAB[tab].match(clean(locator.inner_text()))
            if match is None:
                raise self._missing(f"tab '{tab.value} (N)'", role="tab")
            counts[tab] = int(match[1])
        return counts

    @verb
    def select_tab(self, tab: InboxTab) -> InboxPage:
        locator = self._require(self.tabs[tab], f"tab '{tab.value} (N)'", role="tab")
        if locator.get_attribute("aria-selected") != "true":
            self._submit(locator, f"selecting the {tab.value} tab")  # each tab is its own page (?tab=)
            with self._translated(f"selecting the {tab.value} tab"):
                expect(locator).to_have_attribute("aria-selected", "true", timeout=self.timeout)
        return self.wait_until_ready()

    def _read_page(self, tab: InboxTab) -> list[ThreadSummary]:
        if not self.table.count():  # an empty tab shows "No messages." instead of the table
            return []
        table = read_table(self.table, caption="Threads", screen=self.name, url=self.page.url, required=COLUMNS)
        out = []
        for row in table.rows:
            links = row["Subject"].links
            if not links:
                raise ElementMissing(self.name, "the thread link under 'Subject'", self.page.url)
            href = links[0]["href"]
            out.append(
                ThreadSummary(
                    thread_id=href.rstrip("/").rsplit("/", 1)[-1],
                    subject=row.text("Subject"),
                    po=row.text("PO #"),
                    url=href,
                    tab=tab,
                    message_count=parse_int(row.text("Messages"), what="the message count"),
                )
            )
        return out

    @classmethod
    def open_listing(cls, page: Page, tab: InboxTab, number: int = 1, **kwargs: Unpack[Options]) -> InboxPage:
        """Page ``number`` of ``tab``'s thread list: when the page shows the page before it,
        "Next page" (one API answer); otherwise straight from its URL (``?tab=&page=``: the page
        and its API answer), so a walk over many pages can retry one page without starting over."""
        inbox = cls(page, **kwargs)
        if number > 1 and inbox._showing(tab, number - 1):
            with inbox._translated("turning to the next page"):
                inbox.pagination.go_next(current=number - 1)
            return inbox.wait_until_ready()
        inbox._goto(f"{cls.path}?tab={tab.value.lower()}&page={number}")
        return inbox.wait_until_ready()

    def _showing(self, tab: InboxTab, number: int) -> bool:
        """The page shows page ``number`` of ``tab``'s list and it has a next page (its URL names
        the tab; the pagination says the page)."""
        url = urlsplit(self.page.url)
        if not url.path.endswith(self.path) or parse_qs(url.query).get("tab") != [tab.value.lower()]:
            return False
        return self.pagination.position()[0] == number and self.pagination.has_next()

    @verb
    def listing(self, tab: InboxTab) -> tuple[list[ThreadSummary], int, int]:
        """The threads on the page shown, with (page number, page count)."""
        current, total = self.pagination.position()
        return self._read_page(tab), current, total

    @verb
    def threads(self, tab: InboxTab) -> list[ThreadSummary]:
        """Every thread of ``tab``, all pages, newest first."""
        self.select_tab(tab)
        out = self._read_page(tab)
        while self.pagination.has_next():
            with self._translated("turning to the next page"):
                self.pagination.go_next()
            self.wait_until_ready()
            out.extend(self._read_page(tab))
        return out

    @verb
    def open_thread(self, thread: ThreadSummary) -> ThreadPage:
        self._goto(thread.url)
        return ThreadPage(self.page, thread, tz=self.tz, timeout=self.timeout).wait_until_ready()


def find_threads(inbox: InboxPage, po: str) -> list[ThreadSummary]:
    """The threads about ``po`` on both tabs."""
    return [t for tab in InboxTab for t in inbox.threads(tab) if t.po == po]


class ThreadPage(Screen):
    """``/inbox/threads/<id>``: heading = subject; one ``article`` per message, oldest first."""

    name = "Inbox thread"

    def __init__(self, page: Page, thread: ThreadSummary, **kwargs: Unpack[Options]) -> None:
        self.heading = thread.subject
        super().__init__(page, **kwargs)
        self.thread = thread
        self.articles = self.main.get_by_role("article")

    @verb
    def read(self, *, seller_addresses: Iterable[str] = (), download_attachments: bool = True) -> list[Message]:
        """The thread's messages; attachments are fetched (for size, type and hash) unless told not to."""
        sellers = list(seller_addresses)
        out = []
        for raw in self.main.evaluate(_THREAD_JS):
            fields = raw["fields"]
            sender = (fields.get("From") or {}).get("text", "")
            sent = fields.get("Sent") or {}
            if not sender or not sent:
                raise ElementMissing(
                    self.name,
                    "fields 'From' and 'Sent' in a message",
                    self.page.url,
                    available=list(fields),
                    kind="fields",
                )
            iso = sent.get("datetime")
            sent_at = parse_iso(iso, what="the message time") if iso else parse_when(sent["text"], self.tz)
            relay = (fields.get("Relay address") or {}).get("text")
            body = raw["body"] if raw["body"] is not None else ""
            sent_iso = str(sent.get("datetime") or sent["text"])
            attachments = [self._attachment(a, download_attachments) for a in raw["attachments"]]
            to = [clean(a) for a in (fields.get("To") or {}).get("text", "").split(",") if clean(a)]
            message = Message(
                message_id=synthetic_id(self.thread.thread_id, sender, sent_iso, body),
                source=MessageSource.INBOX,
                sent_at=sent_at,
                sender=sender,
                sender_name=clean(raw["sender"]) or None,
                recipients=to,
                subject=self.thread.subject,
                role=message_role(
                    sender, self.thread.tab, sender_name=raw["sender"], relay=relay, seller_addresses=sellers
                ),
                body_text=body,
                attachments=attachments,
                inbox_tab=self.thread.tab,
            )
            headers = parse_header_lines(raw["headers"]) if raw["headers"] else []
            out.append(classify_with_headers(message, headers) if headers else message)
        return out

    @verb
    def attachment_links(self) -> list[tuple[str, str]]:
        """(filename, URL) of every attachment in the thread, in order."""
        return [(a["filename"], a["href"]) for raw in self.main.evaluate(_THREAD_JS) for a in raw["attachments"]]

    @verb
    def download_attachment(self, n: int) -> bytes:
        """The bytes of the ``n``-th attachment (1-based, thread order), fetched with the session."""
        links = self.attachment_links()
        if not 1 <= n <= len(links):
            raise ElementMissing(
                self.name, f"attachment {n}", self.page.url, available=[f for f, _ in links], kind="attachments"
            )
        with self._translated(f"downloading attachment {n}"):
            response = self.page.request.get(links[n - 1][1])
        self._check_download(response, f"attachment {n}")
        return response.body()

    def _check_download(self, response: APIResponse, what: str) -> None:
        """5xx and 429 are transient (the collector retries them); any other failure is permanent."""
        if response.ok:
            return
        if response.status == 429:
            retry_after = response.headers.get("retry-after", "")
            wait = float(retry_after) if retry_after.isdigit() else None
            raise RateLimited(wait, screen=self.name, url=self.page.url)
        if response.status >= 500:
            raise ServerError(
                f"Seller Center answered HTTP {response.status} for {what} on {self.name}.",
                status=response.status, screen=self.name, url=self.page.url,
            )
        raise ElementMissing(self.name, f"{what} (HTTP {response.status})", self.page.url)

    def _attachment(self, link: dict[str, str], download: bool) -> Attachment:
        if not download:
            return Attachment(filename=link["filename"], media_type="application/octet-stream", size=0)
        with self._translated(f"downloading {link['filename']}"):
            response = self.page.request.get(link["href"])
        self._check_download(response, f"attachment '{link['filename']}'")
        data = response.body()
        media = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
        return Attachment(
            filename=link["filename"], media_type=media, size=len(data), sha256=hashlib.sha256(data).hexdigest()
        )
