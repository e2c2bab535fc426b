"""Replay a bundle's screens offline from its web archive (``captures/archive.wacz``).

Every request the browser makes is answered from the archive (``context.route("**/*")``): an
archived answer is fulfilled with its status, headers and body; anything else is aborted and
listed (``ReplayedScreen.blocked``). Nothing leaves the machine: the origin in the archive
(Seller Center's) is never contacted, other origins neither.

A screen that is a whole page (a search answer, an Inbox thread, a case) is its archived URL,
opened and waited for like the collector waits (the level-1 heading, the end of loading). A
screen that is a panel on a page (the Transactions drawer, the Payments history and details
dialog, a Returns row's details) is reached the way the collector reached it: the same page
objects (``pages.visit``) click their way to it on the replayed page, with the bundle's PO and
refund, and stop when the screen is shown. The page's scripts run as they did on the site, with
the API answers they got then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collector.archive import BUNDLE_ARCHIVE
from collector.errors import CollectorError
from evidence.bundle.reader import Bundle
from evidence.webarchive import ArchivedExchange, ArchivePage, read_pages, read_wacz
from pages.base import Screen
from pages.errors import PageError

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Browser, BrowserContext, Page, Route

_HOP_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length", "connection"})


class ReplayError(CollectorError):
    """The bundle cannot be replayed (no archive, an unknown screen); the message says why."""


@dataclass
class ReplayedScreen:
    page: ArchivePage  # id (the capture's file stem), url, title (the screen name)
    heading: str | None = None
    screenshot: Path | None = None
    blocked: list[str] = field(default_factory=list)  # requests the archive could not answer (aborted)


class ArchiveRouter:
    """Answers a context's requests from archived exchanges; aborts (and lists) everything else."""

    def __init__(self, exchanges: Iterable[ArchivedExchange]) -> None:
        self.answers: dict[tuple[str, str], ArchivedExchange] = {}
        for item in exchanges:
            self.answers.setdefault((item.exchange.method.upper(), _no_fragment(item.exchange.url)), item)
        self.served: list[str] = []
        self.blocked: list[str] = []

    def attach(self, context: BrowserContext) -> None:
        context.route("**/*", self._handle)

    def _handle(self, route: Route) -> None:
        request = route.request
        item = self.answers.get((request.method.upper(), _no_fragment(request.url)))
        if item is None:
            self.blocked.append(f"{request.method} {request.url}")
            route.abort("blockedbyclient")
            return
        self.served.append(f"{request.method} {request.url}")
        exchange = item.exchange
        headers = {k: v for k, v in exchange.response_headers if k.lower() not in _HOP_HEADERS}
        route.fulfill(status=item.status, headers=headers, body=exchange.response_body or b"")


def archive_of(bundle: Bundle) -> bytes:
    if not any(entry.path == BUNDLE_ARCHIVE for entry in bundle.manifest.files):
        raise ReplayError(f"{bundle.path.name} has no web archive ({BUNDLE_ARCHIVE}): it was collected with archives off")
    return bundle.file(BUNDLE_ARCHIVE).read_bytes()


def archived_screens(bundle: Bundle) -> list[ArchivePage]:
    """The screens listed in the bundle's web archive (``ReplayError`` when it has none or it does not read)."""
    try:
        return read_pages(archive_of(bundle))
    except (ValueError, KeyError) as exc:
        raise ReplayError(f"{bundle.path.name}: the web archive does not read: {exc}") from None


def select_screens(screens: list[ArchivePage], wanted: str | None, bundle_name: str) -> list[ArchivePage]:
    """Every screen, or those ``wanted`` names: a number (``2``, ``02``), a capture stem
    (``02-transactions.details``) or a screen name (``inbox.thread``: each of them)."""
    if wanted is None:
        return list(screens)

    def number(page: ArchivePage) -> int | None:
        head = page.id.split("-", 1)[0]
        return int(head) if head.isdigit() else None

    picked = [p for p in screens if wanted in (p.id, p.title) or (wanted.isdigit() and number(p) == int(wanted))]
    if not picked:
        names = ", ".join(p.id for p in screens)
        raise ReplayError(f"no screen {wanted!r} in {bundle_name} (its screens: {names})")
    return picked


