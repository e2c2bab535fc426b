"""With more workers than Inbox tabs, the first workers walk the Inbox before their first order
while the others start theirs (else every worker reaches its first thread together and most of
them wait for the walk). Read from the job's log: who read the list pages, and when."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from collector.inputs import InputBatch
from collector.jobs import JobRequest, run_job
from collector.progress import PlainProgress
from fixtures.site import MockSite
from tests.e2e.conftest import save_signed_in_session, settings_for, single_refund_pos

pytestmark = pytest.mark.slow


def _events(site: MockSite, tmp_path: Path, concurrency: int, orders: int, job_id: str | None = None) -> list[dict[str, object]]:
    settings = settings_for(site, tmp_path / "data", concurrency=concurrency)
    save_signed_in_session(site, settings)
    result = run_job(settings, JobRequest(orders=InputBatch(pos=single_refund_pos(site.scenario, orders)), job_id=job_id),
                     tmp_path / "out", progress=PlainProgress(io.StringIO()))
    assert result.exit_code == 0, result.report.failures
    return [json.loads(line) for line in (result.job_dir / "job.log.jsonl").read_text().splitlines()]


def test_with_four_workers_two_walk_the_inbox_first_and_two_start_their_orders(site: MockSite, tmp_path: Path) -> None:
    events = _events(site, tmp_path, concurrency=4, orders=6)
    walked = [e for e in events if e["event"] == "inbox.page_read"]
    assert walked and {e["worker"] for e in walked} == {1, 2}  # a tab each, in a chain
    assert {(e["tab"], e["page"]) for e in walked} == {(e["tab"], n) for e in walked for n in range(1, int(e["pages"]) + 1)}
    first_screen = {w: next(i for i, e in enumerate(events) if e["event"] == "screen.reached" and e.get("worker") == w)
                    for w in (1, 2)}
    last_page = max(i for i, e in enumerate(events) if e["event"] == "inbox.page_read")
    assert first_screen[1] > last_page and first_screen[2] > last_page  # the walkers' orders come after it

    again = _events(site, tmp_path, concurrency=4, orders=6, job_id="again")  # a new job, same orders
    assert not [e for e in again if e["event"] == "inbox.page_read"]  # all bundled: no Inbox walked


def test_with_as_many_workers_as_tabs_the_orders_come_first(site: MockSite, tmp_path: Path) -> None:
    events = _events(site, tmp_path, concurrency=2, orders=2)
    first_read = min(i for i, e in enumerate(events) if e["event"] == "inbox.page_read")
    first_screens = [i for i, e in enumerate(events) if e["event"] == "screen.reached"]
    assert first_screens[0] < first_read  # a search answer before any list page
