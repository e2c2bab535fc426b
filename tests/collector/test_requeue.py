"""Transient failures go back to the queue with a backoff inside the same run (no browser)."""

from __future__ import annotations

import io
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from collector.journal import Journal, OrderState
from collector.progress import PlainProgress
from collector.report import JobStats, build_report
from collector.walker import OrderResult, RequeuePolicy, Walker
from pages.errors import ElementMissing, ScreenNotReached, ServerError, SessionExpired

PO = "4342076435326"
OTHER = "4619371172214"


def _walker(tmp_path: Path, budget: int = 2) -> Walker:
    journal = Journal(tmp_path / "j.sqlite")
    journal.add_orders([PO, OTHER])
    return Walker(journal, JobStats(), PlainProgress(io.StringIO()), threading.Event(), requeue=RequeuePolicy(budget=budget))


def _raise(exc: BaseException) -> OrderResult:
    raise exc


def test_a_step_that_still_fails_puts_the_order_back_held_for_its_backoff(tmp_path: Path) -> None:
    walker = _walker(tmp_path)
    assert walker.claim() == PO
    walker.run_order(PO, lambda: _raise(ServerError("Seller Center answered 'Something went wrong' on Inbox.")))
    row = walker.journal.order(PO)
    assert row is not None and row.state == OrderState.PENDING
    assert "'Something went wrong' on Inbox" in (row.reason or "")
    # held back: the other order comes first, then nothing is due until the backoff has passed
    assert walker.claim() == OTHER
    assert walker.claim() is None
    running, due_in = walker.journal.outlook()
    assert running == 1 and due_in is not None and 0 < due_in <= RequeuePolicy().initial_delay_s
    assert walker.journal.claim(now=time.time() + 10) == PO
    assert walker.stats.requeues == 1


def test_an_order_that_keeps_failing_transiently_fails_when_the_budget_is_spent(tmp_path: Path) -> None:
    walker = _walker(tmp_path, budget=2)
    for _ in range(3):
        po = walker.journal.claim(now=time.time() + 1000)
        assert po in (PO, OTHER)
        if po == OTHER:
            walker.run_order(OTHER, lambda: OrderResult(written=1, already=0, cc_refunds=1))
            po = walker.journal.claim(now=time.time() + 1000)
        walker.run_order(po, lambda: _raise(ScreenNotReached("Inbox", "heading 'Inbox'", "http://x/inbox")))
    row = walker.journal.order(PO)
    assert row is not None and row.state == OrderState.FAILED
    assert "gave up after 2 requeues" in (row.reason or "")


@pytest.mark.parametrize(
    "exc",
    [ElementMissing("Transactions", "button 'Search'", "http://x/transactions", available=["Find"])],
)
def test_a_permanent_error_fails_at_once_without_requeue(tmp_path: Path, exc: Exception) -> None:
    walker = _walker(tmp_path)
    assert walker.claim() == PO
    walker.run_order(PO, lambda: _raise(exc))
    row = walker.journal.order(PO)
    assert row is not None and row.state == OrderState.FAILED
    assert walker.stats.requeues == 0


def test_an_order_whose_session_keeps_expiring_is_requeued_not_failed(tmp_path: Path) -> None:
    walker = _walker(tmp_path)
    assert walker.claim() == PO
    walker.run_order(PO, lambda: _raise(SessionExpired(screen="Inbox", url="http://x/login?expired=1")))
    row = walker.journal.order(PO)
    assert row is not None and row.state == OrderState.PENDING


def test_a_refund_held_by_another_collector_brings_the_order_back_later(tmp_path: Path) -> None:
    walker = _walker(tmp_path)
    assert walker.claim() == PO
    walker.run_order(PO, lambda: OrderResult(written=0, already=0, cc_refunds=1, busy=["CCR-1"]))
    row = walker.journal.order(PO)
    assert row is not None and row.state == OrderState.PENDING
    assert "CCR-1 is being collected by another collector" in (row.reason or "")


