"""``collect --distributed --scan-since``: the scan runs once, as a task on a worker (the
collecting process never starts a browser), and queues the orders it found as capture tasks,
which the command follows to the end. Run again over the same window, the scan finds every
refund bundled already and queues nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace
from pathlib import Path

import psycopg
import pytest

from collector.queue import SCAN_TASK, TASK, enqueue_scan, make_app, scan_orders, scan_tasks
from evidence.models import TransactionType
from fixtures.site import MockSite
from tests.e2e.conftest import assert_every_refund_once, expected_refunds, run_collector



@pytest.mark.slow
def test_a_scan_on_a_worker_queues_what_it_found(site: MockSite, tmp_path: Path, database_url: str,
                                                 worker_env: dict[str, str]) -> None:
    since = site.scenario.clock.now - timedelta(hours=6)
    recent = {o.po for o in site.scenario.orders for t in o.transactions
              if t.type == TransactionType.CUSTOMER_CARE_REFUND and t.posted_at >= since}
    assert len(recent) >= 3  # more than one task at --batch 2
    env = worker_env
    worker = subprocess.Popen([sys.executable, "-m", "collector", "worker"], env=env, cwd=tmp_path, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        first = run_collector(["collect", "--distributed", "--scan-since", since.isoformat(), "--batch", "2"], env, tmp_path,
                              timeout=180)
        assert first.returncode == 0, (first.stdout[-2000:], first.stderr[-2000:])
        again = run_collector(["collect", "--distributed", "--scan-since", since.isoformat()], env, tmp_path, timeout=120)
        assert again.returncode == 0, (again.stdout[-2000:], again.stderr[-2000:])
        worker.send_signal(signal.SIGTERM)
        _, worker_log = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    tasks = -(-len(recent) // 2)
    assert f"{len(recent)} order(s) with a refund not bundled yet, queued as {tasks} task(s)" in first.stdout
    assert f"{len(recent)} of {len(recent)} order(s) captured" in first.stdout
    assert_every_refund_once(tmp_path / "out" / "bundles", expected_refunds(site.scenario, recent))
    assert "0 order(s) with a refund not bundled yet, queued as 0 task(s)" in again.stdout  # nothing twice
    assert "Traceback" not in worker_log, worker_log[-3000:]
    with psycopg.connect(database_url, autocommit=True) as db:
        scans = db.execute("SELECT id, status::text FROM procrastinate_jobs WHERE task_name = %s ORDER BY id",
                           (SCAN_TASK,)).fetchall()
        captures = db.execute("SELECT args->>'scan', args->>'job', args->'pos', status::text FROM procrastinate_jobs "
                              "WHERE task_name = %s", (TASK,)).fetchall()
    assert [s for _, s in scans] == ["succeeded", "succeeded"]
    assert {scan for scan, *_ in captures} == {str(scans[0][0])}  # every capture task queued by the first scan
    assert sorted(po for *_, pos, _ in captures for po in pos) == sorted(recent)
    assert {status for *_, status in captures} == {"succeeded"}
    assert len({job for _, job, *_ in captures}) == tasks  # a job of its own per task


def test_a_scan_run_again_queues_nothing_twice(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan task retried (or requeued after its worker died) after it queued its orders only
    returns them: no second scan, no second set of tasks."""
    monkeypatch.setenv("COLLECTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("COLLECTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLLECTOR_BASE_URL", "http://127.0.0.1:9")  # nothing listens: a scan would fail
    out = tmp_path / "out"
    scan_id = enqueue_scan(database_url, None, out, "2026-11-20T12:00:00+00:00")
    with make_app(database_url).open() as app:  # what its first run queued
        first = app.tasks[TASK].batch_defer({"account": None, "out": str(out), "pos": ["1", "2"], "scan": scan_id,
                                              "job": f"scan-{scan_id}-1"})
    again = scan_orders(SimpleNamespace(job=SimpleNamespace(id=scan_id)), None, str(out), "2026-11-20T12:00:00+00:00")
    assert again["tasks"] == first
    assert [t.id for t in scan_tasks(database_url, scan_id)] == first
