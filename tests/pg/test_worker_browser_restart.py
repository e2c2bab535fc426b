"""End to end: a worker's browser server dies mid-order and comes back.

``collector browser-server --port P --same-endpoint`` serves the worker's browsers; it is killed
(SIGKILL) while the worker captures an order, then started again with the same options: the
endpoint is the same. The worker logs the loss on one line and reconnects: within the job (its
step retries) or, when the job gave up, through the task's retry (``worker.order_failed``). The
refund is captured once and the collect that followed the task exits 0.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from fixtures.site import Faults, MockSite
from tests.e2e.conftest import assert_every_refund_once, expected_refunds, single_refund_pos

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _browser_server(env: dict[str, str], cwd: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "collector", "browser-server", "--port", str(port), "--same-endpoint"],
                            env=env, cwd=cwd, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def test_a_worker_reconnects_to_its_restarted_browser_server(
        site: MockSite, tmp_path: Path, database_url: str, worker_env: dict[str, str]) -> None:
    site.set_faults(Faults(latency_ms=300))  # an order takes a few seconds: time to kill the server inside it
    env = worker_env
    port = _free_port()
    server, endpoint = _browser_server(env, tmp_path, port)
    env["COLLECTOR_BROWSER_ENDPOINT"] = endpoint
    pos = single_refund_pos(site.scenario, 1)
    worker = subprocess.Popen([sys.executable, "-m", "collector", "worker"], env=env, cwd=tmp_path, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    collect = subprocess.Popen([sys.executable, "-m", "collector", "collect", "--distributed", "--po", pos[0]],
                               env=env, cwd=tmp_path, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    restarted = None
    try:
        with psycopg.connect(database_url, autocommit=True) as db:
            deadline = time.monotonic() + 60
            while not (db.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()[0]  # type: ignore[index]
                       and db.execute("SELECT 1 FROM procrastinate_jobs WHERE status = 'doing'").fetchone()):
                assert time.monotonic() < deadline, "the worker never started the order"
                time.sleep(0.05)  # the test polling the database
        time.sleep(1.0)  # inside the order (the session check and the first screens)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        restarted, again = _browser_server(env, tmp_path, port)
        assert again == endpoint  # --same-endpoint: what the worker knows still works
        out, err = collect.communicate(timeout=150)
        assert collect.returncode == 0, (out[-2000:], err[-2000:])
        worker.send_signal(signal.SIGTERM)
        _, worker_log = worker.communicate(timeout=60)
    finally:
        for proc in (worker, restarted, server):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        if collect.poll() is None:
            collect.kill()
    # The loss is on the worker's log, one line each: either the job's own retries reconnected
    # (retry.scheduled ... ECONNREFUSED / browser has been closed), or the order failed and its task
    # was retried (worker.order_failed).
    lost = [line for line in worker_log.splitlines()
            if ("retry.scheduled" in line and ("ECONNREFUSED" in line or "browser has been closed" in line))
            or ("worker.order_failed" in line and pos[0] in line)]
    assert lost, worker_log[-3000:]
    assert "Traceback" not in worker_log or "worker.order_failed" in worker_log
    assert "1 of 1 order(s) captured" in out
    assert_every_refund_once(tmp_path / "out" / "bundles", expected_refunds(site.scenario, pos))
    with psycopg.connect(database_url, autocommit=True) as db:
        [(status,)] = db.execute("SELECT status::text FROM procrastinate_jobs").fetchall()
    assert status == "succeeded"