def test_the_job_is_complete_when_requeued_orders_finish(tmp_path: Path) -> None:
    walker = _walker(tmp_path)
    assert walker.claim() == PO
    walker.run_order(PO, lambda: _raise(ServerError("5xx")))
    assert walker.claim() == OTHER
    walker.run_order(OTHER, lambda: OrderResult(written=1, already=0, cc_refunds=1))
    assert walker.journal.claim(now=time.time() + 100) == PO
    walker.run_order(PO, lambda: OrderResult(written=1, already=0, cc_refunds=1))
    assert walker.wait_for_work() is False  # nothing running, nothing held back: the workers end
    report = build_report(job_id="j", journal=walker.journal, stats=walker.stats, concurrency=1)
    assert report.status == "completed" and report.exit_code == 0 and report.requeues == 1


def test_a_new_run_makes_held_back_orders_due_and_resets_the_budget(tmp_path: Path) -> None:
    walker = _walker(tmp_path)
    assert walker.claim() == PO
    walker.run_order(PO, lambda: _raise(ServerError("5xx")))
    assert walker.journal.requeues(PO) == 1
    walker.journal.recover()
    assert walker.journal.requeues(PO) == 0
    assert walker.journal.claim() == PO


def test_a_journal_from_before_requeues_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE orders (po TEXT PRIMARY KEY, seq INTEGER NOT NULL, source TEXT NOT NULL DEFAULT '',"
        " state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, reason TEXT,"
        " refunds INTEGER NOT NULL DEFAULT 0, duration_s REAL, updated_at TEXT NOT NULL);"
        f"INSERT INTO orders(po, seq, updated_at) VALUES('{PO}', 1, 'x');"
    )
    db.commit()
    db.close()
    with Journal(path) as journal:
        assert journal.claim() == PO
        journal.requeue(PO, reason="r", delay_s=30)
        assert journal.claim() is None


def test_reopen_puts_finished_orders_back_but_not_running_ones(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.add_orders([PO, OTHER])
        assert journal.claim() == PO
        journal.set_state(PO, OrderState.WRITTEN)
        assert journal.claim() == OTHER  # running
        assert journal.reopen([PO, OTHER], reason="scan found a new refund") == 1
        assert journal.order(PO).state == OrderState.PENDING  # type: ignore[union-attr]
        assert journal.order(OTHER).state == OrderState.RUNNING  # type: ignore[union-attr]


def test_each_finished_order_reports_the_requests_it_cost(tmp_path: Path) -> None:
    stream = io.StringIO()
    journal = Journal(tmp_path / "j.sqlite")
    journal.add_orders([PO, OTHER])
    walker = Walker(journal, JobStats(), PlainProgress(stream), threading.Event())
    walker.progress.start(2, 0)
    for po, sent in ((walker.claim(), 9), (walker.claim(), 7)):
        walker.run_order(po, lambda: OrderResult(written=1, already=0, cc_refunds=1), requests=lambda sent=sent: sent)  # type: ignore[arg-type]
    assert "; 9 requests" in stream.getvalue() and "; 7 requests" in stream.getvalue()
    report = build_report(job_id="j", journal=journal, stats=walker.stats, concurrency=1)
    assert report.requests_per_order == {"orders": 2, "median": 8.0, "max": 9.0, "total": 16.0}


def test_an_idle_worker_wakes_when_the_last_running_order_ends_not_at_its_next_poll(tmp_path: Path) -> None:
    """The job ends when its last order does: the other workers, idle, do not sleep on."""
    walker = _walker(tmp_path)
    assert walker.claim() == PO and walker.claim() == OTHER
    walker.run_order(OTHER, lambda: OrderResult(written=1, already=0, cc_refunds=1))
    answers: list[tuple[bool, float]] = []

    def idle_worker() -> None:
        started = time.monotonic()
        answers.append((walker.wait_for_work(poll_s=30), time.monotonic() - started))

    idle = threading.Thread(target=idle_worker)
    idle.start()
    finish = threading.Event()
    running = threading.Thread(target=walker.run_order, args=(PO, lambda: (finish.wait(10),
                                                                           OrderResult(written=1, already=0, cc_refunds=1))[1]))
    running.start()
    deadline = time.monotonic() + 10
    while not walker._order_ended._waiters and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)  # the test waits for the idle worker to be waiting; the product never polls like this
    assert walker._order_ended._waiters, "the idle worker waits on the walker"  # type: ignore[attr-defined]
    finish.set()
    running.join(10)
    idle.join(10)
    assert answers == [(True, answers[0][1])] and answers[0][1] < 5  # woken by the order's end, not the 30 s poll
    assert walker.wait_for_work(poll_s=30) is False  # and then the queue is done
