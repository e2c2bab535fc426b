"""When a worker opens a new browser context (collector/workers.py ``Worker._context_for``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from collector.workers import CONTEXT_MAX_ORDERS, Worker


class FakeContext:
    def __init__(self, number: int) -> None:
        self.number = number
        self.closed = False

    def close(self) -> None:
        self.closed = True


def _worker(trace: str = "off") -> tuple[Worker, list[FakeContext], Any]:
    keeper = SimpleNamespace(generation=0)
    job = SimpleNamespace(keeper=keeper, settings=SimpleNamespace(trace=trace))
    worker = Worker(1, job)  # type: ignore[arg-type]
    opened: list[FakeContext] = []

    def new_context(_browser: object) -> tuple[FakeContext, int]:
        opened.append(FakeContext(len(opened) + 1))
        return opened[-1], keeper.generation

    worker._new_context = new_context  # type: ignore[method-assign]
    return worker, opened, keeper


def test_a_context_is_kept_for_many_orders_then_replaced() -> None:
    worker, opened, _ = _worker()
    used = [worker._context_for(None)[0] for _ in range(CONTEXT_MAX_ORDERS * 2 + 1)]  # type: ignore[arg-type]
    assert len(opened) == 3
    assert used[: CONTEXT_MAX_ORDERS] == [opened[0]] * CONTEXT_MAX_ORDERS
    assert used[CONTEXT_MAX_ORDERS] is opened[1] and opened[0].closed and opened[1].closed and not opened[2].closed


def test_a_renewed_session_or_traces_open_a_new_context() -> None:
    worker, opened, keeper = _worker()
    worker._context_for(None)  # type: ignore[arg-type]
    keeper.generation += 1  # another worker signed in again
    worker._context_for(None)  # type: ignore[arg-type]
    assert len(opened) == 2 and opened[0].closed
    traced, opened_traced, _ = _worker(trace="on")
    for _ in range(3):
        traced._context_for(None)  # type: ignore[arg-type]
    assert len(opened_traced) == 3  # one per order: a bundle's trace holds its order alone
