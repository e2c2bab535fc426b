"""``watch`` and ``track`` with ``distributed``: the work runs as tasks on ``collector worker``
processes, followed by the command.

- ``track --distributed --json`` prints what ``track --local --json`` prints for the same site
  (two folders, one PostgreSQL case store), the pass having run as a task on the worker;
- a watch cycle queues a scan task, follows the orders it queued, then a tracking task: every
  refund since the first scan's reach bundled once, the dispute changes recorded, the mark moved;
- the mark moves only when every queued order succeeded (unit level: the queue's outcome given).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from collector.cases import open_store
from collector.queue import DONE, SCAN_TASK, TRACK_TASK, ScanOutcome, TaskState
from collector.settings import CollectorSettings, load_settings
from collector.watch import LAST_SCAN, Watcher, WatchOptions
from evidence.models import TransactionType
from fixtures.site import MockSite
from tests.e2e.conftest import assert_every_refund_once, expected_refunds, run_collector


@pytest.fixture
def worker(worker_env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-m", "collector", "worker"], env=worker_env, cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)


def _stop(worker: subprocess.Popen[str]) -> str:
    worker.send_signal(signal.SIGTERM)
    _, log = worker.communicate(timeout=60)
    assert worker.returncode == 0, log[-2000:]
    return log


def _tasks(database_url: str, name: str) -> list[str]:
    with psycopg.connect(database_url, autocommit=True) as db:
        return [s for (s,) in db.execute("SELECT status::text FROM procrastinate_jobs WHERE task_name = %s ORDER BY id",
                                         (name,)).fetchall()]


@pytest.mark.slow
def test_track_on_a_worker_prints_what_track_prints(worker_env: dict[str, str], worker: subprocess.Popen[str],
                                                    tmp_path: Path, database_url: str) -> None:
    started = datetime.now(UTC)
    remote = run_collector(["track", "--distributed", "--out", "remote", "--json"], worker_env, tmp_path, timeout=120)
    again = run_collector(["track", "--distributed", "--out", "remote"], worker_env, tmp_path, timeout=120)
    log = _stop(worker)
    assert remote.returncode == 0, (remote.stdout[-2000:], remote.stderr[-2000:])
    assert "tracking queued as a task" in remote.stderr
    here = run_collector(["track", "--local", "--out", "here", "--json"], worker_env, tmp_path, timeout=120)
    assert here.returncode == 0, here.stderr[-2000:]
    remote_json, here_json = json.loads(remote.stdout), json.loads(here.stdout)
    assert remote_json["cases"] > 0 and remote_json["changes"]
    for printed in (remote_json, here_json):
        for change in printed["changes"]:  # a change the site gives no time for is recorded when seen: each its pass's
            if datetime.fromisoformat(change["at"]) >= started:
                change["at"] = "when seen"
        printed["changes"].sort(key=lambda c: (c["at"], c["case_id"], c["status"]))  # ties come in no set order
    assert remote_json == here_json  # the same cases, pages, changes (with their times), unmatched
    # the table, as track prints it: the cases from the shared store, nothing new the second time
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"{remote_json['cases']} case(s) on Seller Center" in again.stdout and "0 change(s) recorded" in again.stdout
    assert "Disputes tracked in" in again.stdout
    assert _tasks(database_url, TRACK_TASK) == ["succeeded", "succeeded"]
    with psycopg.connect(database_url, autocommit=True) as db:
        assert db.execute("SELECT count(*) FROM collector_task_results").fetchone() == (0,)  # read once, then removed
    assert "Traceback" not in log


@pytest.mark.slow
def test_a_watch_cycle_on_workers(site: MockSite, worker_env: dict[str, str], worker: subprocess.Popen[str],
                                  tmp_path: Path, database_url: str) -> None:
    reach = timedelta(hours=6)
    since = site.scenario.clock.now - reach
    recent = {o.po for o in site.scenario.orders for t in o.transactions
              if t.type == TransactionType.CUSTOMER_CARE_REFUND and t.posted_at >= since}
    out = tmp_path / "out"
    settings = load_settings(distributed=True)
    watcher = Watcher(settings, out, WatchOptions(cycles=1, first_since=reach), clock=lambda: site.scenario.clock.now,
                      channels=[])
    [result] = watcher.run()
    log = _stop(worker)
    assert result.ok, result.error
    assert {po for po, _ in result.new_refunds} == recent
    assert_every_refund_once(out / "bundles", expected_refunds(site.scenario, recent))
    with open_store(out, settings) as store:
        assert store.get_mark(LAST_SCAN) == result.started.isoformat()
        assert result.changes == len(store.changes()) > 0  # the tracking task's changes, in the shared store
    assert _tasks(database_url, SCAN_TASK) == ["succeeded"] and _tasks(database_url, TRACK_TASK) == ["succeeded"]
    assert "Traceback" not in log


def _settings(database_url: str, tmp_path: Path) -> CollectorSettings:
    return load_settings(data_dir=tmp_path / "data", base_url="http://127.0.0.1:9", database_url=database_url,
                         distributed=True)


@pytest.mark.parametrize(("tasks", "scan", "ok"), [
    ([TaskState(1, ["A", "B"], "succeeded", 0), TaskState(2, ["C"], "succeeded", 1)], "succeeded", True),
    ([TaskState(1, ["A", "B"], "succeeded", 0), TaskState(2, ["C"], "failed", 3)], "succeeded", False),
    ([], "failed", False),
])
def test_the_mark_moves_only_when_every_queued_order_succeeded(tmp_path: Path, database_url: str,
                                                              monkeypatch: pytest.MonkeyPatch, tasks: list[TaskState],
                                                              scan: str, ok: bool) -> None:
    assert {t.status for t in tasks} <= DONE
    asked: list[tuple[str | None, Path, str]] = []

    def outcome(url: str, account: str | None, out: Path, since: str, stop: object) -> ScanOutcome:
        asked.append((account, out, since))
        return ScanOutcome(scan, tasks)

    monkeypatch.setattr("collector.queue.scan_and_capture", outcome)
    out = tmp_path / "out"
    started = datetime(2026, 11, 20, 12, tzinfo=UTC)
    watcher = Watcher(_settings(database_url, tmp_path), out, WatchOptions(cycles=1, track=False), clock=lambda: started,
                      channels=[])
    [result] = watcher.run()
    assert asked == [(None, out, (started - timedelta(hours=48)).isoformat())]  # the first scan's reach
    assert result.ok is ok
    with open_store(out, watcher.settings) as store:
        assert store.get_mark(LAST_SCAN) == (started.isoformat() if ok else None)
    if not ok:
        assert result.error == ("1 order(s) failed on the workers; retried next cycle" if tasks
                                else "the scan task failed on the workers; retried next cycle")


def test_distributed_without_a_database_is_refused(tmp_path: Path) -> None:
    from collector.errors import ConfigError

    settings = load_settings(data_dir=tmp_path / "data", base_url="http://127.0.0.1:9", distributed=True)
    with pytest.raises(ConfigError, match="distributed needs the database_url"):
        Watcher(settings, tmp_path / "out", WatchOptions(cycles=1), channels=[])
