"""The job's Inbox index (PO -> threads), walked by every worker that needs it, page by page.

The Inbox has no search: finding one order's threads means reading every page of both tabs. The
index is built once for the whole job and rebuilt when older than its time to live (new threads
arrive while a long job runs). Each list page has its own URL, so the walk is shared work instead
of one worker walking while the others wait: a worker that needs the index takes the next page
nobody is reading (the first page of each tab tells how many pages the tab has, and adds the
others), reads it with its own browser page, and comes back for more until every page is read.
Page 1 of both tabs is read at once by two workers; the pages after it by as many as are waiting.

A page whose read fails goes back to the queue for another worker (or the same one on its next
order) and the failure goes to the worker that read it, whose order then fails or is requeued
like any step. The pages already read are kept.
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
                item = walk.pending.popleft()
                walk.reading.add(item)
            self._read(walk, item, read_page)

    def _fresh(self) -> bool:
        return self._index is not None and self.clock() - self._at <= self.ttl_s

    def _read(self, walk: _Walk[Tab], item: tuple[Tab, int], read_page: ReadPage) -> None:
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
                walk.pending.extend((tab, n) for n in range(2, walk.totals[tab] + 1))
            self._cond.notify_all()

    def _finish(self, walk: _Walk[Tab]) -> None:
        self._index, self._at, self._walk = walk.index(self.po_of), self.clock(), None
        self.walks += 1
        self._cond.notify_all()
