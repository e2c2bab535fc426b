"""The job's Inbox index (PO -> threads), walked by every worker that needs it, page by page.

The Inbox has no search: finding one order's threads means reading every page of both tabs. The
index is built once for the whole job and rebuilt when older than its time to live (new threads
arrive while a long job runs). The walk is shared work instead of one worker walking while the
others wait: page 1 of both tabs is read at once by two workers, and each of them goes on through
its tab's pages. A tab's pages are read in a chain by the worker that read the page before,
because on the page it already shows "Next page" costs one API answer where opening a list
page by its URL costs two (the page and its API answer): the walk costs the tabs' page count
plus one request a tab, and with "Next page" twice as fast as a page load the chain takes no
longer than reading the pages after page 1 side by side would.

A page whose read fails goes back to the queue for another worker (or the same one on its next
order), who opens it by its URL and goes on with the chain from there; the failure goes to the
worker that read it, whose order then fails or is requeued like any step. The pages already read
are kept.

``read_page(tab, number)`` is called by one worker for consecutive pages of a tab, so it can turn
the page it shows instead of opening the next one (``pages.inbox.InboxPage.open_listing`` does).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = ["InboxIndex", "ReadPage"]

Tab = TypeVar("Tab", bound=Hashable)
ReadPage = Callable[[Any, int], tuple[list[Any], int]]  # (tab, page number) -> (threads, pages in the tab)


@dataclass
class _Walk(Generic[Tab]):
    tabs: Sequence[Tab]
    pending: deque[tuple[Tab, int]] = field(default_factory=deque)
    reading: set[tuple[Tab, int]] = field(default_factory=set)
    pages: dict[tuple[Tab, int], list[Any]] = field(default_factory=dict)
    totals: dict[Tab, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pending.extend((tab, 1) for tab in self.tabs)

    def done(self) -> bool:
        return not self.pending and not self.reading and len(self.totals) == len(self.tabs)

    def index(self, po_of: Callable[[Any], str]) -> dict[str, list[Any]]:
        """PO -> threads, in tab order and, within a tab, in list order (page by page)."""
        index: dict[str, list[Any]] = {}
        for tab in self.tabs:
            for number in range(1, self.totals[tab] + 1):
                for thread in self.pages[(tab, number)]:
                    index.setdefault(po_of(thread), []).append(thread)
        return index


class InboxIndex(Generic[Tab]):
    """PO -> Inbox threads for every worker of a job, walked together (see the module's doc)."""

    def __init__(
        self,
        tabs: Sequence[Tab],
        po_of: Callable[[Any], str],
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tabs = tuple(tabs)
        self.po_of = po_of
        self.ttl_s = ttl_s
        self.clock = clock
        self._cond = threading.Condition()
        self._index: dict[str, list[Any]] | None = None
        self._at = 0.0
        self._walk: _Walk[Tab] | None = None
        self.walks = 0  # complete walks so far (a rebuild after the time to live counts again)

    def get(self, read_page: ReadPage) -> dict[str, list[Any]]:
        """The index; while it is being built, read pages of it with ``read_page`` until it is."""
        while True:
            with self._cond:
                if self._walk is None and self._fresh():
                    assert self._index is not None
                    return self._index
                walk = self._walk = self._walk or _Walk(self.tabs)
                if walk.done():
                    self._finish(walk)
                    continue
                if not walk.pending:
                    self._cond.wait()  # the other readers' pages: each read ends with notify_all
                    continue
                item: tuple[Tab, int] | None = walk.pending.popleft()
                walk.reading.add(item)
            while item is not None:  # this worker's chain through the tab
                item = self._read(walk, item, read_page)

    def _fresh(self) -> bool:
        return self._index is not None and self.clock() - self._at <= self.ttl_s

    def _read(self, walk: _Walk[Tab], item: tuple[Tab, int], read_page: ReadPage) -> tuple[Tab, int] | None:
        """Read ``item``; the tab's next page, now this worker's to read, if the tab has one."""
        tab, number = item
        try:
            threads, total = read_page(tab, number)
        except BaseException:
            with self._cond:
                walk.reading.discard(item)
                walk.pending.appendleft(item)  # someone else reads it; this worker's order gets the error
                self._cond.notify_all()
            raise
        with self._cond:
            walk.reading.discard(item)
            walk.pages[item] = list(threads)
            if number == 1:
                walk.totals[tab] = max(1, total)
            following = (tab, number + 1)
            chained = number < walk.totals[tab] and not any(following in seen for seen in (walk.pages, walk.pending, walk.reading))
            if chained:
                walk.reading.add(following)
            self._cond.notify_all()
        return following if chained else None

    def _finish(self, walk: _Walk[Tab]) -> None:
        self._index, self._at, self._walk = walk.index(self.po_of), self.clock(), None
        self.walks += 1
        self._cond.notify_all()