class Replayer:
    """One bundle's archive in one browser context: every request answered from the archive."""

    def __init__(self, browser: Browser, bundle: Bundle, *, timeout_ms: float = 10_000) -> None:
        archive = archive_of(bundle)
        self.bundle = bundle
        self.timeout_ms = timeout_ms
        try:
            self.screens = read_pages(archive)
            self.router = ArchiveRouter(read_wacz(archive))
        except (ValueError, KeyError) as exc:
            raise ReplayError(f"{bundle.path.name}: the web archive does not read: {exc}") from None
        # No service worker may answer in the archive's place; the routes see every request.
        self.context = browser.new_context(
            service_workers="block",
            # As the collector's contexts (collector.settings.context_options_for): dates shown in
            # the seller's zone, the same page width.
            timezone_id=bundle.case.seller.timezone,
            locale="en-US",
            viewport={"width": 1280, "height": 900},
        )
        self.context.set_default_timeout(timeout_ms)
        self.router.attach(self.context)

    def close(self) -> None:
        self.context.close()

    def select(self, wanted: str | None = None) -> list[ArchivePage]:
        return select_screens(self.screens, wanted, self.bundle.path.name)

    def open(self, screen: ArchivePage) -> tuple[Page, ReplayedScreen]:
        """A new page showing ``screen`` as it was captured (the page stays open)."""
        before = len(self.router.blocked)
        page = self.context.new_page()
        occurrence = [p.title for p in self.screens[: self.screens.index(screen)]].count(screen.title)
        try:
            _bring_to(page, self.bundle, screen, occurrence, self.timeout_ms)
        except PageError as exc:
            raise ReplayError(f"screen {screen.id} did not show on the replayed page: {exc}") from None
        result = ReplayedScreen(screen, heading=_heading(page))
        result.blocked = self.router.blocked[before:]
        return page, result

    def screenshot(self, screen: ArchivePage, path: Path) -> ReplayedScreen:
        page, result = self.open(screen)
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        result.screenshot = path
        page.close()
        return result


def _heading(page: Page) -> str | None:
    """What the screen is titled: an open dialog's heading, else the page's level-1 heading."""
    for heading in (page.get_by_role("dialog").get_by_role("heading").first, page.get_by_role("heading", level=1).first):
        if heading.count():
            return heading.inner_text().strip()
    return None


def _bring_to(page: Page, bundle: Bundle, screen: ArchivePage, occurrence: int, timeout_ms: float) -> None:
    """Bring ``page`` (routed to the archive) to ``screen``: its URL, then the panel if it is one."""
    page.goto(screen.url)
    driver = _DRIVERS.get(screen.title)
    if driver is None:
        _AnyScreen(page, timeout=timeout_ms).wait_until_ready()
        return
    reached: list[str] = []

    def on_screen(name: str, _page: Page) -> None:
        if name == screen.title:
            reached.append(name)
            if len(reached) > occurrence:
                raise _Reached

    try:
        driver(page, bundle.case.po, bundle.case.refund_transaction_id, on_screen, timeout_ms)
    except _Reached:
        return
    raise ReplayError(f"screen {screen.id} was not reached on the replayed page")


# --------------------------------------------------------------------------- reaching panels


class _Reached(Exception):
    """The screen asked for is shown: stop the visit there."""


class _AnyScreen(Screen):
    name = "Replayed screen"
    heading = re.compile(r"\S")


def _transactions(page: Page, po: str, txn: str, on_screen: Any, timeout: float) -> None:
    from pages.visit import TransactionsVisit

    TransactionsVisit(page, po, timeout=timeout, on_screen=on_screen).transactions()


def _transaction_details(page: Page, po: str, txn: str, on_screen: Any, timeout: float) -> None:
    from pages.visit import TransactionsVisit

    TransactionsVisit(page, po, timeout=timeout, on_screen=on_screen).refund(txn)


def _payments(page: Page, po: str, txn: str, on_screen: Any, timeout: float) -> None:
    from pages.visit import PaymentsVisit

    PaymentsVisit(page, po, timeout=timeout, on_screen=on_screen).transactions()


def _payment_details(page: Page, po: str, txn: str, on_screen: Any, timeout: float) -> None:
    from pages.visit import PaymentsVisit

    PaymentsVisit(page, po, timeout=timeout, on_screen=on_screen).refund(txn)


def _returns(page: Page, po: str, txn: str, on_screen: Any, timeout: float) -> None:
    from pages.visit import TransactionsVisit

    TransactionsVisit(page, po, timeout=timeout, on_screen=on_screen).returns()


# Screens that are panels on a page (or need the page's own wait): how the collector reached them.
_DRIVERS: dict[str, Callable[[Page, str, str, Any, float], None]] = {
    "transactions.search-results": _transactions,
    "transactions.details": _transaction_details,
    "payments.search-results": _payments,
    "payments.transaction-history": _payments,
    "payments.transaction-details": _payment_details,
    "returns.search-results": _returns,
    "returns.details": _returns,
}


def _no_fragment(url: str) -> str:
    return url.split("#", 1)[0]
