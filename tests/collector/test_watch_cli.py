"""`collector watch` as a process, with no browser needed: a cycle that cannot sign in fails, is
logged and alerted, and the next tick tries again; SIGTERM between cycles stops it at once (exit
0); `--once` exits 1 when its cycle failed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from collector.cases import SqliteCaseStore


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTOR_")}
    # no saved session and no credentials: every cycle fails before opening a browser
    env.update(COLLECTOR_BASE_URL="http://127.0.0.1:9", COLLECTOR_DATA_DIR=str(tmp_path / "data"))
    return env


def _cmd(out: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "collector", "watch", "--out", str(out), *args]


def test_a_failed_cycle_is_alerted_and_retried_then_sigterm_stops_the_watcher(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(_cmd(out, "--every", "1s"), env=_env(tmp_path), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(2)]  # type: ignore[union-attr]
        assert all(" failed: " in line and "retried on the next tick" in line for line in lines), lines
        assert "no saved Seller Center session" in lines[0]
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = proc.wait(timeout=30)
        assert code == 0 and time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with SqliteCaseStore(out / ".collector" / "cases.sqlite") as store:
        failed = [a for a in store.alerts() if a.kind == "cycle_failed"]
    assert len(failed) >= 2 and len({a.key for a in failed}) == len(failed)  # one per failed cycle
    assert not (out / ".collector" / "watch.lock").exists() or _lock_free(out)


def _lock_free(out: Path) -> bool:
    from filelock import FileLock, Timeout

    try:
        FileLock(out / ".collector" / "watch.lock").acquire(timeout=0).lock.release()
    except Timeout:
        return False
    return True


def test_once_exits_1_when_its_cycle_failed(tmp_path: Path) -> None:
    result = subprocess.run(_cmd(tmp_path / "out", "--once"), env=_env(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("cycle 1 at ") and "Traceback" not in result.stderr


def test_bad_durations_are_usage_errors(tmp_path: Path) -> None:
    result = subprocess.run(_cmd(tmp_path / "out", "--every", "soon"), env=_env(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and "not a duration" in result.stderr
