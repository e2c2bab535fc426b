"""The job journal: order states survive a restart; nothing is done twice (no browser)."""

from __future__ import annotations

from pathlib import Path

from collector.journal import Journal, OrderState


def test_adding_the_same_order_twice_keeps_one_and_its_state(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as j:
        assert j.add_orders(["1000000000001", "1000000000002"]) == 2
        j.set_state("1000000000001", OrderState.WRITTEN, refunds=1)
        assert j.add_orders(["1000000000001", "1000000000003"]) == 1
        assert [(o.po, o.state) for o in j.orders()] == [
            ("1000000000001", OrderState.WRITTEN),
            ("1000000000002", OrderState.PENDING),
            ("1000000000003", OrderState.PENDING),
        ]


def test_claim_hands_out_each_pending_order_once_in_input_order(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as j:
        j.add_orders(["3000000000003", "1000000000001"])
        assert j.claim() == "3000000000003"
        assert j.claim() == "1000000000001"
        assert j.claim() is None
        assert j.counts()[OrderState.RUNNING] == 2


def test_reopening_puts_in_flight_and_failed_orders_back_to_pending(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as j:
        j.add_orders(["1000000000001", "1000000000002", "1000000000003", "1000000000004", "1000000000005"])
        for po, state in [
            ("1000000000001", OrderState.WRITTEN),
            ("1000000000002", OrderState.RUNNING),
            ("1000000000003", OrderState.CAPTURED),
            ("1000000000004", OrderState.FAILED),
            ("1000000000005", OrderState.SKIPPED),
        ]:
            j.set_state(po, state)
    with Journal(path) as j:  # a new process after a crash
        assert j.recover() == 3
        states = {o.po: o.state for o in j.orders()}
        assert states == {
            "1000000000001": OrderState.WRITTEN,
            "1000000000002": OrderState.PENDING,
            "1000000000003": OrderState.PENDING,
            "1000000000004": OrderState.PENDING,
            "1000000000005": OrderState.SKIPPED,
        }


def test_written_refunds_are_remembered_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as j:
        j.add_orders(["1000000000001"])
        j.record_refund("1000000000001", "T1", bundle="b/1", amount="-10.00", verdict="ready_to_file")
    with Journal(path) as j:
        assert j.refund_written("1000000000001", "T1") is not None
        assert j.refund_written("1000000000001", "T2") is None
        j.record_refund("1000000000001", "T1", bundle="b/1", amount="-10.00")
        assert len(j.refunds()) == 1


def test_meta_values_persist(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as j:
        j.set_meta("inputs", "x")
        j.set_meta("inputs", "y")
    with Journal(path) as j:
        assert j.get_meta("inputs") == "y"
        assert j.get_meta("missing") is None
