"""The walker's per-order boundary: how each outcome is recorded (no browser)."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from collector.errors import SessionLost
from collector.handlers import JobStopping
from collector.journal import Journal, OrderState
from collector.progress import PlainProgress
from collector.report import JobStats, build_report
from collector.walker import OrderResult, Walker
from pages.errors import OrderTooOld

PO = "4342076435326"


@pytest.fixture
def walker(tmp_path: Path) -> Walker:
    journal = Journal(tmp_path / "j.sqlite")
    journal.add_orders([PO])
    w = Walker(journal, JobStats(), PlainProgress(io.StringIO()), threading.Event())
    assert w.claim() == PO
    return w


def _raise(exc: BaseException) -> OrderResult:
    raise exc


def test_an_order_with_refund_bundles_is_written(walker: Walker) -> None:
    walker.run_order(PO, lambda: OrderResult(written=2, already=0, cc_refunds=2))
    row = walker.journal.order(PO)
    assert row is not None and (row.state, row.refunds) == (OrderState.WRITTEN, 2)


def test_an_order_without_customer_care_refund_is_skipped_with_the_reason(walker: Walker) -> None:
    walker.run_order(PO, lambda: OrderResult(written=0, already=0, cc_refunds=0))
    row = walker.journal.order(PO)
    assert row is not None and row.state == OrderState.SKIPPED
    assert row.reason == "no Customer Care refund on this order"


def test_a_permanent_page_error_fails_the_order_with_its_message(walker: Walker) -> None:
    walker.run_order(PO, lambda: _raise(OrderTooOld(PO, screen="Transactions")))
    row = walker.journal.order(PO)
    assert row is not None and row.state == OrderState.FAILED
    assert "older than the 90-day search horizon" in (row.reason or "")
    assert not walker.stop_event.is_set()  # the job goes on


def test_an_unexpected_error_fails_only_that_order(walker: Walker) -> None:
    walker.run_order(PO, lambda: _raise(KeyError("boom")))
    row = walker.journal.order(PO)
    assert row is not None and row.state == OrderState.FAILED
    assert "unexpected error: KeyError" in (row.reason or "")


def test_a_stopping_job_puts_the_order_back_to_pending(walker: Walker) -> None:
    walker.run_order(PO, lambda: _raise(JobStopping()))
    row = walker.journal.order(PO)
    assert row is not None and row.state == OrderState.PENDING


def test_a_lost_session_stops_the_job_and_keeps_the_order_pending(walker: Walker) -> None:
    stopped: list[bool] = []
    walker.on_stop.append(lambda: stopped.append(True))
    walker.run_order(PO, lambda: _raise(SessionLost("job-x")))
    assert walker.journal.order(PO).state == OrderState.PENDING  # type: ignore[union-attr]
    assert walker.stop_event.is_set() and stopped == [True]
    assert "collector login" in (walker.stop_reason or "")
    assert walker.claim() is None
    report = build_report(job_id="job-x", journal=walker.journal, stats=walker.stats, concurrency=1,
                          stop_reason=walker.stop_reason)
    assert report.status == "stopped" and report.exit_code == 1


def test_a_refused_sign_in_stops_the_job_instead_of_failing_every_order(walker: Walker) -> None:
    from collector.errors import LoginError

    walker.run_order(PO, lambda: _raise(LoginError("sign-in refused by Seller Center: Incorrect email or password.")))
    assert walker.journal.order(PO).state == OrderState.PENDING  # type: ignore[union-attr]
    assert walker.stop_event.is_set()
    assert "Incorrect email or password" in (walker.stop_reason or "")
    assert "collector login" in (walker.stop_reason or "")
