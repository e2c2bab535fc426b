"""End to end: ``collect --distributed`` over two accounts, ``collector worker`` processes, a real
PostgreSQL and the mock.

Worker A takes the first task and is killed with SIGKILL in the middle of it; worker B, started
after, runs every other task and, once A's heartbeats have stopped, A's task too (it goes back to
the queue; with a batch of two orders its job resumes). Tasks of one order and of two. Every refund is bundled exactly once per account, none in the other account's
folder; the collect that followed the tasks exits 0.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from collector.session import write_private
from collector.settings import load_settings
from fixtures.site import MockSite
from tests.e2e.conftest import assert_every_refund_once, collector_env, expected_refunds, single_refund_pos
from tests.pg.conftest import wait_for

pytestmark = pytest.mark.slow


def _worker(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "collector", "worker"], env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "taking orders from" in line, line
    return proc


@pytest.mark.parametrize("batch", [1, 2])  # a task per order; a task for both orders (resumed after the kill)
def test_two_workers_two_accounts_one_killed_mid_order(site: MockSite, tmp_path: Path, database_url: str,
                                                       monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    seller = site.scenario.seller
    accounts = tmp_path / "accounts.toml"
    accounts.write_text("".join(
        f'[[account]]\nname = "{name}"\nbase_url = "{site.url}"\nseller_timezone = "{seller.timezone}"\n'
        f'email_env = "SHOP_EMAIL"\npassword_env = "SHOP_PASSWORD"\ntotp_secret_env = "SHOP_TOTP"\n'
        for name in ("north", "south")))
    env = collector_env(site, tmp_path / "data")
    for key in ("COLLECTOR_BASE_URL", "COLLECTOR_EMAIL", "COLLECTOR_PASSWORD", "COLLECTOR_TOTP_SECRET"):
        env.pop(key)
    env.update({"COLLECTOR_ACCOUNTS_FILE": str(accounts), "COLLECTOR_DATABASE_URL": database_url,
                "COLLECTOR_WORKER_STALLED_AFTER_S": "3",  # quick to notice the killed worker (default 30)
                "SHOP_EMAIL": seller.login_email, "SHOP_PASSWORD": seller.password, "SHOP_TOTP": seller.totp_secret})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for name in ("north", "south"):  # signed in, as after `collector --account NAME login`
        write_private(load_settings(account=name).session_path, json.dumps(site.storage_state()).encode())
    pos = single_refund_pos(site.scenario, 2)

    first = _worker(env, tmp_path)
    collect = subprocess.Popen([sys.executable, "-m", "collector", "collect", "--all-accounts", "--distributed",
                                "--batch", str(batch), *[a for po in pos for a in ("--po", po)]], env=env, cwd=tmp_path, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    second = None
    try:
        with psycopg.connect(database_url, autocommit=True) as db:
            wait_for(lambda: db.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()[0],
                      30, "the queue's tables")
            wait_for(lambda: db.execute("SELECT id FROM procrastinate_jobs WHERE status = 'doing'").fetchone(),
                      60, "the first worker to start an order")
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its browser, as when a machine goes away
        first.wait(timeout=10)
        second = _worker(env, tmp_path)
        out, err = collect.communicate(timeout=180)
        assert collect.returncode == 0, (out[-2000:], err[-2000:])
        second.send_signal(signal.SIGTERM)  # a clean stop between orders
        _, worker_log = second.communicate(timeout=60)
        assert second.returncode == 0, worker_log[-2000:]
    finally:
        for proc in (first, collect, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL) if proc is not collect else proc.kill()
    assert "worker.task_requeued" in worker_log  # the killed worker's order, put back in the queue
    assert "2 of 2 order(s) captured" in out and out.count("order(s) captured") == 2
    expected = expected_refunds(site.scenario, pos)
    assert_every_refund_once(tmp_path / "out" / "north" / "bundles", expected)
    assert_every_refund_once(tmp_path / "out" / "south" / "bundles", expected)
    with psycopg.connect(database_url, autocommit=True) as db:
        rows = db.execute("SELECT args->>'account', args->'pos', status::text, attempts FROM procrastinate_jobs").fetchall()
    tasks = [[p] for p in pos] if batch == 1 else [pos]
    assert sorted((a, p, s) for a, p, s, _ in rows) == sorted((a, t, "succeeded") for a in ("north", "south") for t in tasks)
    assert max(n for *_, n in rows) >= 1  # the interrupted one ran again
