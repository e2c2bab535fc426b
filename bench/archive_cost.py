"""Measurement: what the web archives (``archive`` setting) cost `collect`, in time and bytes.

Runs the mock Seller Center in this process (with simulated latency on every page and API answer)
and the same collect job on the same POs with archives on and off, in alternating order for
``--rounds`` rounds (after one warm-up job that is not counted). For each job it reports the wall
and job seconds, the bundles' bytes and the archives' share of them, and the time the workers
spent in the archive code itself (``TrafficRecorder.screen``: reading answer bodies from the
browser; ``build_archive``: scrub, WARC, index, WACZ), measured by wrapping those two functions.

The in-code time is the steady figure on a shared machine; the wall times move with the load.

Usage::

    .venv/bin/python bench/archive_cost.py [--orders 12] [--rounds 4] [--latency-ms 200] [--concurrency 2]
        [--work DIR] [--json results.json]

It is a measurement, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import collector.archive as archive  # noqa: E402
import collector.workers as workers  # noqa: E402
from collector.demo import demo_pos  # noqa: E402
from collector.inputs import InputBatch  # noqa: E402
from collector.jobs import JobRequest, run_job  # noqa: E402
from collector.progress import PlainProgress  # noqa: E402
from collector.session import write_private  # noqa: E402
from collector.settings import load_settings  # noqa: E402
from fixtures.site import Faults, MockSite  # noqa: E402

SPENT = {"bodies": 0.0, "build": 0.0}


def _timed(fn: Any, key: str) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[key] += time.perf_counter() - start

    return wrapper


def _job(site: MockSite, out: Path, pos: list[str], concurrency: int, on: bool) -> dict[str, Any]:
    seller = site.scenario.seller
    settings = load_settings(base_url=site.url, data_dir=out / "data", seller_timezone=seller.timezone,
                             email=seller.login_email, password=seller.password, totp_secret=seller.totp_secret,
                             concurrency=concurrency, archive=on)
    write_private(settings.session_path, json.dumps(site.storage_state()).encode())
    SPENT.update(bodies=0.0, build=0.0)
    start = time.perf_counter()
    result = run_job(settings, JobRequest(orders=InputBatch(pos=pos)), out / "out", progress=PlainProgress(io.StringIO()))
    wall = time.perf_counter() - start
    bundles = [p for p in (out / "out" / "bundles").iterdir() if p.is_dir()]
    size = sum(f.stat().st_size for b in bundles for f in b.rglob("*") if f.is_file())
    wacz = sum(f.stat().st_size for b in bundles for f in b.glob("captures/archive.wacz"))
    return {"archive": on, "exit": result.exit_code, "wall_s": round(wall, 2), "job_s": round(result.report.duration_s, 2),
            "bundles": len(bundles), "bytes": size, "archive_bytes": wacz,
            "in_archive_code_s": round(SPENT["bodies"] + SPENT["build"], 3),
            "bodies_s": round(SPENT["bodies"], 3), "build_s": round(SPENT["build"], 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--work", type=Path, help="keep every job's output here")
    parser.add_argument("--json", type=Path)
    ns = parser.parse_args(argv)
    archive.TrafficRecorder.screen = _timed(archive.TrafficRecorder.screen, "bodies")  # type: ignore[method-assign]
    workers.build_archive = _timed(workers.build_archive, "build")
    work = ns.work or Path(tempfile.mkdtemp(prefix="archive-cost-"))
    rows: list[dict[str, Any]] = []
    with MockSite(faults=Faults(latency_ms=ns.latency_ms)) as site:
        pos = demo_pos(site.scenario)[: ns.orders]
        _job(site, work / "warm-up", pos[:2], ns.concurrency, True)
        for r in range(ns.rounds):
            for on in (True, False) if r % 2 == 0 else (False, True):
                row = {"round": r, **_job(site, work / f"r{r}-{'on' if on else 'off'}", pos, ns.concurrency, on)}
                rows.append(row)
                print(json.dumps(row), flush=True)
    summary: dict[str, Any] = {}
    for on in (True, False):
        mine = [row for row in rows if row["archive"] is on]
        summary["on" if on else "off"] = {k: statistics.median(row[k] for row in mine) for k in ("wall_s", "job_s", "bytes")}
    on_rows = [row for row in rows if row["archive"]]
    summary["paired_job_ratios"] = [
        round(a["job_s"] / b["job_s"], 3) for a in on_rows for b in rows if not b["archive"] and b["round"] == a["round"]
    ]
    summary["in_archive_code_share_of_worker_time"] = [
        round(row["in_archive_code_s"] / (row["job_s"] * ns.concurrency), 4) for row in on_rows
    ]
    print(json.dumps(summary, indent=2))
    if ns.json:
        ns.json.write_text(json.dumps({"rows": rows, "summary": summary}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
