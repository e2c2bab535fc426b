"""End to end: two ``collect`` processes for one seller account, one request budget.

Both run ``collector --account acme collect`` on overlapping POs and the same output folder (they
share the orders: each refund is bundled once) with the account's ``requests_per_minute`` and a
``database_url``: the budget is a PostgreSQL row both take from. Counted from the mock's request
log: over every stretch of the run, the two processes together sent no more than the bucket
allows (its burst plus the rate times the stretch), allowing only for the requests the limiter
does not see (counted as the log's total less the tokens both reports say were taken).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from collector.session import write_private
from collector.settings import load_settings
from fixtures.site import MockSite
from tests.e2e.conftest import assert_every_refund_once, collector_env, expected_refunds, single_refund_pos

pytestmark = pytest.mark.slow

PER_MINUTE = 300  # 5 a second; the bucket holds 5


def _largest_excess(times: list[float], per_second: float) -> float:
    """max over every stretch [i, j] of (requests in it - rate x its length): the burst it needed."""
    worst = 0.0
    for i in range(len(times)):
        for j in range(i, len(times)):
            worst = max(worst, (j - i + 1) - per_second * (times[j] - times[i]))
    return worst


def test_two_processes_of_one_account_keep_to_its_budget(site: MockSite, tmp_path: Path, database_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    accounts = tmp_path / "accounts.toml"
    accounts.write_text(f'[[account]]\nname = "acme"\nbase_url = "{site.url}"\nrequests_per_minute = {PER_MINUTE}\n'
                        f'seller_timezone = "{site.scenario.seller.timezone}"\nout = "shared-out"\n')
    env = collector_env(site, tmp_path / "data")
    env.update({"COLLECTOR_ACCOUNTS_FILE": str(accounts), "COLLECTOR_DATABASE_URL": database_url})
    for key, value in env.items():
        if key.startswith("COLLECTOR_"):
            monkeypatch.setenv(key, value)
    settings = load_settings(account="acme")
    write_private(settings.session_path, json.dumps(site.storage_state()).encode())  # signed in, as after login
    pos = single_refund_pos(site.scenario, 6)
    before = len(site.request_log)
    args = [sys.executable, "-m", "collector", "--account", "acme", "collect", "--no-archive", "--progress", "plain",
            "--concurrency", "2"]
    # two jobs (other inputs, so other job ids) on one folder, two orders in common
    procs = [subprocess.Popen([*args, *[a for po in part for a in ("--po", po)]], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for part in (pos[:4], pos[2:])]
    outputs = [p.communicate(timeout=240) for p in procs]
    for proc, (_, err) in zip(procs, outputs):
        assert proc.returncode == 0, err[-2000:]
    out = tmp_path / "shared-out"
    assert_every_refund_once(out / "bundles", expected_refunds(site.scenario, pos))
    reports = [json.loads(p.read_text()) for p in (out / "jobs").glob("*/report.json")]
    assert len(reports) == 2
    tokens = sum(r["requests"] for r in reports)
    sent = [r for r in site.request_log[before:] if r.outcome != "static" and r.path != "/favicon.ico"]
    # Not paid to the limiter: each job's session check (GET /home, GET /api/me), and any requests
    # beyond the tokens taken (a token is a lower estimate of a step's requests; it may be more).
    unseen = 2 * len(procs) + max(0, len(sent) - tokens)
    burst = PER_MINUTE / 60  # the bucket's size at this rate (RateLimiter: rate per second, 1-10)
    excess = _largest_excess(sorted(r.at for r in sent), PER_MINUTE / 60)
    print(f"requests {len(sent)}, tokens {tokens}, largest burst {excess:.1f} (allowed {burst + unseen + 1:.0f})")
    assert excess <= burst + unseen + 1, f"the two processes together went over the account's budget: {excess:.1f}"
    assert len(sent) > 4 * (burst + unseen), "enough requests for the budget to matter"
