"""Web archives (``archive`` setting, on by default): the traffic of each bundle's screens as a WACZ.

While a handler captures an order, a ``TrafficRecorder`` listens to the page's ``response``
events (documents, style sheets, scripts, fonts, images, API answers). Each time the
``ScreenRecorder`` keeps a screen, the answers received since the previous screen are read from
the browser (``Response.body()``: the bytes the browser already holds, no request to the site)
and filed under that screen. The contexts live across orders (their cache too), which is why
this listens to one order's events instead of recording a HAR per context: an answer served from
the browser's cache still fires its event and gives its body.

A refund's bundle gets the exchanges of its own screens (``for_captures``), scrubbed and packed
by ``evidence.webarchive.build_wacz`` into ``captures/archive.wacz``; the masking summary goes
into the ``captured`` custody entry like a trace's (``collector.traces.custody_details``). If
anything goes wrong while building it, the bundle is written without an archive (warning
``archive.failed``): an archive is a convenience for reviewers, never a reason to lose a refund.

Headers are Playwright's ``request.headers`` / ``response.headers``, which leave cookie headers
out by design; the scrubber still runs over everything (credential headers, tokens, sign-in
posts, the known secrets in URLs and bodies).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from collector.traces import ScrubbedFile, trace_secrets
from evidence.models import Capture
from evidence.scrub import Exchange
from evidence.webarchive import ARCHIVE_MEDIA_TYPE, ArchivedExchange, ArchivePage, build_wacz

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Page, Response

    from collector.settings import CollectorSettings

log = structlog.get_logger()
BUNDLE_ARCHIVE = "captures/archive.wacz"
ARCHIVED_TYPES = frozenset({"document", "stylesheet", "script", "font", "image", "fetch", "xhr"})
STATIC_TYPES = frozenset({"stylesheet", "script", "font", "image"})
STATIC_KEPT = 256  # static answers' bytes kept per browser context (a handful on Seller Center)


@dataclass
class TrafficRecorder:
    """The answers behind one order's screens, filed by the index of the capture they show."""

    page: Page
    batches: dict[int, list[ArchivedExchange]] = field(default_factory=dict)
    _pending: list[tuple[Response, str, datetime]] = field(default_factory=list)
    _kept: int = 0
    # Static files come again with every screen (from the browser's cache): their bytes are read
    # from the browser once for as long as the cache holds the same stored answer (same URL,
    # status and headers, the Date header included: a file fetched again is read again). The
    # worker passes one dict for its browser context's life; a round trip saved per file and screen.
    static: dict[tuple[object, ...], bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.page.on("response", self._on_response)

    def close(self) -> None:
        """Stop listening (the page lives on into the next order)."""
        self.page.remove_listener("response", self._on_response)
        self._pending.clear()

    def _on_response(self, response: Response) -> None:
        # Only local reads here: a Playwright callback must not block on the browser.
        if response.request.resource_type not in ARCHIVED_TYPES:
            return
        try:
            frame_url = response.frame.url
        except Exception:  # noqa: BLE001 - a service worker's answer has no frame
            return
        self._pending.append((response, frame_url, datetime.now(UTC)))

    def screen_kept(self, _bytes: int = 0) -> None:
        """The ``ScreenRecorder``'s per-screen hook (``Handler(on_bytes=...)``): called right after
        it kept capture number ``len(batches) + 1`` of the page, which still shows that screen."""
        self.screen(self._kept, self.page.url)
        self._kept += 1

    @staticmethod
    def indices_of(captures: Iterable[Capture]) -> list[int]:
        """The recorder's indices of these captures (``captures/NN-<screen>.png`` is capture NN)."""
        return [int(Path(c.screenshot).name.split("-", 1)[0]) - 1 for c in captures if c.screenshot]

    def screen(self, index: int, url: str) -> None:
        """File the answers received since the last screen under capture ``index`` (shown at ``url``).

        Kept: the screen's document and what its page loaded (same frame URL); dropped: pages
        walked on the way (the Inbox listing pages) that are not part of the evidence."""
        pending, self._pending = self._pending, []
        batch = self.batches.setdefault(index, [])
        for response, frame_url, at in pending:
            is_document = response.request.resource_type == "document"
            if (response.url if is_document else frame_url) != url:
                continue
            body = self._body(response)
            request = response.request
            batch.append(
                ArchivedExchange(
                    Exchange(
                        method=request.method,
                        url=response.url,
                        request_headers=list(request.headers.items()),
                        request_body=request.post_data_buffer,
                        response_headers=list(response.headers.items()),
                        response_body=body,
                    ),
                    status=response.status,
                    reason=response.status_text,
                    at=at,
                )
            )

    def _body(self, response: Response) -> bytes:
        key: tuple[object, ...] | None = None
        if response.request.resource_type in STATIC_TYPES and response.status == 200:
            key = (response.url, tuple(sorted(response.headers.items())))
            if key in self.static:
                return self.static[key]
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 - a redirect or an aborted answer has no body
            return b""
        if key is not None:
            if len(self.static) >= STATIC_KEPT:
                self.static.clear()
            self.static[key] = body
        return body

    def for_captures(self, indices: Iterable[int]) -> list[ArchivedExchange]:
        """The exchanges behind these captures, each (method, URL) once (the first answer)."""
        seen: set[tuple[str, str]] = set()
        out = []
        for index in sorted(set(indices)):
            for item in self.batches.get(index, []):
                key = (item.exchange.method, item.exchange.url)
                if key not in seen:
                    seen.add(key)
                    out.append(item)
        return out


def pages_for(captures: Iterable[Capture]) -> list[ArchivePage]:
    """One page entry per captured screen, titled with the screen's name."""
    return [
        ArchivePage(id=Path(c.screenshot).stem, url=c.url, title=c.screen, at=c.captured_at)
        for c in captures
        if c.screenshot
    ]


def build_archive(exchanges: list[ArchivedExchange], captures: list[Capture], settings: CollectorSettings,
                  storage_state: Path | None, created: datetime) -> ScrubbedFile | None:
    """The bundle's scrubbed WACZ (``captures/archive.wacz``, with what was masked); ``None`` when
    there is nothing to archive or building it failed (logged; the bundle is written without it)."""

    if not exchanges:
        return None
    try:
        data, report = build_wacz(exchanges, pages_for(captures), secrets=trace_secrets(settings, storage_state),
                                  created=created, software=f"cc-refund-collector {_version()}")
    except Exception as exc:  # noqa: BLE001 - fail closed: no archive rather than a doubtful one
        log.warning("archive.failed", error=f"{type(exc).__name__}: {exc}", kept=False)
        return None
    log.info("archive.built", exchanges=len(exchanges), bytes=len(data), masked=report.summary())
    return ScrubbedFile(BUNDLE_ARCHIVE, data, ARCHIVE_MEDIA_TYPE, masked=report.summary())


def _version() -> str:
    try:
        return metadata.version("cc-refund-collector")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "0+unknown"


__all__ = ["ARCHIVE_MEDIA_TYPE", "BUNDLE_ARCHIVE", "TrafficRecorder", "build_archive", "pages_for"]
