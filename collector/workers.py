"""Worker threads: each owns its connection to the job's browser and a context kept across orders.

Playwright's sync API objects never cross threads: a worker connects to the job's browser server
from its own thread, through a thin client (collector/thin_client.py: no Playwright driver
process per worker) or, with traces on, its own ``sync_playwright()``; without a shared browser it
launches one of its own. Its browser context lives across orders (``_context_for`` says when it is
replaced: after an error, a session renewal, every ``CONTEXT_MAX_ORDERS`` orders, every order
with traces on).

Per order: handler (captures, in memory) -> journal ``captured`` -> pipeline (bundles) ->
journal refunds ``written``. On ``SessionExpired`` the worker signs in again when credentials are
configured (``SessionKeeper``) and redoes the order; without them it raises ``SessionLost`` and
the job stops cleanly. On a permanent page error it keeps a failure snapshot (and the trace with
``--trace retain-on-failure``) in ``<job>/failures/``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from collector.archive import TrafficRecorder, build_archive
from collector.claims import RefundRegistry
from collector.errors import SessionLost
from collector.handlers import Handler, SharedCache, StagedFile
from collector.logging import bind_job
from collector.pipeline import Pipeline
from collector.ratelimit import RateLimiter
from collector.report import JobStats
from collector.retry import RetryPolicy
from collector.session import SessionKeeper
from collector.traces import bundle_trace, stop_scrubbed
from collector.settings import (
    CollectorSettings,
    connected_browser,
    context_options_for,
)
from collector.walker import OrderResult, Walker
from evidence.models import InboxTab
from pages.errors import PageError, SessionExpired

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Browser, BrowserContext, Request

log = structlog.get_logger()
SITE_REQUEST_TYPES = frozenset({"document", "fetch", "xhr"})  # what the rate limit counts
MAX_RENEWALS_PER_ORDER = 5  # a session shared by N workers can expire more than once per order
CONTEXT_MAX_ORDERS = 25  # then a fresh context (and renderer): static files fetched again once, memory given back


@dataclass
class JobRuntime:
    """What every worker of one job shares (all of it thread-safe)."""

    job_id: str
    job_dir: Path
    settings: CollectorSettings
    walker: Walker
    pipeline: Pipeline
    limiter: RateLimiter
    retry: RetryPolicy
    stats: JobStats
    keeper: SessionKeeper
    stop_event: threading.Event
    registry: RefundRegistry
    shared: SharedCache = field(default_factory=SharedCache)  # layout + Inbox index, for every worker
    browser_endpoint: str | None = None  # a browser server to connect to (None: each worker launches one)
    workers: int = 1  # how many workers the job runs

    @property
    def failures_dir(self) -> Path:
        return self.job_dir / "failures"


class Worker(threading.Thread):
    def __init__(self, number: int, job: JobRuntime) -> None:
        super().__init__(name=f"collector-worker-{number}", daemon=True)
        self.number = number
        self.job = job
        self.error: BaseException | None = None
        self.requests_sent = 0  # page (document) and API (fetch/XHR) requests of this worker
        self._context: BrowserContext | None = None  # kept across orders (see _context_for)
        self._generation = -1  # the session generation the kept context was opened with
        self._context_orders = 0  # orders begun in the kept context
        self._static_bodies: dict[tuple[object, ...], bytes] = {}  # the web archive's, for the kept context
        self._first_order = True

    def run(self) -> None:
        bind_job(self.job.job_id, worker=self.number)
        connection = ExitStack()
        try:
            with connection:
                browser = self._browser(connection)
                try:
                    while True:
                        po = self.job.walker.claim()
                        if po is None:
                            # Nothing due: wait while other orders run or requeued ones are held
                            # back (they may come back to this worker), else the queue is done.
                            if self.job.walker.wait_for_work():
                                continue
                            break
                        if not browser.is_connected():  # the browser (or its server) went away
                            log.warning("browser.reconnected", worker=self.number)
                            self._context = None
                            connection.close()
                            browser = self._browser(connection)
                        before = self.requests_sent
                        self.job.walker.run_order(po, lambda po=po: self._order(browser, po),
                                                  requests=lambda before=before: self.requests_sent - before)
                finally:
                    self._drop_context()
        except Exception as exc:
            self.error = exc
            log.exception("worker.crashed", worker=self.number)
            self.job.walker.stop(f"worker {self.number} stopped: {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------------ one order

    def _browser(self, connection: ExitStack) -> Browser:
        """The job's shared browser (its server's endpoint: a thin client, no driver process of this
        worker's own unless traces are on), or a browser of this worker's own; ``connection``
        disconnects it."""
        settings = self.job.settings
        return connection.enter_context(
            connected_browser(settings, self.job.browser_endpoint, traces=settings.trace != "off"))

    def _context_for(self, browser: Browser) -> tuple[BrowserContext, int]:
        """The worker's browser context, kept across orders (signed-in state, static files in its
        cache). A new one is opened after an error (``_drop_context``: a broken order must not
        leave its state to the next), when another worker renewed the session (the saved cookies
        changed), for every order when traces are on (a bundle's trace holds its order alone), and
        after ``CONTEXT_MAX_ORDERS`` orders (a renderer kept for a whole long job keeps growing:
        docs/performance.md, "Scale")."""
        generation = self.job.keeper.generation
        if (self._context is not None and self._generation == generation and self.job.settings.trace == "off"
                and self._context_orders < CONTEXT_MAX_ORDERS):
            self._context_orders += 1
            return self._context, generation
        self._drop_context()
        self._context, self._generation = self._new_context(browser)
        self._context_orders = 1
        return self._context, generation

    def _walks_inbox_first(self, po: str) -> bool:
        """Whether this worker's first order starts with the job's Inbox walk. With more workers
        than Inbox tabs, the first ones (one a tab: each walks a tab's pages in a chain) walk it
        while the others start their orders; else every worker would reach its first thread at
        about the same time and most would wait for the walk. Not when the order is already
        bundled here (it will not need the Inbox: a job run again over the same orders walks
        nothing). Once: after that the index is read (again after its time to live) by whoever
        needs it."""
        first, self._first_order = self._first_order, False
        return first and self.number <= len(InboxTab) < self.job.workers and not self.job.registry.bundled(po)

    def _drop_context(self) -> None:
        self._static_bodies.clear()  # the browser cache they came from goes with the context
        if self._context is not None:
            try:
                self._context.close()
            except Exception as exc:  # noqa: BLE001 - closing after a dropped browser may fail
                log.warning("context.close_failed", error=str(exc))
            self._context = None

    def _new_context(self, browser: Browser) -> tuple[BrowserContext, int]:
        generation = self.job.keeper.generation
        context = browser.new_context(**context_options_for(self.job.settings, storage_state=self.job.keeper.path))
        context.set_default_timeout(self.job.settings.action_timeout_s * 1000)
        context.set_default_navigation_timeout(self.job.settings.navigation_timeout_s * 1000)
        if self.job.settings.trace != "off":
            context.tracing.start(screenshots=True, snapshots=True)
        # Observed, not gated: what the site really received (pages and API calls), for the report.
        context.on("request", self._on_request)
        return context, generation

    def _downloaded(self, files: int) -> None:
        """Files the handler fetched with the page's API client (no request event): counted too."""
        self.requests_sent += files
        for _ in range(files):
            self.job.stats.site_request()

    def _on_request(self, request: Request) -> None:
        if request.resource_type in SITE_REQUEST_TYPES:
            self.requests_sent += 1  # only this worker's thread runs Playwright callbacks
            self.job.stats.site_request()

    def _order(self, browser: Browser, po: str) -> OrderResult:
        """Capture the order, write its bundles; claims not turned into bundles are released."""
        claimed: set[str] = set()

        def claim(transaction_id: str) -> str:
            answer = self.job.registry.claim(po, transaction_id)
            if answer == "mine":
                claimed.add(transaction_id)
            return answer

        try:
            return self._capture_and_write(browser, po, claim, claimed)
        finally:
            for transaction_id in claimed:  # failed or interrupted: free for another try
                self.job.registry.release(po, transaction_id)

    def _capture_and_write(self, browser: Browser, po: str, claim: Callable[[str], str], claimed: set[str]) -> OrderResult:
        job = self.job
        renewals = 0
        while True:
            context, generation = self._context_for(browser)
            page = context.pages[0] if context.pages else context.new_page()
            # Web archive: the answers behind each kept screen, read when the screen is kept
            # (``on_bytes`` is the recorder's per-screen hook; collector/archive.py).
            traffic = TrafficRecorder(page, static=self._static_bodies) if job.settings.archive else None
            handler = Handler(
                page,
                layout=job.settings.layout,
                tz=job.settings.seller_timezone,
                timeout_ms=job.settings.action_timeout_s * 1000,
                limiter=job.limiter,
                retry=job.retry,
                on_retry=job.stats.retry,
                stop_event=job.stop_event,
                seller_addresses=job.settings.seller_addresses,
                shared=job.shared,
                observed_requests=lambda: self.requests_sent,
                on_downloads=self._downloaded,
                on_bytes=traffic.screen_kept if traffic is not None else None,
                walk_inbox_first=self._walks_inbox_first(po),
            )
            try:
                outcome = handler.capture_order(po, claim=claim)
            except SessionExpired:
                if not job.keeper.can_renew or renewals >= MAX_RENEWALS_PER_ORDER:
                    self._close(context, po, keep_trace=False)
                    if not job.keeper.can_renew:
                        raise SessionLost(job.job_id) from None
                    raise
                renewals += 1
                try:
                    # LoginError: the walker stops the job. Transient errors on the sign-in and
                    # code forms are retried inside renew (the job's retry policy).
                    if job.keeper.renew(page, generation, on_retry=job.stats.retry):
                        job.stats.session_renewed()
                finally:
                    self._close(context, po, keep_trace=False)
                continue
            except PageError as exc:
                self._snapshot(page, po, exc)
                self._close(context, po, keep_trace=job.settings.trace != "off")
                raise
            except BaseException:
                self._close(context, po, keep_trace=job.settings.trace != "off")
                raise
            finally:
                if traffic is not None:
                    traffic.close()
            # Traces on: the context was this order's alone and its trace goes to the bundle.
            trace = self._close(context, po, keep_trace=job.settings.trace == "on", into_bundle=True) if job.settings.trace != "off" else None
            break
        if outcome.refunds:
            job.walker.captured(po)
        written = 0
        for capture in outcome.refunds:
            if trace is not None:
                capture.files.append(trace)
            if traffic is not None:
                archive = build_archive(traffic.for_captures(traffic.indices_of(capture.captures)), capture.captures,
                                        job.settings, job.keeper.path, capture.captured_at)
                if archive is not None:  # None: nothing to archive, or it failed (logged)
                    capture.files.append(archive)
            result = job.pipeline.process(capture)
            job.registry.written(po, capture.transaction_id, result.bundle)
            claimed.discard(capture.transaction_id)
            job.walker.journal.record_refund(
                po,
                capture.transaction_id,
                bundle=str(result.bundle),
                amount=result.amount,
                verdict=result.verdict,
                deadline=result.deadline.isoformat() if result.deadline else None,
            )
            job.stats.add_bytes(result.bytes)
            written += 1
        return OrderResult(
            written=written,
            already=len(outcome.already_written),
            cc_refunds=len(outcome.cc_refund_ids),
            busy=outcome.busy,
        )

    def _snapshot(self, page: object, po: str, exc: PageError) -> None:
        from pages.base import snapshot_failure

        try:
            snap = snapshot_failure(page, self.job.failures_dir, f"{po}-{type(exc).__name__}")  # type: ignore[arg-type]
        except Exception as snap_exc:  # noqa: BLE001 - a failed snapshot must not hide the real failure
            log.warning("failure.snapshot_failed", error=str(snap_exc))
            return
        where = snap.screenshot or snap.html
        if where is not None:
            self.job.stats.failure_snapshot(po, str(where))
        log.info("failure.snapshot", screenshot=str(snap.screenshot), html=str(snap.html), url=snap.url)

    def _close(self, context: BrowserContext, po: str, *, keep_trace: bool, into_bundle: bool = False) -> StagedFile | None:
        """Close the order's context; keep its trace in failures/ or hand it to the bundle."""
        if context is self._context:
            self._context = None  # the next order opens a fresh one
        staged: StagedFile | None = None
        try:
            if self.job.settings.trace != "off":
                if keep_trace:
                    path = self.job.failures_dir / f"{po}-trace.zip"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    scrubbed = stop_scrubbed(context, path, self.job.settings, self.job.keeper.path)  # None: not kept
                    if into_bundle and scrubbed is not None:
                        staged = bundle_trace(path, scrubbed)
                        path.unlink()
                else:
                    context.tracing.stop()
            context.close()
        except Exception as exc:  # noqa: BLE001 - closing a context after a dropped browser may fail
            log.warning("context.close_failed", error=str(exc))
        return staged
