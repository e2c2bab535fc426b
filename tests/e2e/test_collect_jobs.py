"""End to end: `collector collect` against the mock Seller Center (browsers, subprocesses)."""

from __future__ import annotations

import io
import json
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
from evidence.models import TransactionType
from fixtures.site import Faults, MockSite
from tests.e2e.conftest import (
    assert_every_refund_once,
    collector_env,
    expected_refunds,
    run_collector,
    save_signed_in_session,
    settings_for,
    single_refund_pos,
)

pytestmark = pytest.mark.slow


def _po_args(pos: list[str]) -> list[str]:
    return [arg for po in pos for arg in ("--po", po)]


def test_collect_ten_refunds_with_three_workers_writes_verifying_bundles(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    pos = single_refund_pos(site.scenario, 10)
    out = tmp_path / "out"
    result = run_collector(["collect", *_po_args(pos), "--concurrency", "3", "--out", str(out), "--progress", "plain"],
                           collector_env(site, data_dir), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_every_refund_once(out / "bundles", expected_refunds(site.scenario, pos))
    assert (out / "bundles" / "index.html").is_file()
    job_dirs = list((out / "jobs").iterdir())
    report = json.loads((job_dirs[0] / "report.json").read_text())
    assert report["status"] == "completed" and report["orders"]["written"] == 10
    events = {json.loads(line)["event"] for line in (job_dirs[0] / "job.log.jsonl").read_text().splitlines()}
    assert {"job.started", "order.started", "screen.reached", "capture.saved", "job.finished"} <= events
    log_text = (job_dirs[0] / "job.log.jsonl").read_text()
    assert site.scenario.seller.password not in log_text and site.scenario.seller.totp_secret not in log_text
    session_file = data_dir / "sessions" / f"storage-state-127.0.0.1-{site.port}.json"
    assert session_file.stat().st_mode & 0o777 == 0o600
    listed = run_collector(["jobs", "list", "--out", str(out)], collector_env(site, data_dir), tmp_path)
    assert listed.returncode == 0 and job_dirs[0].name in listed.stdout
    shown = run_collector(["jobs", "show", job_dirs[0].name, "--out", str(out), "--json"], collector_env(site, data_dir), tmp_path)
    assert {o["state"] for o in json.loads(shown.stdout)} == {"written"}


def test_killed_job_resumes_and_writes_every_bundle_exactly_once(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    site.set_faults(Faults(latency_ms=150))
    pos = single_refund_pos(site.scenario, 8)
    out = tmp_path / "out"
    args = ["collect", *_po_args(pos), "--concurrency", "2", "--out", str(out), "--progress", "plain"]
    env = collector_env(site, data_dir)
    proc = subprocess.Popen([sys.executable, "-m", "collector", *args], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    bundles = out / "bundles"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if bundles.is_dir() and len([p for p in bundles.iterdir() if p.name[0].isdigit()]) >= 3:
                break
            try:  # poll the file system; nothing here is timed
                proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
        assert proc.poll() is None, "the job finished before it could be killed: make it longer"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the job and its browsers, mid-order
        proc.wait()
    done_before = {p.name for p in bundles.iterdir() if p.name[0].isdigit()}
    assert 3 <= len(done_before) < len(pos)

    site.set_faults(Faults())
    result = run_collector(args, env, tmp_path)  # the same command again: same job, resumed
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Resuming" in result.stdout
    assert_every_refund_once(bundles, expected_refunds(site.scenario, pos))
    assert len(list((out / "jobs").iterdir())) == 1


def test_collect_with_ten_percent_errors_429s_and_latency_loses_nothing(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    # Orders with Inbox attachments included: their downloads meet the 5xx answers too.
    pos = single_refund_pos(site.scenario, 6, attachments_first=True)
    # Several requests per step at 10% errors each: allow more attempts than the default.
    settings = settings_for(site, data_dir, concurrency=3, retry_attempts=8)
    save_signed_in_session(site, settings)
    site.set_faults(Faults(error_rate=0.10, latency_ms=40, jitter_ms=40, rate_limit_every=40, retry_after=1, seed=11))
    result = run_job(settings, JobRequest(orders=InputBatch(pos=pos)), tmp_path / "out",
                     progress=PlainProgress(io.StringIO()))
    assert result.report.status == "completed", result.report.failures
    assert result.report.retries_by_reason.get("server_error", 0) > 0
    assert result.report.retries_by_reason.get("rate_limited", 0) > 0  # 429s waited out, not failed
    assert_every_refund_once(tmp_path / "out" / "bundles", expected_refunds(site.scenario, pos))
    assert site.status_counts[500] + site.status_counts[503] > 0


def test_session_expiry_without_credentials_stops_cleanly_and_resumes_after_login(
    site: MockSite, tmp_path: Path, data_dir: Path
) -> None:
    pos = single_refund_pos(site.scenario, 5)
    out = tmp_path / "out"
    settings = settings_for(site, data_dir, credentials=False, concurrency=2)
    save_signed_in_session(site, settings)
    site.set_faults(Faults(expire_after_requests=30))  # fewer than the job needs (about 7 a order + the Inbox walk)
    first = run_job(settings, JobRequest(orders=InputBatch(pos=pos)), out, progress=PlainProgress(io.StringIO()))
    assert first.exit_code == 1
    assert first.message is not None and "run `collector login`" in first.message
    assert f"--resume {first.job_id}" in first.message
    assert first.report.status == "stopped"
    assert first.report.orders["failed"] == 0  # stopped, not failed: nothing is lost
    assert first.report.orders["written"] < len(pos)

    site.set_faults(Faults())
    save_signed_in_session(site, settings)  # the operator ran `collector login`
    resumed = run_job(settings, JobRequest(resume=first.job_id), out, progress=PlainProgress(io.StringIO()))
    assert resumed.exit_code == 0, resumed.report.failures
    assert_every_refund_once(out / "bundles", expected_refunds(site.scenario, pos))


def test_session_expiry_with_credentials_signs_in_again_and_finishes(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    pos = single_refund_pos(site.scenario, 4)
    settings = settings_for(site, data_dir, concurrency=2)
    site.set_faults(Faults(expire_after_requests=25))
    result = run_job(settings, JobRequest(orders=InputBatch(pos=pos)), tmp_path / "out",
                     progress=PlainProgress(io.StringIO()))
    assert result.exit_code == 0, result.report.failures
    assert result.report.session_renewals >= 1
    assert_every_refund_once(tmp_path / "out" / "bundles", expected_refunds(site.scenario, pos))


def test_an_order_older_than_90_days_fails_with_a_reason_and_a_snapshot(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    old = next(o.po for o in site.scenario.orders if "older_than_90_days" in o.tags)
    good = single_refund_pos(site.scenario, 1)
    result = run_job(settings_for(site, data_dir), JobRequest(orders=InputBatch(pos=[old, *good])), tmp_path / "out",
                     progress=PlainProgress(io.StringIO()))
    assert result.exit_code == 1
    (failure,) = result.report.failures
    assert failure.po == old and "90" in failure.reason
    assert failure.snapshot is not None and Path(failure.snapshot).is_file()
    assert result.report.orders["written"] == 1


def test_scan_since_collects_the_customer_care_refunds_issued_since_then(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    since = site.scenario.clock.now - timedelta(hours=6)
    recent = {
        o.po
        for o in site.scenario.orders
        for t in o.transactions
        if t.type == TransactionType.CUSTOMER_CARE_REFUND and t.posted_at >= since
    }
    result = run_job(settings_for(site, data_dir, concurrency=2),
                     JobRequest(scan_since=since.isoformat()), tmp_path / "out",
                     progress=PlainProgress(io.StringIO()))
    assert result.exit_code == 0, result.report.failures
    assert {o for o in recent} == {r.po for r in result.report.refunds}
    assert_every_refund_once(tmp_path / "out" / "bundles", expected_refunds(site.scenario, recent))
