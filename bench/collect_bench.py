"""Benchmark: orders per minute and peak memory of `collector collect` at several concurrencies.

Runs the mock Seller Center (default scenario) in a child process with simulated latency, then
for each concurrency runs `collector collect` as a subprocess on the same POs into a fresh
output folder, and reports:

- orders/min: orders written / the job's own duration (``report.json`` ``duration_s``: from the
  first worker start to the index; excludes Python start-up and the session check), and the
  same over the wall-clock time of the whole command;
- peak memory of the process tree (the collector and every Chromium process under it), sampled
  from /proc/<pid>/smaps_rollup every 100 ms (Linux only): the RSS sum (overstates: shared
  pages count once per process) and the PSS sum (shared pages split between their users).

Usage::

    .venv/bin/python bench/collect_bench.py [--orders 16] [--latency-ms 150] [--concurrency 1 2 4 8]
        [--json bench-results.json]

It is a measurement, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SITE_SCRIPT = """
import sys
from fixtures.site import Faults, MockSite
site = MockSite(faults=Faults(latency_ms=int(sys.argv[1])))
print(site.start(), flush=True)
sys.stdin.read()  # run until the parent closes our stdin
site.stop()
"""


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out.append(int(entry.name))
    return out


def process_memory(pid: int) -> tuple[int, int] | None:
    """(RSS, PSS) of one process in bytes, from /proc/<pid>/smaps_rollup; None when it is gone."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except OSError:
        return None
    return rss, pss


def process_tree(root: int) -> Iterator[tuple[int, int, int]]:
    """(pid, RSS, PSS) of ``root`` and every live descendant."""
    todo, seen = [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        memory = process_memory(pid)
        if memory is None:
            continue
        yield pid, *memory
        todo.extend(_children(pid))


def tree_memory_bytes(root: int) -> tuple[int, int]:
    """(RSS, PSS) of ``root`` and all its descendants, in bytes.

    RSS summed over processes counts shared pages (Chromium's libraries, shared memory) once per
    process, so it overstates; PSS splits each shared page between the processes sharing it, so
    the sum is what the tree really holds. Both are reported.
    """
    rss = pss = 0
    for _, p_rss, p_pss in process_tree(root):
        rss, pss = rss + p_rss, pss + p_pss
    return rss, pss


class PeakSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = 0
        self.peak_pss = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            rss, pss = tree_memory_bytes(self.pid)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.done.wait(0.1)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def run(concurrency: int, pos: list[str], env: dict[str, str], work: Path) -> dict[str, object]:
    out = work / f"out-c{concurrency}"
    args = [sys.executable, "-m", "collector", "collect", "--out", str(out), "--concurrency", str(concurrency),
            "--progress", "plain", *[a for po in pos for a in ("--po", po)]]
    started = time.monotonic()
    proc = subprocess.Popen(args, env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = PeakSampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.monotonic() - started
    sampler.done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"collect at concurrency {concurrency} failed ({proc.returncode}):\n{stdout[-2000:]}\n{stderr[-2000:]}")
    report = json.loads(next((out / "jobs").glob("*/report.json")).read_text())
    written = report["orders"]["written"]
    return {
        "concurrency": concurrency,
        "orders": written,
        "refunds": report["refunds_written"],
        "job_s": report["duration_s"],
        "wall_s": round(wall, 1),
        "orders_per_min": round(written / report["duration_s"] * 60, 1),
        "orders_per_min_wall": round(written / wall * 60, 1),
        "peak_rss_mib": round(sampler.peak_rss / 1024 / 1024),
        "peak_pss_mib": round(sampler.peak_pss / 1024 / 1024),
        "retries": report["retries_by_reason"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=16)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--json", type=Path)
    ns = parser.parse_args()

    sys.path.insert(0, str(REPO))
    from collector.demo import demo_pos
    from fixtures.site import default_scenario

    scenario = default_scenario()
    pos = demo_pos(scenario)[: ns.orders]
    site = subprocess.Popen([sys.executable, "-c", SITE_SCRIPT, str(ns.latency_ms)], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = site.stdout.readline().strip()  # type: ignore[union-attr]
        with tempfile.TemporaryDirectory(prefix="collect-bench-") as tmp:
            work = Path(tmp)
            seller = scenario.seller
            env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTOR_")}
            env.update({
                "COLLECTOR_BASE_URL": url, "COLLECTOR_DATA_DIR": str(work / "data"),
                "COLLECTOR_EMAIL": seller.login_email, "COLLECTOR_PASSWORD": seller.password,
                "COLLECTOR_TOTP_SECRET": seller.totp_secret, "COLLECTOR_SELLER_TIMEZONE": seller.timezone,
            })
            rows = []
            for c in ns.concurrency:
                row = run(c, pos, env, work)
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        site.stdin.close()  # type: ignore[union-attr]
        site.wait(timeout=30)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "latency_ms": ns.latency_ms,
        "orders": len(pos),
        "rows": rows,
    }
    print()
    print(f"{result['date']} - {result['machine']}; mock latency {ns.latency_ms} ms; {len(pos)} orders")
    print("| concurrency | orders/min (job) | orders/min (wall) | job s | wall s | peak RSS sum (MiB) | peak PSS (MiB) | retries |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['concurrency']} | {r['orders_per_min']} | {r['orders_per_min_wall']} | {r['job_s']} | "
              f"{r['wall_s']} | {r['peak_rss_mib']} | {r['peak_pss_mib']} | {r['retries'] or '-'} |")
    if ns.json:
        ns.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
