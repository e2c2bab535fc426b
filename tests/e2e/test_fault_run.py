"""End to end under the fault campaign that used to leave orders failed: a generated scenario of
100+ orders, 10% 5xx, 300 ms jitter, 2% dropped connections, a 429 every 50 requests and sessions
dying every 400 requests. Every Customer Care refund must be bundled in one run, none twice."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from collector.inputs import InputBatch
from collector.jobs import JobRequest, run_job
from collector.progress import PlainProgress
from fixtures.scenarios.generate import cc_refund_pos, expected_cc_refunds, generate_scenario
from fixtures.site import Faults, MockSite
from tests.e2e.conftest import assert_every_refund_once, settings_for

pytestmark = pytest.mark.slow

CAMPAIGN = Faults(error_rate=0.10, jitter_ms=300, drop_rate=0.02, rate_limit_every=50, retry_after=1,
                  expire_after_requests=400, seed=17)


@pytest.mark.timeout(1200)  # about 4 min on a quiet 2-core machine; the default 300 s is too tight under load
def test_a_hundred_orders_under_faults_are_all_bundled_in_one_run(tmp_path: Path) -> None:
    scenario = generate_scenario(110, seed=3)
    pos = cc_refund_pos(scenario)
    assert len(pos) >= 90
    with MockSite(scenario, faults=CAMPAIGN) as site:
        settings = settings_for(site, tmp_path / "data", concurrency=3)
        result = run_job(settings, JobRequest(orders=InputBatch(pos=pos)), tmp_path / "out",
                         progress=PlainProgress(io.StringIO()))
        faults_seen = site.status_counts
    assert result.exit_code == 0, [f.model_dump() for f in result.report.failures]
    assert result.report.orders["failed"] == 0
    assert faults_seen[429] > 0 and faults_seen[500] + faults_seen[503] > 0 and faults_seen[0] > 0  # the faults happened
    assert result.report.session_renewals >= 1
    assert_every_refund_once(tmp_path / "out" / "bundles", expected_cc_refunds(scenario))
