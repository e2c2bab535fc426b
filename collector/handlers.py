"""Handlers: drive the page objects for one order and return what they captured, in memory.

A handler never writes evidence files: it returns ``RefundCapture`` objects (typed models plus
staged screenshots / HTML snapshots as bytes); the pipeline writes them. Everything a handler
does to the site goes through ``Handler._step``: it takes tokens from the shared rate limiter
(an estimate first, ``STEP_COST``; after the step, one more token for each page or API request
the browser really sent beyond it) and retries transient failures with the job's tenacity
policy. Permanent page errors and ``SessionExpired``
propagate to the worker.

Per order: the transaction history (which Customer Care refunds are there?), the order facts,
the returns, the Inbox threads about the PO; per refund: its details with the dispute state and,
when it is already disputed, the case from the Disputes dashboard. Screens shared by several
refunds of one order are captured once and copied into each refund's bundle.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import structlog

from collector.inbox_index import InboxIndex
from collector.ratelimit import RateLimiter
from collector.retry import RetryPolicy
from collector.snapshots import SNAPSHOT_JS, snapshot_of
from evidence.models import (
    Capture,
    DisputeCase,
    DisputeState,
    InboxTab,
    Message,
    Order,
    RefundDetail,
    ReturnInfo,
    Transaction,
    TransactionType,
)
from pages.base import CONTENT_HEIGHT_JS, full_screenshot
from pages.errors import PageError, RateLimited

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Page

log = structlog.get_logger()
T = TypeVar("T")

# Rate-limiter tokens taken before each step: a lower estimate of the page + API requests it
# sends (the rest is paid after the step from the observed count; docs/collector.md).
INBOX_INDEX_TTL_S = 300.0
RATE_LIMIT_DEFAULT_HOLD_S = 5.0  # a 429 without Retry-After
STEP_COST = {
    "open": 2,  # "auto" layout: the first order's Transactions search answer, which tells the layout (once per job)
    "transactions": 2,  # the search answer opened from its URL: the page and its API call
    "refund": 1,  # a drawer or dialog on the open search answer: its details API call
    "order": 0,  # read from a refund's drawer already open: nothing more
    "returns": 2,  # the Returns search answer (+ one details call per return, paid after)
    "inbox": 2,  # one page of one Inbox tab (the page and its API call)
    "thread": 2,  # the thread page and its API call
    "case": 2,  # the case page and its API call
}


class SharedCache:
    """What every worker of a job reuses: the detected layout and the Inbox thread index.

    The index is walked by the workers together, page by page (``collector.inbox_index``), once
    for the whole job and again when older than ``ttl_s`` (new threads arrive while a job runs).
    """

    def __init__(self, ttl_s: float = INBOX_INDEX_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.layout: str | None = None
        self.lock = threading.Lock()  # guards the layout the first answered order tells
        self.seller_name: str | None = None  # the header's seller name: one account per job
        self.inbox: InboxIndex[Any] = InboxIndex(list(InboxTab), po_of=lambda summary: summary.po, ttl_s=ttl_s, clock=clock)


@dataclass(frozen=True)
class StagedFile:
    """A file for the bundle, held in memory until the pipeline writes it."""

    path: str  # inside the bundle: captures/... or emails/...
    data: bytes
    media_type: str


# The screen's text (to tell a revisit), its title and the height a full screenshot needs: one round trip.
# What a capture reads from the page, in one round trip: the visible text (to tell a screen already
# kept), the title, the height a full screenshot needs, and the HTML snapshot's markup and styles.
_SCREEN_JS = "() => [document.body ? document.body.innerText : '', document.title, (%s)(), ...(%s)()]" % (
    CONTENT_HEIGHT_JS, SNAPSHOT_JS)


class ScreenRecorder:
    """The readers' ``on_screen`` callback: a full-page PNG and an HTML snapshot of each screen."""

    def __init__(self, on_bytes: Callable[[int], None] | None = None) -> None:
        self.captures: list[Capture] = []
        self.files: list[StagedFile] = []
        self.urls: list[str] = []
        self._on_bytes = on_bytes
        self._seen: set[tuple[str, str, str]] = set()

    def mark(self) -> int:
        return len(self.captures)

    def since(self, mark: int) -> tuple[list[Capture], list[StagedFile]]:
        return self.pick(range(mark, len(self.captures)))

    def pick(self, indices: Iterable[int]) -> tuple[list[Capture], list[StagedFile]]:
        """The captures at ``indices`` (in capture order) with their files."""
        captures = [self.captures[i] for i in sorted(set(indices))]
        names = {c.screenshot for c in captures} | {c.snapshot for c in captures}
        return captures, [f for f in self.files if f.path in names]

    def __call__(self, screen: str, page: Page) -> None:
        url = page.url
        # Readers revisit screens (the search results before each drawer, the same drawer for the
        # order facts and the refund): the same screen showing the same text is kept once. The
        # visible text, not the HTML: pages carry generated ids that differ on every load.
        shown, title, height, markup, css = page.evaluate(_SCREEN_JS)
        seen = (screen, url, hashlib.sha256(shown.encode("utf-8")).hexdigest())
        if seen in self._seen:
            log.info("screen.reached", screen=screen, url=url, unchanged=True)
            return
        self._seen.add(seen)
        log.info("screen.reached", screen=screen, url=url)
        n = len(self.captures) + 1
        stem = f"captures/{n:02d}-{screen}"
        png = full_screenshot(page, int(height))
        html = snapshot_of(markup, css)  # inert: no scripts, no links out, styles inlined
        capture = Capture(
            screen=screen,
            url=url,
            captured_at=datetime.now(UTC),
            title=title or None,
            screenshot=f"{stem}.png",
            snapshot=f"{stem}.html",
        )
        self.captures.append(capture)
        self.files.append(StagedFile(f"{stem}.png", png, "image/png"))
        self.files.append(StagedFile(f"{stem}.html", html, "text/html; charset=utf-8"))
        if url not in self.urls:
            self.urls.append(url)
        if self._on_bytes:
            self._on_bytes(len(png) + len(html))
        log.info("capture.saved", screen=screen, screenshot=capture.screenshot, bytes=len(png) + len(html))


