"""`collector watch --all-accounts` as a process, no browser needed (no account has a session, so
every cycle fails before a browser starts): each account's cycles run in turn on its own folder
with lines prefixed by the account, failures alerted in that account's own store; SIGTERM stops
it (exit 0); `--once` exits 1; a folder held by another watcher stops it at start (exit 2)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from filelock import FileLock

from collector.cases import SqliteCaseStore

ACCOUNTS = "".join(f'[[account]]\nname = "{n}"\nbase_url = "http://127.0.0.1:9"\nout = "{n}-out"\n' for n in ("acme", "bolt"))


def _env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "accounts.toml").write_text(ACCOUNTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTOR_")}
    env.update(COLLECTOR_DATA_DIR=str(tmp_path / "data"), COLLECTOR_ACCOUNTS_FILE=str(tmp_path / "accounts.toml"))
    return env


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "collector", "watch", "--all-accounts", *args]


def test_each_account_in_turn_then_sigterm_stops_them_all(tmp_path: Path) -> None:
    proc = subprocess.Popen(_cmd("--every", "1s"), env=_env(tmp_path), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(4)]  # type: ignore[union-attr]
        assert [line.split(":")[0] for line in lines] == ["acme", "bolt", "acme", "bolt"], lines
        assert all("failed: " in line and "no saved Seller Center session" in line for line in lines), lines
        assert [line.split()[2] for line in lines] == ["1", "1", "2", "2"]  # "acme: cycle 1 at ..."
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert proc.wait(timeout=30) == 0 and time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for name in ("acme", "bolt"):
        with SqliteCaseStore(tmp_path / f"{name}-out" / ".collector" / "cases.sqlite") as store:
            assert len([a for a in store.alerts() if a.kind == "cycle_failed"]) >= 2, name


def test_once_exits_1_and_a_held_folder_exits_2(tmp_path: Path) -> None:
    env = _env(tmp_path)
    once = subprocess.run(_cmd("--once"), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert once.returncode == 1 and once.stdout.count(" failed: ") == 2, once.stdout + once.stderr
    held = FileLock(tmp_path / "bolt-out" / ".collector" / "watch.lock")
    held.acquire(timeout=0)
    try:
        busy = subprocess.run(_cmd("--once"), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    finally:
        held.release()
    assert busy.returncode == 2 and "another collector watch is running on" in busy.stderr and "bolt-out" in busy.stderr
    assert busy.stdout == ""  # nothing ran: not even acme's cycle
    with_out = subprocess.run(_cmd("--once", "--out", "x"), env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=60)
    assert with_out.returncode == 2 and "drop --out" in with_out.stderr
