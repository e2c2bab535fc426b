"""The case store, the recording of what ``collector track`` reads, and the refund states and
money ``collector status`` shows. No browser: the observations are built by hand, the bundle is
the example bundle (refund issued Nov 19 16:40 UTC, $45.05 charged, 48-hour window)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from collector.cases import AlertRecord, CaseChange, SqliteCaseStore, TrackedCase
from collector.cases.bundles import load_bundles
from collector.cases.status import RefundState, money_by_period, refund_rows, state_counts
from collector.cases.track import ObservedCase, ObservedEvent, record_cases
from evidence.bundle import read_bundle, verify_path, write_bundle
from evidence.bundle.custody import CustodyEvent
from evidence.bundle.example import PO, TRANSACTION, example_artifacts, example_case, example_context, fixed_clock
from evidence.bundle.review_state import ReviewState, review_state
from evidence.models import CaseStatus, DisputeCase, Money
from evidence.policy import default_registry

ZONE = "America/Chicago"
CASE = "5900000001"
SUBMITTED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
REVIEW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
DENIED = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # Dec 1, 12:00 PM CST
APPEALED = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
APPEAL_APPROVED = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
APPEAL_DEADLINE = datetime(2027, 1, 1, 6, 0, tzinfo=UTC)  # 30 days from Dec 1, through Dec 31 CST


def policy_for(_issued: datetime):  # noqa: ANN202
    return default_registry().select(policy_id=None, issued_at=datetime(2026, 11, 19, tzinfo=UTC), timezone=ZONE)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    write_bundle(tmp_path / "bundles", example_case(), example_artifacts(), example_context(), clock=fixed_clock)
    return tmp_path


@pytest.fixture
def store(out: Path):  # noqa: ANN201
    with SqliteCaseStore(out / ".collector" / "cases.sqlite") as opened:
        yield opened


def seen(status: CaseStatus, history: list[tuple[CaseStatus, datetime, str | None]] | None,
         *, decision: datetime | None = None, amount: str | None = None, txn: str | None = TRANSACTION) -> ObservedCase:
    case = DisputeCase(case_id=CASE, po=PO, transaction_id=txn, type="Customer Care refund", submitted_at=SUBMITTED,
                       status=status, decision_at=decision, amount_reimbursed=Money(amount=amount) if amount else None)
    events = None if history is None else [
        ObservedEvent(s, at, Money(amount=a) if a else None) for s, at, a in history]
    return ObservedCase(case, events)


def test_a_case_is_recorded_step_by_step_with_its_appeal_deadline(out: Path, store: SqliteCaseStore) -> None:
    bundles = load_bundles(out / "bundles")
    steps = [
        (CaseStatus.SUBMITTED, [(CaseStatus.SUBMITTED, SUBMITTED, None)], None, None),
        (CaseStatus.IN_REVIEW, [(CaseStatus.SUBMITTED, SUBMITTED, None), (CaseStatus.IN_REVIEW, REVIEW, None)], None, None),
        (CaseStatus.DENIED, [(CaseStatus.IN_REVIEW, REVIEW, None), (CaseStatus.DENIED, DENIED, None)], DENIED, None),
        (CaseStatus.APPEAL_SUBMITTED, [(CaseStatus.DENIED, DENIED, None), (CaseStatus.APPEAL_SUBMITTED, APPEALED, None)],
         DENIED, None),
        (CaseStatus.APPEAL_APPROVED, [(CaseStatus.APPEAL_SUBMITTED, APPEALED, None),
                                      (CaseStatus.APPEAL_APPROVED, APPEAL_APPROVED, "30.00")], APPEAL_APPROVED, "30.00"),
    ]
    new_each_time = []
    for n, (status, history, decision, amount) in enumerate(steps):
        now = SUBMITTED + timedelta(days=5 * n + 1)
        result = record_cases(store, [seen(status, history, decision=decision, amount=amount)], bundles, now,
                              policy_for, ZONE)
        new_each_time.append([c.status for c in result.changes])
        # the same page read again records nothing new
        again = record_cases(store, [seen(status, history, decision=decision, amount=amount)], bundles, now, policy_for, ZONE)
        assert again.changes == []
        if status is CaseStatus.DENIED:
            assert store.case(CASE).appeal_deadline == APPEAL_DEADLINE  # type: ignore[union-attr]
    assert new_each_time == [[CaseStatus.SUBMITTED], [CaseStatus.IN_REVIEW], [CaseStatus.DENIED],
                             [CaseStatus.APPEAL_SUBMITTED], [CaseStatus.APPEAL_APPROVED]]
    assert [(c.status, c.at) for c in store.changes(CASE)] == [
        (CaseStatus.SUBMITTED, SUBMITTED), (CaseStatus.IN_REVIEW, REVIEW), (CaseStatus.DENIED, DENIED),
        (CaseStatus.APPEAL_SUBMITTED, APPEALED), (CaseStatus.APPEAL_APPROVED, APPEAL_APPROVED)]
    case = store.case(CASE)
    assert case is not None and case.final and case.amount_reimbursed == Decimal("30.00")


def test_the_bundle_and_the_store_link_to_each_other_without_resealing(out: Path, store: SqliteCaseStore) -> None:
    bundles = load_bundles(out / "bundles")
    bundle = next(iter(bundles.bundles.values()))
    before = (bundle.path / "manifest.json").read_bytes()
    first = record_cases(store, [seen(CaseStatus.SUBMITTED, [])], bundles, SUBMITTED, policy_for, ZONE)
    assert first.linked == [(CASE, str(bundle.path))]
    again = record_cases(store, [seen(CaseStatus.SUBMITTED, [])], load_bundles(out / "bundles"), SUBMITTED,
                         policy_for, ZONE)
    assert again.linked == []  # appended once
    reread = read_bundle(bundle.path)
    filed = [e for e in reread.custody if e.event is CustodyEvent.FILED]
    assert [(e.details["case_id"], e.actor) for e in filed] == [(CASE, "collector track")]
    assert (bundle.path / "manifest.json").read_bytes() == before
    assert verify_path(bundle.path).ok
    assert review_state(reread) is ReviewState.FILED
    assert store.case(CASE).bundle == str(bundle.path)  # type: ignore[union-attr]


def test_a_case_seen_only_on_the_dashboard_is_matched_by_case_id_and_recorded_on_change(
        out: Path, store: SqliteCaseStore) -> None:
    bundles = load_bundles(out / "bundles")
    record_cases(store, [seen(CaseStatus.IN_REVIEW, None, txn=None)], bundles, REVIEW, policy_for, ZONE)
    assert store.case(CASE).transaction_id == TRANSACTION  # type: ignore[union-attr]  # from the bundle (by PO)
    later = REVIEW + timedelta(days=3)
    result = record_cases(store, [seen(CaseStatus.APPROVED, None, txn=None, decision=later, amount="45.05")],
                          bundles, later + timedelta(hours=1), policy_for, ZONE)
    assert [(c.status, c.at, c.amount_reimbursed, c.source) for c in result.changes] == [
        (CaseStatus.APPROVED, later, Decimal("45.05"), "dashboard")]


def test_alerts_are_queued_once_per_channel_and_marks_are_kept(store: SqliteCaseStore) -> None:
    alert = AlertRecord(key="deadline-4h:dispute:T-1", channel="email", kind="deadline", subject="s", text="t",
                        created_at=SUBMITTED)
    assert store.queue_alert(alert) is True
    assert store.queue_alert(alert) is False
    assert store.queue_alert(AlertRecord(**{**alert.__dict__, "channel": "webhook"})) is True
    store.mark_failed(alert.key, "email", "connection refused")
    assert [(a.channel, a.attempts) for a in store.unsent_alerts(max_attempts=5)] == [("email", 1), ("webhook", 0)]
    store.mark_sent(alert.key, "email", REVIEW)
    assert [a.channel for a in store.unsent_alerts(max_attempts=5)] == ["webhook"]
    assert store.unsent_alerts(max_attempts=0) == []
    store.set_mark("last_scan", "2026-11-20T00:00:00+00:00")
    assert store.get_mark("last_scan") == "2026-11-20T00:00:00+00:00"
    assert store.add_change(CaseChange("x", CaseStatus.DENIED, DENIED, DENIED)) is True
    assert store.add_change(CaseChange("x", CaseStatus.DENIED, DENIED, REVIEW)) is False


def _row_state(out: Path, store: SqliteCaseStore, now: datetime):  # noqa: ANN202
    rows = refund_rows(load_bundles(out / "bundles"), store.cases(), now, lambda b: policy_for(b.case.refund.issued_at))
    assert len(rows) == 1
    return rows[0]


def test_states_follow_the_bundle_then_the_case(out: Path, store: SqliteCaseStore) -> None:
    issued = datetime(2026, 11, 19, 16, 40, tzinfo=UTC)
    row = _row_state(out, store, issued + timedelta(hours=1))
    assert (row.state, row.deadline_kind, row.deadline) == (RefundState.TO_REVIEW, "dispute", issued + timedelta(hours=48))
    row = _row_state(out, store, issued + timedelta(hours=49))
    assert (row.state, row.lost, row.deadline) == (RefundState.WINDOW_MISSED, Decimal("45.05"), None)

    def put(status: CaseStatus, amount: str | None = None, deadline: datetime | None = None) -> None:
        store.save_case(TrackedCase(CASE, PO, TRANSACTION, "Customer Care refund", SUBMITTED, status,
                                    amount_reimbursed=Decimal(amount) if amount else None, appeal_deadline=deadline))

    put(CaseStatus.IN_REVIEW)
    row = _row_state(out, store, REVIEW)
    assert (row.state, row.disputed, row.lost) == (RefundState.IN_REVIEW, Decimal("45.05"), Decimal("0.00"))
    put(CaseStatus.DENIED, deadline=APPEAL_DENIED_DEADLINE)
    row = _row_state(out, store, DENIED + timedelta(days=1))
    assert (row.state, row.deadline_kind, row.deadline) == (RefundState.APPEAL_OPEN, "appeal", APPEAL_DENIED_DEADLINE)
    assert row.state_text(ZONE) == "appeal open until Jan 1, 2027, 12:00 AM CST"
    row = _row_state(out, store, APPEAL_DENIED_DEADLINE)
    assert row.state is RefundState.DENIED
    put(CaseStatus.APPROVED, amount="30.00")
    row = _row_state(out, store, APPEAL_APPROVED)
    assert (row.state, row.reimbursed) == (RefundState.PARTLY_WON, Decimal("30.00"))
    put(CaseStatus.APPEAL_APPROVED, amount="45.05")
    assert _row_state(out, store, APPEAL_APPROVED).state is RefundState.WON


APPEAL_DENIED_DEADLINE = APPEAL_DEADLINE


def test_money_by_week_and_month(out: Path, store: SqliteCaseStore) -> None:
    store.save_case(TrackedCase("other", "999", "T-9", "Customer Care refund", datetime(2026, 12, 2, tzinfo=UTC),
                                CaseStatus.APPROVED, amount_reimbursed=Decimal("10.00")))
    rows = refund_rows(load_bundles(out / "bundles"), store.cases(), datetime(2026, 12, 5, tzinfo=UTC),
                       lambda b: policy_for(b.case.refund.issued_at))
    counts = state_counts(rows)
    assert (counts["window missed"], counts["won"]) == (1, 1)
    weeks = {t.period: t for t in money_by_period(rows, ZONE, "week")}
    assert (weeks["2026-W47"].charged, weeks["2026-W47"].lost) == (Decimal("45.05"), Decimal("45.05"))
    assert (weeks["2026-W49"].reimbursed, weeks["2026-W49"].unknown_charges) == (Decimal("10.00"), 1)
    months = [t.period for t in money_by_period(rows, ZONE, "month")]
    assert months == ["2026-11", "2026-12", "total"]
    total = money_by_period(rows, ZONE, "month")[-1]
    assert (total.refunds, total.charged, total.reimbursed, total.lost) == (2, Decimal("45.05"), Decimal("10.00"),
                                                                           Decimal("45.05"))


def test_status_command_table_json_and_errors(out: Path, store: SqliteCaseStore, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from collector.cli import app

    runner = CliRunner()
    store.save_case(TrackedCase(CASE, PO, TRANSACTION, "Customer Care refund", SUBMITTED, CaseStatus.DENIED,
                                decision_at=DENIED, appeal_deadline=APPEAL_DEADLINE))
    table = runner.invoke(app, ["status", str(out), "--now", "2026-12-02T12:00:00Z"], terminal_width=160)
    assert table.exit_code == 0, table.output
    assert "appeal open until Jan 1, 2027, 12:00 AM CST" in table.output and "Appeal by Jan 1, 2027" in table.output
    assert "1 appeal open" in table.output and "2026-W47" in table.output
    shown = runner.invoke(app, ["status", str(out), "--json", "--by", "month", "--now", "2026-12-02T12:00:00Z"])
    assert shown.exit_code == 0, shown.output
    data = __import__("json").loads(shown.stdout)
    assert data["states"]["appeal open"] == 1 and data["money"]["month"][0]["period"] == "2026-11"
    assert [p["period"] for p in data["money"]["week"]] == ["2026-W47", "total"]
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = runner.invoke(app, ["status", str(empty)])
    assert nothing.exit_code == 1 and "no bundles and no tracked cases" in nothing.output
    bad = runner.invoke(app, ["status", str(out), "--now", "yesterday"])
    assert bad.exit_code == 2 and "cannot read the time" in bad.output


def test_the_index_page_shows_the_same_states(out: Path, store: SqliteCaseStore) -> None:
    from typer.testing import CliRunner

    from collector.cli import app

    (out / "bundles" / "index.html").unlink(missing_ok=True)
    assert CliRunner().invoke(app, ["index", str(out)]).exit_code == 0
    assert '<span class="badge state" title="state">window missed</span>' in (out / "bundles" / "index.html").read_text()
    store.save_case(TrackedCase(CASE, PO, TRANSACTION, "Customer Care refund", SUBMITTED, CaseStatus.APPEAL_SUBMITTED))
    assert CliRunner().invoke(app, ["index", str(out)]).exit_code == 0
    assert '<span class="badge state" title="state">appealed</span>' in (out / "bundles" / "index.html").read_text()
