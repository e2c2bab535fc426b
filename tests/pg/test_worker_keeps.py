"""A worker keeps, between its tasks, what a task would otherwise pay again: its browser, the
account's checked session and the account's Inbox index (the layout too). Counted from the
mock's request log: ``collect --distributed --batch 1`` over four orders, one worker. The session
check (``/api/me``) and the Inbox walk (``/api/inbox``) are sent once for the four tasks, not
once per task; the requests per order come down to what one local job of the four costs.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from collector.inputs import InputBatch
from collector.jobs import JobRequest, run_job
from collector.progress import PlainProgress
from collector.settings import load_settings
from fixtures.site import MockSite
from tests.e2e.conftest import assert_every_refund_once, expected_refunds, run_collector, single_refund_pos

pytestmark = pytest.mark.slow
ORDERS = 4


def _sent(site: MockSite, since: int) -> list[str]:
    return [r.path for r in site.request_log[since:] if r.outcome != "static" and r.path != "/favicon.ico"]


def test_a_worker_pays_the_session_check_and_the_inbox_walk_once(site: MockSite, tmp_path: Path,
                                                                  worker_env: dict[str, str]) -> None:
    env = worker_env
    pos = single_refund_pos(site.scenario, ORDERS)

    before = len(site.request_log)  # one local job of the four orders: the reference
    local = run_job(load_settings(distributed=False), JobRequest(orders=InputBatch(pos=pos)), tmp_path / "local",
                    progress=PlainProgress(io.StringIO()))
    assert local.exit_code == 0
    one_job = _sent(site, before)

    worker = subprocess.Popen([sys.executable, "-m", "collector", "worker"], env=env, cwd=tmp_path, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        before = len(site.request_log)
        collect = run_collector(["collect", "--distributed", "--batch", "1", *[a for po in pos for a in ("--po", po)]],
                                env, tmp_path, timeout=240)
        tasks = _sent(site, before)
        worker.send_signal(signal.SIGTERM)
        _, log = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert collect.returncode == 0, (collect.stdout[-2000:], collect.stderr[-2000:])
    assert_every_refund_once(tmp_path / "out" / "bundles", expected_refunds(site.scenario, pos))
    print(f"requests per order: one local job {len(one_job) / ORDERS:.2f}, "
          f"{ORDERS} tasks of one order on one worker {len(tasks) / ORDERS:.2f}")
    assert tasks.count("/api/me") == one_job.count("/api/me") == 1  # the session checked once, not once a task
    assert tasks.count("/api/inbox") == one_job.count("/api/inbox")  # the Inbox walked once (within its 5 minutes)
    assert len(tasks) == len(one_job)
    assert "Traceback" not in log
