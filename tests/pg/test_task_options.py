"""collect's job options travel with the order-capture tasks, and a worker refuses a task whose
options it does not know with one line (a task of another collector version), not a traceback.

- ``collect --distributed --layout payments-2022 --no-archive`` queues tasks whose arguments hold
  those options; the task, run in-process against the mock, reads the 2022 Payments screens
  (the mock's request log) and writes a bundle without a web archive;
- a real ``collector worker`` given a task with an unknown option marks it failed at once
  (one attempt), logging one line that names the option.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from collector.queue import TASK, TaskRefused, capture_orders, enqueue_orders, task_options
from collector.session import write_private
from collector.settings import load_settings
from evidence.bundle.layout import NAME_RE
from fixtures.site import MockSite
from tests.e2e.conftest import assert_every_refund_once, collector_env, expected_refunds
from tests.pg.conftest import wait_for

PAYMENTS_PO = "4451991446239"  # a single-refund order the 2022 Payments screens show (tests/e2e/test_requests_per_order.py)


def test_options_are_checked_like_settings() -> None:
    assert task_options({"layout": "payments-2022", "archive": False}).settings_overrides() == {
        "layout": "payments-2022", "archive": False}
    assert task_options(None).as_args() == {}
    with pytest.raises(TaskRefused, match=r"unknown task option\(s\) snapshot_mode: .*another collector version"):
        task_options({"layout": "auto", "snapshot_mode": "full"})
    with pytest.raises(TaskRefused, match="task option layout: "):
        task_options({"layout": "payments-2031"})


def test_a_task_of_another_version_is_refused_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(TaskRefused, match=r"unknown task argument\(s\) priority"):
        capture_orders(None, str(tmp_path / "out"), ["1"], priority=3)
    with pytest.raises(TaskRefused, match="unknown task option"):
        capture_orders(None, str(tmp_path / "out"), ["1"], options={"inbox_depth": 2})
    assert not (tmp_path / "out").exists()  # refused before any job folder


@pytest.mark.slow
def test_the_layout_given_to_collect_reaches_the_job(site: MockSite, tmp_path: Path, database_url: str,
                                                     worker_env: dict[str, str]) -> None:
    env = worker_env
    collect = subprocess.Popen([sys.executable, "-m", "collector", "collect", "--distributed", "--po", PAYMENTS_PO,
                                "--layout", "payments-2022", "--no-archive"], env=env, cwd=tmp_path, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with psycopg.connect(database_url, autocommit=True) as db:
            wait_for(lambda: db.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()[0], 30,
                      "the queue's tables")
            (args,) = wait_for(lambda: db.execute("SELECT args FROM procrastinate_jobs WHERE task_name = %s",
                                                   (TASK,)).fetchone(), 30, "the task")
    finally:
        collect.kill()  # only the queueing is looked at here; the task is run below, in this process
        collect.communicate(timeout=30)
    assert args["options"] == {"layout": "payments-2022", "archive": False}
    assert args["pos"] == [PAYMENTS_PO] and "password" not in json.dumps(args)

    before = len(site.request_log)
    done = capture_orders(**args)  # what a worker runs, with the arguments as queued
    assert done["refunds"] == 1
    asked = [r.path for r in site.request_log[before:] if r.outcome != "static"]
    assert "/api/payments/search" in asked and "/api/transactions" not in asked  # the 2022 screens, not auto's 2024 ones
    bundles = tmp_path / "out" / "bundles"
    assert_every_refund_once(bundles, expected_refunds(site.scenario, [PAYMENTS_PO]))
    (bundle,) = [p for p in bundles.iterdir() if p.is_dir()]
    assert not list(bundle.rglob("*.wacz"))  # --no-archive travelled too


def test_a_worker_fails_a_task_with_unknown_options_once_in_one_line(tmp_path: Path, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTOR_")}
    env.update({"COLLECTOR_DATABASE_URL": database_url, "COLLECTOR_DATA_DIR": str(tmp_path / "data")})
    [task_id] = enqueue_orders(database_url, None, tmp_path / "out", ["4451991446239"])
    with psycopg.connect(database_url, autocommit=True) as db:  # as a newer collector would queue it
        db.execute("UPDATE procrastinate_jobs SET args = args || '{\"options\": {\"inbox_depth\": 2}}' WHERE id = %s",
                   (task_id,))
    worker = subprocess.Popen([sys.executable, "-m", "collector", "worker"], env=env, cwd=tmp_path, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        with psycopg.connect(database_url, autocommit=True) as db:
            status, attempts = wait_for(lambda: db.execute(
                "SELECT status::text, attempts FROM procrastinate_jobs WHERE id = %s AND status::text IN ('failed', 'succeeded')",
                (task_id,)).fetchone(), 60, "the worker to end the task")
        worker.send_signal(signal.SIGTERM)
        _, log = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert (status, attempts) == ("failed", 1)  # not retried: no retry would change the answer
    assert "Traceback" not in log, log[-3000:]
    refused = [line for line in log.splitlines() if "inbox_depth" in line]
    assert refused and any("unknown task option" in line for line in refused), log[-3000:]
    assert not (tmp_path / "out" / "jobs").exists()


@pytest.mark.slow
def test_a_recapture_task_run_twice_makes_one_new_version(site: MockSite, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """--recapture travels as the time collect ran: a task retried (or run again elsewhere) does
    not capture the refund a third time."""
    for key, value in collector_env(site, tmp_path / "data").items():
        monkeypatch.setenv(key, value)
    write_private(load_settings().session_path, json.dumps(site.storage_state()).encode())
    out = str(tmp_path / "out")
    capture_orders(None, out, [PAYMENTS_PO])  # bundled once, before the recapture was asked for
    with pytest.raises(TaskRefused, match="task option recapture"):
        task_options({"recapture": True})  # the time is what travels, not a flag
    asked = task_options({"recapture": datetime.now(UTC).isoformat()}).as_args()
    bundles = tmp_path / "out" / "bundles"

    def versions() -> list[str]:
        return sorted(NAME_RE.match(p.name)["version"] for p in bundles.iterdir() if p.is_dir())  # type: ignore[index]

    capture_orders(None, out, [PAYMENTS_PO], options=asked)
    assert versions() == ["1", "2"]
    capture_orders(None, out, [PAYMENTS_PO], options=asked)  # the same task again (a retry)
    assert versions() == ["1", "2"]  # not a third
