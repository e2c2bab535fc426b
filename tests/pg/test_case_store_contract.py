"""The case store contract, on SQLite and on a real PostgreSQL (tests/pg/conftest.py).

Two parts: the store tests of tests/collector/test_cases.py that go through the ``CaseStore``
interface only, run again here against ``PostgresCaseStore`` (imported, not copied: one
definition of what a store must do); and contract tests of our own, parametrized over both
stores: round trips of every field, once-only changes and alerts, scoping (two accounts in one
database never see each other's rows), many writers at once, the store chosen by
``database_url``, and a password never shown.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from collector.cases import AlertRecord, CaseChange, CaseStore, SqliteCaseStore, TrackedCase, open_store, store_path
from collector.cases.postgres import PostgresCaseStore, public_location
from collector.errors import ConfigError
from collector.settings import load_settings
from evidence.bundle import write_bundle
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock
from evidence.models import CaseStatus
from tests.collector.test_cases import (  # noqa: F401 - collected here again, on PostgreSQL
    test_a_case_is_recorded_step_by_step_with_its_appeal_deadline,
    test_a_case_seen_only_on_the_dashboard_is_matched_by_case_id_and_recorded_on_change,
    test_alerts_are_queued_once_per_channel_and_marks_are_kept,
    test_money_by_week_and_month,
    test_states_follow_the_bundle_then_the_case,
    test_the_bundle_and_the_store_link_to_each_other_without_resealing,
)

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An output folder with the example bundle (what the imported tests expect)."""
    write_bundle(tmp_path / "bundles", example_case(), example_artifacts(), example_context(), clock=fixed_clock)
    return tmp_path


@pytest.fixture
def store(database_url: str) -> Iterator[PostgresCaseStore]:
    """The imported tests' store: PostgreSQL."""
    with PostgresCaseStore(database_url, "acme") as opened:
        yield opened