@dataclass
class RefundCapture:
    """Everything captured about one refund, staged in memory for the pipeline."""

    po: str
    transaction_id: str
    refund: RefundDetail
    transactions: list[Transaction]
    order: Order | None
    returns: list[ReturnInfo]
    dispute_case: DisputeCase | None
    inbox_messages: list[Message]
    captures: list[Capture]
    files: list[StagedFile]
    source_urls: list[str]
    seller_name: str | None = None
    browser_version: str | None = None
    captured_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class OrderOutcome:
    refunds: list[RefundCapture]
    cc_refund_ids: list[str]
    already_written: list[str]
    busy: list[str] = field(default_factory=list)


class Handler:
    """Captures one order at a time on ``page`` (which belongs to the calling worker thread)."""

    def __init__(
        self,
        page: Page,
        *,
        layout: str,
        tz: str,
        timeout_ms: float,
        limiter: RateLimiter,
        retry: RetryPolicy,
        on_retry: Callable[[str], None],
        on_bytes: Callable[[int], None] | None = None,
        stop_event: threading.Event | None = None,
        seller_addresses: list[str] | None = None,
        shared: SharedCache | None = None,
        observed_requests: Callable[[], int] = lambda: 0,
        on_downloads: Callable[[int], None] | None = None,
        walk_inbox_first: bool = False,
    ) -> None:
        self.page = page
        self.walk_inbox_first = walk_inbox_first  # read the job's Inbox index before the order
        self.layout = layout
        self.tz = tz
        self.timeout_ms = timeout_ms
        self.limiter = limiter
        self.retry = retry
        self.on_retry = on_retry
        self.on_bytes = on_bytes
        self.stop_event = stop_event
        self.seller_addresses = seller_addresses or []
        self.observed_requests = observed_requests  # this worker's page + API requests so far
        self.on_downloads = on_downloads or (lambda _n: None)  # files fetched outside the page (attachments)
        self.shared = shared if shared is not None else SharedCache()

    # ------------------------------------------------------------------ plumbing

    def _step(self, name: str, fn: Callable[[], T]) -> T:
        cost = STEP_COST.get(name, 1)

        def attempt() -> T:
            before = self.observed_requests()
            for _ in range(cost):
                if not self.limiter.acquire():
                    raise JobStopping()
            try:
                return fn()
            except RateLimited as exc:
                # Every worker holds off until the site's Retry-After has passed, not only this one.
                self.limiter.hold(exc.retry_after if exc.retry_after is not None else RATE_LIMIT_DEFAULT_HOLD_S)
                raise
            finally:
                # Pay for the requests the step sent beyond its estimate, before the next step
                # (never inside a Playwright callback: blocking there would stall the page).
                for _ in range(self.observed_requests() - before - cost):
                    if not self.limiter.acquire():
                        break

        return self.retry.call(attempt, step=name, on_retry=self.on_retry)

    def _kw(self) -> dict[str, Any]:
        return {"tz": self.tz, "timeout": self.timeout_ms}

    # ------------------------------------------------------------------ the order

    def capture_order(self, po: str, *, claim: Callable[[str], str]) -> OrderOutcome:
        """Capture the order's Customer Care refunds that ``claim(transaction_id)`` hands to us.

        ``claim`` answers ``"mine"`` (capture it), ``"done"`` (already bundled in this output
        folder) or ``"busy"`` (another collector is capturing it now: the order comes back later).
        """
        recorder = ScreenRecorder(self.on_bytes)
        if self.walk_inbox_first:
            # This worker walks the Inbox before its first order while the others start theirs:
            # they would otherwise all reach their first thread together and wait for the walk.
            self._thread_index()
        visit = self._visit(po, recorder)
        transactions = self._step("transactions", visit.transactions)
        cc_ids = [t.transaction_id for t in transactions if t.type == TransactionType.CUSTOMER_CARE_REFUND]
        answers = {t: claim(t) for t in cc_ids}
        todo = [t for t in cc_ids if answers[t] == "mine"]
        outcome = OrderOutcome(
            refunds=[],
            cc_refund_ids=cc_ids,
            already_written=[t for t in cc_ids if answers[t] == "done"],
            busy=[t for t in cc_ids if answers[t] == "busy"],
        )
        if not todo:
            return outcome
        # Each screen once, in the order the page is already in: every refund's details on the
        # open search answer (the first drawer also gives the order facts), then the other screens.
        own: dict[str, list[int]] = {t: [] for t in todo}  # captures that belong to one refund only
        refunds: dict[str, RefundDetail] = {}
        for txn_id in todo:
            mark = recorder.mark()
            refunds[txn_id] = self._step("refund", lambda txn_id=txn_id: visit.refund(txn_id))
            own[txn_id] += range(mark, recorder.mark())
        order = self._step("order", visit.order)
        returns = self._step("returns", visit.returns)
        messages = self._read_inbox(po, recorder)
        cases: dict[str, DisputeCase | None] = {}
        for txn_id in todo:
            mark = recorder.mark()
            cases[txn_id] = self._read_case(refunds[txn_id], recorder)
            own[txn_id] += range(mark, recorder.mark())
        owned = {i for indices in own.values() for i in indices}
        shared = [i for i in range(recorder.mark()) if i not in owned]
        seller = self._seller_name()
        browser = self.page.context.browser
        for txn_id in todo:
            captures, files = recorder.pick(shared + own[txn_id])
            outcome.refunds.append(
                RefundCapture(
                    po=po,
                    transaction_id=txn_id,
                    refund=refunds[txn_id],
                    transactions=transactions,
                    order=order,
                    returns=returns,
                    dispute_case=cases[txn_id],
                    inbox_messages=messages,
                    captures=captures,
                    files=files,
                    source_urls=list(recorder.urls),
                    seller_name=seller,
                    browser_version=browser.version if browser else None,
                )
            )
        return outcome

    def _visit(self, po: str, recorder: ScreenRecorder) -> Any:
        """The order's visit on the job's layout. With "auto", an order's own search answer tells
        the layout (no navigation of its own): the workers' first orders, started together, each
        read theirs instead of waiting for the first (on a 2022 site each of them pays one 404,
        at most a request per worker a job); later orders use the layout recorded."""
        from pages.visit import detect_visit, visit_for

        layout = self.shared.layout or self.layout
        if layout == "auto":
            visit = self._step("open", lambda: detect_visit(self.page, po, on_screen=recorder, **self._kw()))
            with self.shared.lock:
                self.shared.layout = self.shared.layout or visit.layout.value
            return visit
        return visit_for(self.page, layout, po, on_screen=recorder, **self._kw())  # type: ignore[arg-type]

    def _read_inbox(self, po: str, recorder: ScreenRecorder) -> list[Message]:
        from pages.inbox import InboxPage

        messages: list[Message] = []
        for ref in self._thread_index().get(po, []):

            def read_thread(ref: Any = ref) -> list[Message]:
                # InboxPage's constructor only defines locators: open_thread goes straight to the URL.
                thread = InboxPage(self.page, **self._kw()).open_thread(ref)
                recorder("inbox.thread", self.page)
                messages = thread.read(seller_addresses=self.seller_addresses)
                # Attachments are fetched with the page's API client, which the browser context's
                # request events never see: counted here (and so paid to the rate limit by _step).
                self.on_downloads(sum(1 for m in messages for a in m.attachments if a.sha256 is not None))
                return messages

            messages.extend(self._step("thread", read_thread))
        return messages

    def _thread_index(self) -> dict[str, list[Any]]:
        """PO -> Inbox threads, shared by the job's workers: each list page read here is one step
        (and so one retry scope), taken from the walk the workers share (``SharedCache.inbox``)."""
        from pages.inbox import InboxPage

        def read_page(tab: Any, number: int) -> tuple[list[Any], int]:
            def read() -> tuple[list[Any], int]:
                inbox = InboxPage.open_listing(self.page, tab, number, **self._kw())
                threads, _, total = inbox.listing(tab)
                return threads, total

            threads, total = self._step("inbox", read)
            log.info("inbox.page_read", tab=tab.value, page=number, pages=total, threads=len(threads))
            return threads, total

        return self.shared.inbox.get(read_page)

    def _read_case(self, refund: RefundDetail, recorder: ScreenRecorder) -> DisputeCase | None:
        if refund.dispute.state != DisputeState.DISPUTED or not refund.dispute.case_id:
            return None
        from pages.disputes import CasePage

        case_id = refund.dispute.case_id

        def open_case() -> DisputeCase:
            page = CasePage.open_case(self.page, case_id, **self._kw())
            recorder("disputes.case", self.page)
            return page.read()

        return self._step("case", open_case)

    def _seller_name(self) -> str | None:
        """The seller name the shell shows (best effort: the bundle falls back to the setting).
        Read once a job: every screen of the job shows the same account's name."""
        from pages.shell import Shell

        if self.shared.seller_name is not None:
            return self.shared.seller_name
        shell = Shell(self.page, **self._kw())  # type: ignore[arg-type]
        getter = getattr(shell, "seller_name", None)
        try:
            name = getter() if callable(getter) else None
        except PageError:
            return None
        self.shared.seller_name = name or None
        return name


class JobStopping(Exception):
    """The job is stopping (rate limiter released): the order goes back to pending."""
