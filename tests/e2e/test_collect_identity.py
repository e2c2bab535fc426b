"""End to end: what identifies work. A refund is bundled once per output folder, whatever job,
day or process asks; a scan always looks again; a run leaves nothing behind it."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from collector.inputs import InputBatch
from collector.jobs import JobRequest, run_job
from collector.progress import PlainProgress
from evidence.bundle.layout import NAME_RE
from evidence.models import TransactionType
from fixtures.site import Faults, MockSite
from tests.e2e.conftest import (
    assert_every_refund_once,
    collector_env,
    expected_refunds,
    run_collector,
    settings_for,
    single_refund_pos,
)

pytestmark = pytest.mark.slow


def _po_args(pos: list[str]) -> list[str]:
    return [arg for po in pos for arg in ("--po", po)]


def _versions(bundles: Path) -> list[str]:
    return sorted(p.name for p in bundles.iterdir() if NAME_RE.match(p.name))


def _collect(site: MockSite, data_dir: Path, out: Path, *, pos: list[str] = (), scan_since: str | None = None,  # type: ignore[assignment]
             recapture: bool = False) -> object:
    return run_job(settings_for(site, data_dir, concurrency=2),
                   JobRequest(orders=InputBatch(pos=list(pos)), scan_since=scan_since, recapture=recapture), out,
                   progress=PlainProgress(io.StringIO()))


def test_adding_one_po_to_a_finished_command_captures_only_the_new_refund(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    pos = single_refund_pos(site.scenario, 3)
    out = tmp_path / "out"
    first = _collect(site, data_dir, out, pos=pos[:2])
    assert first.exit_code == 0  # type: ignore[attr-defined]
    second = _collect(site, data_dir, out, pos=pos)  # a new job (other inputs), the same folder
    assert second.exit_code == 0  # type: ignore[attr-defined]
    assert second.report.refunds_written == 1  # type: ignore[attr-defined]
    assert_every_refund_once(out / "bundles", expected_refunds(site.scenario, pos))


def test_recapture_writes_a_new_version_beside_the_first(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    (po,) = single_refund_pos(site.scenario, 1)
    out = tmp_path / "out"
    assert _collect(site, data_dir, out, pos=[po]).exit_code == 0  # type: ignore[attr-defined]
    assert _collect(site, data_dir, out, pos=[po]).exit_code == 0  # type: ignore[attr-defined]
    assert len(_versions(out / "bundles")) == 1  # the same command again: nothing captured twice
    again = _collect(site, data_dir, out, pos=[po], recapture=True)
    assert again.exit_code == 0  # type: ignore[attr-defined]
    assert [n.rsplit("_", 1)[1] for n in _versions(out / "bundles")] == ["v1", "v2"]


def test_a_second_scan_finds_refunds_issued_since_the_first_and_captures_nothing_twice(tmp_path: Path, data_dir: Path) -> None:
    full = MockSite()
    since = full.scenario.clock.now - timedelta(hours=6)
    recent = sorted({
        o.po for o in full.scenario.orders for t in o.transactions
        if t.type == TransactionType.CUSTOMER_CARE_REFUND and t.posted_at >= since
    })
    assert len(recent) >= 2, "the default scenario has several refunds in the last 6 hours"
    late = recent[-1]
    # The first scan runs while the late refund does not exist yet; the second, on the same site
    # address later the same day, sees it.
    earlier = full.scenario.model_copy(update={"orders": [o for o in full.scenario.orders if o.po != late]})
    with MockSite(earlier) as first_site:
        port = first_site.port
        out = tmp_path / "out"
        first = _collect(first_site, data_dir, out, scan_since=since.isoformat())
        assert first.exit_code == 0  # type: ignore[attr-defined]
        assert late not in {r.po for r in first.report.refunds}  # type: ignore[attr-defined]
    with MockSite(full.scenario, port=port) as second_site:
        second = _collect(second_site, data_dir, out, scan_since=since.isoformat())
        assert second.exit_code == 0, second.report.failures  # type: ignore[attr-defined]
        assert second.job_id == first.job_id  # type: ignore[attr-defined]  # the same job, scanned again
    assert_every_refund_once(out / "bundles", expected_refunds(full.scenario, recent))


def test_two_collectors_with_overlapping_orders_on_one_folder_bundle_each_refund_once(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    site.set_faults(Faults(latency_ms=150))
    pos = single_refund_pos(site.scenario, 6)
    env = collector_env(site, data_dir)
    out = tmp_path / "out"
    a_pos, b_pos = pos[:4], pos[1:]  # three refunds asked for by both
    procs = [
        subprocess.Popen([sys.executable, "-m", "collector", "collect", *_po_args(chosen), "--out", str(out),
                          "--concurrency", "2", "--progress", "plain"],
                         env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for chosen in (a_pos, b_pos)
    ]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert_every_refund_once(out / "bundles", expected_refunds(site.scenario, pos))


def test_a_run_writes_nothing_into_the_users_home(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {**collector_env(site, data_dir), "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache")}
    pos = single_refund_pos(site.scenario, 1)
    result = run_collector(["collect", *_po_args(pos), "--out", str(tmp_path / "out")], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []


def _drivers() -> set[int]:
    """Playwright's Node.js processes: drivers, and the job's browser server (the workers' thin
    clients have none of their own)."""
    found = subprocess.run(["pgrep", "-f", "playwright/driver/package/cli.js (run-driver|launch-server)"],
                           capture_output=True, text=True)
    return {int(p) for p in found.stdout.split()}


@pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/usr/bin/pgrep").exists(), reason="needs pgrep")
def test_killing_the_collector_leaves_no_browser_driver_behind(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    site.set_faults(Faults(latency_ms=300))
    pos = single_refund_pos(site.scenario, 8)
    before = _drivers()
    proc = subprocess.Popen([sys.executable, "-m", "collector", "collect", *_po_args(pos), "--out", str(tmp_path / "out"),
                             "--concurrency", "3", "--progress", "plain"],
                            env=collector_env(site, data_dir), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    bundles = tmp_path / "out" / "bundles"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:  # until the workers are busy
        if bundles.is_dir() and any(NAME_RE.match(p.name) for p in bundles.iterdir()):
            break
        try:
            proc.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass
    assert proc.poll() is None, "the job finished before it could be killed"
    ours = _drivers() - before
    assert ours, "the collector runs a browser server"
    os.kill(proc.pid, signal.SIGKILL)  # the collector alone, not its process group
    proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _drivers() & ours:
        time.sleep(0.2)  # the test polls the OS; nothing in the product waits like this
    assert not (_drivers() & ours)