@pytest.fixture(params=["sqlite", "postgres"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CaseStore]:
    if request.param == "sqlite":
        opened: CaseStore = SqliteCaseStore(tmp_path / ".collector" / "cases.sqlite")
    else:
        opened = PostgresCaseStore(request.getfixturevalue("database_url"), "acme")
    with opened:
        yield opened


def _case(case_id: str = "5900000001", **changes: object) -> TrackedCase:
    fields: dict[str, object] = {
        "case_id": case_id, "po": "4342076435326", "transaction_id": "T-1", "type": "Customer Care refund",
        "submitted_at": T0, "status": CaseStatus.SUBMITTED, "first_seen_at": T0, "checked_at": T0,
    }
    return TrackedCase(**{**fields, **changes})  # type: ignore[arg-type]


def test_every_field_comes_back_as_it_went_in(any_store: CaseStore) -> None:
    chicago = timezone(timedelta(hours=-6))
    case = _case(status=CaseStatus.DENIED, decision_at=datetime(2026, 12, 1, 12, 0, tzinfo=chicago),
                 amount_reimbursed=Decimal("12.50"), appeal_deadline=datetime(2027, 1, 1, 6, 0, tzinfo=UTC),
                 bundle="/srv/disputes/acme/bundles/x", messages=3)
    any_store.save_case(case)
    back = any_store.case(case.case_id)
    assert back is not None
    assert back == case  # aware datetimes compare as instants; Decimal keeps its value
    assert str(back.amount_reimbursed) == "12.50" and back.decision_at.utcoffset() is not None  # type: ignore[union-attr]
    any_store.save_case(_case(status=CaseStatus.APPROVED, messages=4))  # an update keeps first_seen_at
    assert [(c.status, c.messages) for c in any_store.cases()] == [(CaseStatus.APPROVED, 4)]
    assert any_store.case("nope") is None


def test_changes_once_per_case_status_and_time_in_order(any_store: CaseStore) -> None:
    later = T0 + timedelta(days=2)
    assert any_store.add_change(CaseChange("c1", CaseStatus.IN_REVIEW, later, later)) is True
    assert any_store.add_change(CaseChange("c1", CaseStatus.SUBMITTED, T0, later, source="dashboard")) is True
    assert any_store.add_change(CaseChange("c1", CaseStatus.SUBMITTED, T0, later + timedelta(hours=1))) is False
    assert any_store.add_change(CaseChange("c2", CaseStatus.APPROVED, later, later, Decimal("45.05"))) is True
    assert [(c.status, c.at, c.source) for c in any_store.changes("c1")] == [
        (CaseStatus.SUBMITTED, T0, "dashboard"), (CaseStatus.IN_REVIEW, later, "history")]
    assert [c.case_id for c in any_store.changes()] == ["c1", "c1", "c2"]
    assert any_store.changes("c2")[0].amount_reimbursed == Decimal("45.05")


def test_alert_details_and_errors_round_trip(any_store: CaseStore) -> None:
    alert = AlertRecord(key="k", channel="webhook", kind="decision", subject="Case 59 denied", text="…ü",
                        created_at=T0, details={"case_id": "59", "po": "4342"})
    assert any_store.queue_alert(alert) is True
    any_store.mark_failed("k", "webhook", "x" * 1000)
    [back] = any_store.alerts()
    assert back.details == {"case_id": "59", "po": "4342"} and back.text == "…ü"
    assert back.attempts == 1 and back.last_error == "x" * 300 and back.sent_at is None
    any_store.set_mark("m", "1")
    any_store.set_mark("m", "2")
    assert any_store.get_mark("m") == "2" and any_store.get_mark("other") is None


def test_two_accounts_in_one_database_never_see_each_other(database_url: str) -> None:
    with PostgresCaseStore(database_url, "acme") as acme, PostgresCaseStore(database_url, "bolt") as bolt:
        acme.save_case(_case("A-1"))
        bolt.save_case(_case("B-1"))
        bolt.save_case(_case("A-1", po="other"))  # the same case id under another account: its own row
        assert acme.add_change(CaseChange("A-1", CaseStatus.SUBMITTED, T0, T0)) is True
        assert bolt.add_change(CaseChange("A-1", CaseStatus.SUBMITTED, T0, T0)) is True
        alert = AlertRecord(key="k", channel="email", kind="deadline", subject="s", text="t", created_at=T0)
        assert acme.queue_alert(alert) is True and bolt.queue_alert(alert) is True
        acme.set_mark("last_scan", "a")
        assert [c.case_id for c in acme.cases()] == ["A-1"] and acme.case("A-1").po == "4342076435326"  # type: ignore[union-attr]
        assert sorted(c.case_id for c in bolt.cases()) == ["A-1", "B-1"]
        assert bolt.get_mark("last_scan") is None and len(acme.changes()) == len(bolt.changes()) == 1


def test_many_writers_at_once_record_each_change_once(database_url: str) -> None:
    """Eight stores (eight connections, as eight workers or machines would have) record the same
    history at once: every change once, no error."""
    stores = [PostgresCaseStore(database_url, "acme") for _ in range(8)]  # tables created by the first, safely
    created: list[bool] = []
    lock = threading.Lock()

    def record(s: PostgresCaseStore) -> None:
        for n in range(20):
            done = s.add_change(CaseChange("c", CaseStatus.IN_REVIEW, T0 + timedelta(minutes=n), T0))
            with lock:
                created.append(done)

    threads = [threading.Thread(target=record, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert created.count(True) == 20 and len(created) == 160
    assert len(stores[0].changes("c")) == 20
    for s in stores:
        s.close()


def test_database_url_selects_postgres_and_hides_its_password(database_url: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLECTOR_DATA_DIR", str(tmp_path / "data"))
    with open_store(tmp_path / "out") as default:
        assert isinstance(default, SqliteCaseStore)
    assert store_path(tmp_path / "out").is_file()
    settings = load_settings(database_url=database_url)
    with open_store(tmp_path / "out2", settings) as shared:
        assert isinstance(shared, PostgresCaseStore)
        assert shared.scope == str((tmp_path / "out2").resolve())  # no account: the output folder
    assert not store_path(tmp_path / "out2").exists()
    assert "database_url" in settings.redacted() and "postgresql" not in str(settings.redacted()["database_url"])
    secret_url = database_url.replace("collector@", "collector:s3cret-pw@")
    assert public_location(secret_url) == database_url
    with pytest.raises(ConfigError) as refused:  # wrong port: one line, no password
        PostgresCaseStore(secret_url.replace(f":{urlsplit(secret_url).port}/", ":1/"), "acme")
    assert "cannot reach the case store" in str(refused.value) and "s3cret-pw" not in str(refused.value)
    with pytest.raises(ConfigError, match="not a postgresql:// URL"):
        load_settings(database_url="mysql://u:pw@h/db")


def test_status_reads_the_postgres_store_with_database_url(out: Path, database_url: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """`collector status` (and so watch's alerts and the index page, through load_overview) sees the
    cases tracked into PostgreSQL; without database_url, the folder's SQLite store (empty here)."""
    from typer.testing import CliRunner

    from collector.cli import app
    from evidence.bundle.example import PO, TRANSACTION

    for key in [k for k in os.environ if k.startswith("COLLECTOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("COLLECTOR_DATA_DIR", str(out / "data"))
    denied, deadline = datetime(2026, 12, 1, 18, 0, tzinfo=UTC), datetime(2027, 1, 1, 6, 0, tzinfo=UTC)
    with PostgresCaseStore(database_url, str(out.resolve())) as shared:  # the scope track uses without an account
        shared.save_case(TrackedCase("5900000001", PO, TRANSACTION, "Customer Care refund", T0, CaseStatus.DENIED,
                                     decision_at=denied, appeal_deadline=deadline))
    args = ["status", str(out), "--json", "--now", "2026-12-02T12:00:00Z"]
    local = json.loads(CliRunner().invoke(app, args).stdout)
    assert local["states"].get("appeal open", 0) == 0
    monkeypatch.setenv("COLLECTOR_DATABASE_URL", database_url)
    shared_view = CliRunner().invoke(app, args)
    assert shared_view.exit_code == 0, shared_view.output
    assert json.loads(shared_view.stdout)["states"]["appeal open"] == 1
