"""The job's Inbox index, walked by the workers together (collector/inbox_index.py)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

from collector.inbox_index import InboxIndex

TABS = ("customer", "walmart")


class FakeInbox:
    """List pages of two tabs; thread ids carry their PO. Reads can be made to block or fail."""

    def __init__(self, pages: dict[str, int], per_page: int = 2) -> None:
        self.pages = pages
        self.per_page = per_page
        self.reads: Counter[tuple[str, int]] = Counter()
        self.readers: dict[tuple[str, int], str] = {}
        self.fail_once: set[tuple[str, int]] = set()
        self.gate: threading.Event | None = None
        self.at_gate = threading.Semaphore(0)
        self.lock = threading.Lock()

    def threads(self, tab: str, number: int) -> list[dict[str, str]]:
        return [{"po": f"PO{(number * 10 + i) % 3}", "id": f"{tab}-{number}-{i}"} for i in range(self.per_page)]

    def read(self, tab: str, number: int) -> tuple[list[Any], int]:
        if self.gate is not None:
            self.at_gate.release()
            assert self.gate.wait(10)
        with self.lock:
            self.reads[(tab, number)] += 1
            self.readers[(tab, number)] = threading.current_thread().name
            if (tab, number) in self.fail_once:
                self.fail_once.discard((tab, number))
                raise TimeoutError(f"{tab} page {number} timed out")
        return self.threads(tab, number), self.pages[tab]

    def expected(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for tab in TABS:
            for number in range(1, self.pages[tab] + 1):
                for thread in self.threads(tab, number):
                    index.setdefault(thread["po"], []).append(thread["id"])
        return index


def ids(index: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {po: [t["id"] for t in threads] for po, threads in index.items()}


def test_one_worker_reads_every_page_once_in_list_order() -> None:
    inbox = FakeInbox({"customer": 3, "walmart": 2})
    index = InboxIndex(TABS, po_of=lambda t: t["po"], ttl_s=300)
    assert ids(index.get(inbox.read)) == inbox.expected()
    assert set(inbox.reads.values()) == {1} and len(inbox.reads) == 5
    # tab by tab, each page right after the one before (so the reader can turn the page it shows)
    assert list(inbox.reads) == [("customer", 1), ("customer", 2), ("customer", 3), ("walmart", 1), ("walmart", 2)]
    index.get(inbox.read)  # fresh: no page read again
    assert sum(inbox.reads.values()) == 5 and index.walks == 1


def test_waiting_workers_share_the_walk_instead_of_waiting_for_one() -> None:
    inbox = FakeInbox({"customer": 4, "walmart": 4})
    inbox.gate = threading.Event()
    index = InboxIndex(TABS, po_of=lambda t: t["po"], ttl_s=300)
    results: dict[str, dict[str, list[str]]] = {}

    def worker(name: str) -> None:
        results[name] = ids(index.get(inbox.read))

    threads = [threading.Thread(target=worker, args=(f"w{i}",), name=f"w{i}") for i in range(4)]
    for t in threads:
        t.start()
    for _ in TABS:  # page 1 of both tabs is being read at once, by two workers
        assert inbox.at_gate.acquire(timeout=10)
    inbox.gate.set()
    for t in threads:
        t.join(10)
    assert all(results[f"w{i}"] == inbox.expected() for i in range(4))
    assert set(inbox.reads.values()) == {1}  # 8 pages, each read once
    assert len(set(inbox.readers.values())) >= 2  # read by more than one worker


def test_a_tab_is_read_in_a_chain_by_the_worker_that_read_the_page_before() -> None:
    """Page n+1 goes to the reader of page n (who can turn the page it shows: one request instead
    of two), not to whichever worker is waiting."""
    inbox = FakeInbox({"customer": 3, "walmart": 2})
    index = InboxIndex(TABS, po_of=lambda t: t["po"], ttl_s=300)
    results: list[dict[str, list[str]]] = []
    calls: dict[str, list[tuple[str, int]]] = {}

    def worker(name: str) -> None:
        def read(tab: str, number: int) -> tuple[list[Any], int]:
            calls.setdefault(name, []).append((tab, number))
            return inbox.read(tab, number)

        results.append(ids(index.get(read)))

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [inbox.expected()] * 4 and set(inbox.reads.values()) == {1}
    for sequence in calls.values():  # whoever read a tab's page 1 read the rest of that tab, in order
        for tab in TABS:
            numbers = [n for t, n in sequence if t == tab]
            assert numbers in ([], list(range(1, inbox.pages[tab] + 1)))


def test_a_failed_page_goes_to_its_reader_as_an_error_and_is_read_again_later() -> None:
    inbox = FakeInbox({"customer": 3, "walmart": 1})
    inbox.fail_once.add(("customer", 2))
    index = InboxIndex(TABS, po_of=lambda t: t["po"], ttl_s=300)
    with pytest.raises(TimeoutError):
        index.get(inbox.read)
    assert ids(index.get(inbox.read)) == inbox.expected()  # the next order finishes the same walk
    assert inbox.reads[("customer", 2)] == 2  # only the failed page read twice
    assert sum(inbox.reads.values()) == 4 + 1


def test_the_index_is_walked_again_after_its_time_to_live() -> None:
    now = [0.0]
    inbox = FakeInbox({"customer": 1, "walmart": 1})
    index = InboxIndex(TABS, po_of=lambda t: t["po"], ttl_s=300, clock=lambda: now[0])
    index.get(inbox.read)
    now[0] = 299.0
    index.get(inbox.read)
    assert index.walks == 1
    now[0] = 301.0
    index.get(inbox.read)
    assert index.walks == 2 and inbox.reads[("customer", 1)] == 2
