"""Benchmark: the collector against references (naive clicking, the floor), in one run.

One mock Seller Center (``bench/mock_site.py``: its own process, latency on every page and API
answer, static files undelayed) and one list of orders; then, one after the other:

- ``naive``: ``bench/naive.py``, what a person clicks through (one page, sequential);
- ``floor1`` / ``floor4``: ``bench/floor.py --pages 1|4``, the collector's captures with every URL
  known and no bookkeeping;
- ``c1`` / ``c4``: ``collector collect --concurrency 1|4`` (bundles, index, everything).

Every run starts signed in from the same saved session (a storage state made by the site: the
collector gets it as its saved session, so it checks it and does not sign in) and runs as a
subprocess whose process tree is sampled for memory (RSS and PSS sums, every 100 ms, as in
``collect_bench.py``). Requests are counted from the site's own log between the run's start and
end: page + API requests (static files and Chromium's ``/favicon.ico`` are listed apart).

    .venv/bin/python bench/compare.py [--orders 16] [--latency-ms 200] [--runs naive floor1 floor4 c1 c4]
        [--repeat 3] [--work DIR] [--json results.json]

``BENCH_COLLECTOR_<NAME>=value`` in the environment sets the collector's ``COLLECTOR_<NAME>`` for
the c1/c4 runs (a what-if: ``BENCH_COLLECTOR_SHARED_BROWSER=false``, a browser per worker).

``--repeat N`` runs all of them N times (every other round in reverse order) and reports the
median time of each and its highest memory peak, with each round's ratios: on a shared machine
the load changes from minute to minute, and one round can be off by 50%. ``--work DIR`` keeps
every run's output (bundles, job logs, the references' PNG + HTML files).

``--scale``: a generated scenario (``generate_scenario(500, seed=1)`` written to a temporary
JSON; the mock started with it) and ``collector collect --concurrency 4`` on its first 50
Customer Care refund orders, then on all of them (about 425; fewer when the 50-order run says
all of them would take longer than ``--scale-max-minutes``, default 25: then 300): per-order time
and peak PSS at both sizes, and their ratio.

    .venv/bin/python bench/compare.py --scale [--scale-orders 500] [--scale-small 50] [--json scale.json]

It is a measurement, not a test: it prints the figures and the ratios against the targets of
docs/performance.md and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from collect_bench import machine, process_tree  # noqa: E402

RUNS = ("naive", "floor1", "floor4", "c1", "c4")
MIB = 1024 * 1024


# ----------------------------------------------------------------------------- the site


class Site:
    """``bench/mock_site.py`` in a child process; commands over its stdin (see that file)."""

    def __init__(self, latency_ms: int, scenario: Path | None = None) -> None:
        args = [sys.executable, str(HERE / "mock_site.py"), "--latency-ms", str(latency_ms)]
        if scenario is not None:
            args += ["--scenario", str(scenario)]
        self.proc = subprocess.Popen(args, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self._read()

    def _read(self) -> str:
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise SystemExit("the mock site did not start")
        return line.strip()

    def ask(self, command: str) -> Any:
        self.proc.stdin.write(command + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return json.loads(self._read())

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(timeout=30)


def kind_of(method: str, path: str) -> str:
    """A request's kind for the counts: the path with ids replaced, and its query's keys."""
    base, _, query = path.partition("?")
    base = re.sub(r"/inbox/attachments/.+", "/inbox/attachments/<id>/<n>", base)
    base = re.sub(r"^(/api)?/(transactions|returns|disputes|inbox/threads)/[^/]+$", r"\1/\2/<id>", base)
    keys = "&".join(sorted(k.split("=")[0] for k in query.split("&") if k))
    return f"{method} {base}" + (f"?{keys}" if keys else "")


def count_requests(log: Iterable[list[Any]]) -> dict[str, Any]:
    """Page + API requests (static files and the favicon apart), by kind."""
    by_kind: Counter[str] = Counter()
    static = favicon = failed = 0
    for method, path, status, is_static in log:
        if is_static:
            static += 1
            continue
        if path.split("?")[0] == "/favicon.ico":
            favicon += 1
            continue
        by_kind[kind_of(method, path)] += 1
        if status == 0 or status >= 500 or status == 429:
            failed += 1
    return {"page_api": sum(by_kind.values()), "static": static, "favicon": favicon, "failed": failed,
            "by_kind": dict(sorted(by_kind.items()))}


# ----------------------------------------------------------------------------- memory


def process_kind(pid: int) -> str:
    """What a process of the tree is: python, the Playwright driver (node), or a Chromium part."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return "gone"
    # Chromium rewrites its children's command line as one string: split on spaces too.
    args = raw.replace("\0", " ").split()
    exe = Path(args[0]).name if args else "?"
    if "python" in exe:
        return "python"
    if exe == "node":
        return "node (Playwright driver)"
    kind = next((a.removeprefix("--type=") for a in args if a.startswith("--type=")), None)
    if kind:
        return f"chromium {kind}"
    return "chromium browser" if "chrom" in exe else exe


def tree_breakdown(root: int) -> tuple[int, int, dict[str, list[int]]]:
    """(RSS sum, PSS sum, {kind: [processes, PSS bytes]}) of ``root`` and its descendants."""
    rss = pss = 0
    kinds: dict[str, list[int]] = {}
    for pid, p_rss, p_pss in process_tree(root):
        rss, pss = rss + p_rss, pss + p_pss
        entry = kinds.setdefault(process_kind(pid), [0, 0])
        entry[0] += 1
        entry[1] += p_pss
    return rss, pss, kinds


class PeakSampler(threading.Thread):
    """The peak RSS and PSS sums of a process tree (every 100 ms), and what held the PSS peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = self.peak_pss = 0
        self.at_peak: dict[str, list[int]] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            rss, pss, kinds = tree_breakdown(self.pid)
            self.peak_rss = max(self.peak_rss, rss)
            if pss > self.peak_pss:
                self.peak_pss, self.at_peak = pss, kinds
            self.done.wait(0.1)

    def breakdown(self) -> dict[str, str]:
        """{kind: "N x, M MiB"} at the PSS peak, largest first."""
        items = sorted(self.at_peak.items(), key=lambda kv: -kv[1][1])
        return {k: f"{n} x, {round(b / MIB)} MiB" for k, (n, b) in items}


# ----------------------------------------------------------------------------- runs


def loadavg() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return -1.0


def measure(args: list[str], env: dict[str, str], cwd: Path, site: Site, timeout: float) -> dict[str, Any]:
    """Run one command; its wall time, peak memory, stdout and the site's requests meanwhile."""
    mark = site.ask("mark")
    load_before = loadavg()
    started = time.monotonic()
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = PeakSampler(proc.pid)
    sampler.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        raise SystemExit(f"{args[:4]} took longer than {timeout} s:\n{stdout[-2000:]}\n{stderr[-2000:]}") from None
    wall = time.monotonic() - started
    sampler.done.set()
    sampler.join()
    requests = count_requests(site.ask(f"log {mark}"))
    return {"returncode": proc.returncode, "stdout": stdout, "stderr": stderr, "wall_s": round(wall, 1),
            "peak_rss_mib": round(sampler.peak_rss / MIB), "peak_pss_mib": round(sampler.peak_pss / MIB),
            "pss_at_peak": sampler.breakdown(), "load_before": load_before, "load_after": loadavg(), "requests": requests}


def collector_env(site: Site, scenario: Any, data_dir: Path, state: dict[str, Any]) -> dict[str, str]:
    """The collector's environment, with the shared signed-in session saved as its own."""
    from collector.session import write_private
    from collector.settings import load_settings

    seller = scenario.seller
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTOR_")}
    env.update({
        "COLLECTOR_BASE_URL": site.url, "COLLECTOR_DATA_DIR": str(data_dir),
        "COLLECTOR_EMAIL": seller.login_email, "COLLECTOR_PASSWORD": seller.password,
        "COLLECTOR_TOTP_SECRET": seller.totp_secret, "COLLECTOR_SELLER_TIMEZONE": seller.timezone,
    })
    # BENCH_COLLECTOR_X=v sets the collector's COLLECTOR_X for a what-if run (e.g. SHARED_BROWSER=false)
    env.update({k.removeprefix("BENCH_"): v for k, v in os.environ.items() if k.startswith("BENCH_COLLECTOR_")})
    settings = load_settings(base_url=site.url, data_dir=data_dir, seller_timezone=seller.timezone)
    write_private(settings.session_path, json.dumps(state).encode())
    return env


def run_reference(name: str, site: Site, pos: list[str], work: Path, state_file: Path, scenario_file: Path | None,
                  timeout: float, tag: str = "") -> dict[str, Any]:
    tag = tag or name
    pos_file = work / f"{tag}.pos"
    pos_file.write_text("\n".join(pos) + "\n")
    script = "naive.py" if name == "naive" else "floor.py"
    args = [sys.executable, str(HERE / script), "--url", site.url, "--storage-state", str(state_file),
            "--pos-file", str(pos_file), "--out", str(work / f"out-{tag}")]
    if name.startswith("floor"):
        args += ["--pages", name.removeprefix("floor")]
        if scenario_file is not None:
            args += ["--scenario", str(scenario_file)]
    m = measure(args, dict(os.environ), work, site, timeout)
    lines = [ln for ln in m["stdout"].splitlines() if ln.startswith("{")]
    if m["returncode"] != 0 or not lines:
        raise SystemExit(f"{name} failed ({m['returncode']}):\n{m['stdout'][-3000:]}\n{m['stderr'][-3000:]}")
    out = json.loads(lines[-1])
    return {"run": name, "orders": out["orders"], "screens": out["screens"], "work_s": out["work_s"],
            "retries": {}, **_common(m, out["orders"])}


def run_collector(name: str, concurrency: int, site: Site, pos: list[str], work: Path, scenario: Any,
                  state: dict[str, Any], timeout: float, tag: str = "") -> dict[str, Any]:
    tag = tag or name
    out = work / f"out-{tag}"
    env = collector_env(site, scenario, work / f"data-{tag}", state)
    pos_file = work / f"{tag}.pos"
    pos_file.write_text("\n".join(pos) + "\n")
    args = [sys.executable, "-m", "collector", "collect", "--out", str(out), "--concurrency", str(concurrency),
            "--progress", "plain", "--orders", str(pos_file)]
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    m = measure(args, env, work, site, timeout)
    reports = list((out / "jobs").glob("*/report.json"))
    if m["returncode"] != 0 or not reports:
        raise SystemExit(f"{name} failed ({m['returncode']}):\n{m['stdout'][-3000:]}\n{m['stderr'][-3000:]}")
    report = json.loads(reports[0].read_text())
    screens = 0
    for log in (out / "jobs").glob("*/job.log.jsonl"):
        screens += sum('"capture.saved"' in line for line in log.read_text().splitlines())
    written = report["orders"]["written"]
    row = {"run": name, "orders": written, "screens": screens, "work_s": report["duration_s"],
           "retries": report.get("retries_by_reason") or {}, "refunds": report.get("refunds_written"),
           "collector_site_requests": report.get("site_requests"), **_common(m, written)}
    if written != len(pos):
        row["problem"] = f"{len(pos) - written} orders not written: {report['orders']}"
    return row


def _common(m: dict[str, Any], orders: int) -> dict[str, Any]:
    req = m["requests"]
    return {
        "wall_s": m["wall_s"],
        "orders_per_min": round(orders / m["wall_s"] * 60, 1) if m["wall_s"] else None,
        "requests": req["page_api"],
        "requests_per_order": round(req["page_api"] / orders, 2) if orders else None,
        "requests_by_kind": req["by_kind"],
        "static": req["static"], "favicon": req["favicon"], "failed": req["failed"],
        "peak_rss_mib": m["peak_rss_mib"], "peak_pss_mib": m["peak_pss_mib"], "pss_at_peak": m["pss_at_peak"],
        "load_before": m["load_before"], "load_after": m["load_after"],
    }


# ----------------------------------------------------------------------------- report


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def verdict(value: float | None, limit: float, at_most: bool = True) -> str:
    if value is None:
        return "n/a"
    ok = value <= limit if at_most else value >= limit
    return "met" if ok else "NOT met"


def compare_ratios(rows: dict[str, dict[str, Any]]) -> list[tuple[str, float | None, str, str]]:
    """(what, value, target, verdict) for each target that the runs measured allow."""
    g = lambda run, key: rows.get(run, {}).get(key)  # noqa: E731
    out = []
    r = ratio(g("c4", "wall_s"), g("floor4", "wall_s"))
    out.append(("collector c4 / floor 4 pages (wall s)", r, "<= 1.3", verdict(r, 1.3)))
    r = ratio(g("c4", "work_s"), g("floor4", "work_s"))
    out.append(("  same, job time (collector duration_s / floor work_s)", r, "(info)", "-"))
    r = ratio(g("c1", "wall_s"), g("floor1", "wall_s"))
    out.append(("collector c1 / floor 1 page (wall s)", r, "<= 1.3", verdict(r, 1.3)))
    r = ratio(g("c1", "work_s"), g("floor1", "work_s"))
    out.append(("  same, job time", r, "(info)", "-"))
    r = ratio(g("naive", "wall_s"), g("c4", "wall_s"))
    out.append(("naive / collector c4 (wall s): speed-up", r, ">= 2", verdict(r, 2, at_most=False)))
    r = ratio(g("c4", "requests_per_order"), g("floor4", "requests_per_order"))
    out.append(("collector c4 requests/order / floor 4's", r, "<= 1.1", verdict(r, 1.1)))
    r = ratio(g("c1", "requests_per_order"), g("floor1", "requests_per_order"))
    out.append(("collector c1 requests/order / floor 1's", r, "<= 1.1", verdict(r, 1.1)))
    p = g("c4", "peak_pss_mib")
    out.append(("collector c4 peak PSS (MiB)", p, "<= 1000", verdict(p, 1000)))
    if g("c4", "peak_pss_mib") and g("c1", "peak_pss_mib"):
        per = round((g("c4", "peak_pss_mib") - g("c1", "peak_pss_mib")) / 3)
        out.append(("collector PSS per extra worker (c4 - c1) / 3 (MiB)", per, "(info)", "-"))
    if g("floor4", "peak_pss_mib") and g("floor1", "peak_pss_mib"):
        per = round((g("floor4", "peak_pss_mib") - g("floor1", "peak_pss_mib")) / 3)
        out.append(("floor PSS per extra page (floor4 - floor1) / 3 (MiB)", per, "(info)", "-"))
    return out


def print_table(rows: list[dict[str, Any]], repeat: bool = False) -> None:
    print(("| round " if repeat else "") + "| run | orders | screens | wall s | job/work s | orders/min (wall) | page+API req | req/order "
          "| peak RSS sum (MiB) | peak PSS (MiB) | load 1m before/after | retries |")
    print(("|---:" if repeat else "") + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        print((f"| {r['repeat']} " if repeat else "") + f"| {r['run']} | {r['orders']} | {r['screens']} | {r['wall_s']} | {r['work_s']} | {r['orders_per_min']} "
              f"| {r['requests']} | {r['requests_per_order']} | {r['peak_rss_mib']} | {r['peak_pss_mib']} "
              f"| {r['load_before']:.1f} / {r['load_after']:.1f} | {r['retries'] or '-'} |")


def print_breakdown(rows: list[dict[str, Any]]) -> None:
    print("What held the PSS at its peak:")
    print()
    for r in rows:
        print(f"- {r['run']} ({r['peak_pss_mib']} MiB): " + "; ".join(f"{k} {v}" for k, v in r["pss_at_peak"].items()))


def print_kinds(rows: list[dict[str, Any]]) -> None:
    kinds = sorted({k for r in rows for k in r["requests_by_kind"]})
    print("| request kind | " + " | ".join(r["run"] for r in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for k in kinds:
        print(f"| `{k}` | " + " | ".join(str(r["requests_by_kind"].get(k, 0)) for r in rows) + " |")
    print("| (static files) | " + " | ".join(str(r["static"]) for r in rows) + " |")
    print("| (`/favicon.ico`, not counted) | " + " | ".join(str(r["favicon"]) for r in rows) + " |")


# ----------------------------------------------------------------------------- modes


@contextmanager
def _work_dir(keep: Path | None, prefix: str) -> Iterator[Path]:
    """``keep`` (created, left in place) or a temporary folder removed at the end."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def summarize(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One line per run over the repeats: median times and rates, the highest memory peaks."""
    out = dict(rows[0])
    for key in ("wall_s", "work_s", "orders_per_min", "load_before", "load_after"):
        out[key] = round(statistics.median(r[key] for r in rows), 1)
    for key in ("peak_rss_mib", "peak_pss_mib"):
        out[key] = max(r[key] for r in rows)
    out["pss_at_peak"] = max(rows, key=lambda r: r["peak_pss_mib"])["pss_at_peak"]
    out["wall_s_all"] = [r["wall_s"] for r in rows]
    out["retries"] = dict(sum((Counter(r["retries"]) for r in rows), Counter()))
    out["requests_all"] = sorted({r["requests"] for r in rows})
    return out


def compare(ns: argparse.Namespace) -> dict[str, Any]:
    from collector.demo import demo_pos
    from evidence.models import TransactionType
    from fixtures.site import default_scenario

    scenario = default_scenario()
    pos = demo_pos(scenario)[: ns.orders]
    site = Site(ns.latency_ms)
    rows: list[dict[str, Any]] = []
    started = datetime.now(UTC)
    try:
        with _work_dir(ns.work, "compare-bench-") as work:
            state = site.ask("state")
            state_file = work / "state.json"
            state_file.write_text(json.dumps(state))
            for rep in range(1, ns.repeat + 1):
                # Every other round backwards, so that no run always follows the same neighbour.
                for name in ns.runs if rep % 2 else list(reversed(ns.runs)):
                    tag = f"{name}-r{rep}"
                    if name in ("c1", "c4"):
                        row = run_collector(name, int(name[1:]), site, pos, work, scenario, state, ns.timeout, tag)
                    else:
                        row = run_reference(name, site, pos, work, state_file, None, ns.timeout, tag)
                    row["repeat"] = rep
                    rows.append(row)
                    print(json.dumps({k: v for k, v in row.items() if k != "requests_by_kind"}), flush=True)
    finally:
        site.close()
    summary = [summarize(name, [r for r in rows if r["run"] == name]) for name in ns.runs]
    by_run = {r["run"]: r for r in summary}
    rounds = []
    for rep in range(1, ns.repeat + 1):
        one = {r["run"]: r for r in rows if r["repeat"] == rep}
        g = lambda run: one.get(run, {}).get("wall_s")  # noqa: E731
        rounds.append({"repeat": rep, "c4/floor4": ratio(g("c4"), g("floor4")), "c1/floor1": ratio(g("c1"), g("floor1")),
                       "naive/c4": ratio(g("naive"), g("c4"))})
    result = {"date": started.isoformat(timespec="seconds"), "ended": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": machine(), "latency_ms": ns.latency_ms, "orders": len(pos), "repeat": ns.repeat,
              "refunds": sum(1 for o in scenario.orders if o.po in set(pos) for t in o.transactions
                             if t.type == TransactionType.CUSTOMER_CARE_REFUND),
              "summary": summary, "rows": rows, "rounds": rounds}
    result["ratios"] = [{"what": w, "value": v, "target": t, "verdict": d} for w, v, t, d in compare_ratios(by_run)]
    print()
    print(f"{result['date']} to {result['ended']} - {result['machine']}; mock latency {ns.latency_ms} ms; "
          f"{len(pos)} orders; {ns.repeat} round(s)")
    if ns.repeat > 1:
        print()
        print("Every round:")
        print()
        print_table(rows, repeat=True)
        print()
        print("| round | c4 / floor4 (wall) | c1 / floor1 (wall) | naive / c4 (wall) |")
        print("|---:|---:|---:|---:|")
        for x in rounds:
            print(f"| {x['repeat']} | {x['c4/floor4']} | {x['c1/floor1']} | {x['naive/c4']} |")
        print()
        print("Median over the rounds (times, rates, load); highest peak (memory):")
    print()
    print_table(summary)
    print()
    print("| ratio | value | target | |")
    print("|---|---:|---|---|")
    for x in result["ratios"]:
        print(f"| {x['what']} | {x['value']} | {x['target']} | {x['verdict']} |")
    print()
    print_breakdown(summary)
    print()
    print_kinds(summary)
    return result


def scale(ns: argparse.Namespace) -> dict[str, Any]:
    from fixtures.scenarios.generate import cc_refund_pos, generate_scenario, write_scenario

    scenario = generate_scenario(ns.scale_orders, seed=ns.seed)
    pos = cc_refund_pos(scenario)
    rows: list[dict[str, Any]] = []
    started = datetime.now(UTC)
    note = ""
    with _work_dir(ns.work, "scale-bench-") as work:
        scenario_file = write_scenario(scenario, work / "scenario.json")
        site = Site(ns.latency_ms, scenario_file)
        try:
            state = site.ask("state")
            small = run_collector(f"c4-{ns.scale_small}", 4, site, pos[: ns.scale_small], work, scenario, state,
                                  ns.timeout)
            rows.append(small)
            print(json.dumps({k: v for k, v in small.items() if k != "requests_by_kind"}), flush=True)
            big_n = len(pos)
            estimate_min = small["wall_s"] / small["orders"] * big_n / 60
            if estimate_min > ns.scale_max_minutes:
                big_n = min(big_n, 300)
                note = (f"all {len(pos)} orders would take about {estimate_min:.0f} min at the 50-order pace "
                        f"(> {ns.scale_max_minutes} min): measured on the first {big_n}")
                print(note, flush=True)
            big = run_collector(f"c4-{big_n}", 4, site, pos[:big_n], work, scenario, state, ns.timeout * 10)
            rows.append(big)
            print(json.dumps({k: v for k, v in big.items() if k != "requests_by_kind"}), flush=True)
        finally:
            site.close()
    for r in rows:
        r["wall_s_per_order"] = round(r["wall_s"] / r["orders"], 2)
        r["job_s_per_order"] = round(r["work_s"] / r["orders"], 2)
    small, big = rows
    ratios = {
        "wall_s_per_order": ratio(big["wall_s_per_order"], small["wall_s_per_order"]),
        "job_s_per_order": ratio(big["job_s_per_order"], small["job_s_per_order"]),
        "peak_pss": ratio(big["peak_pss_mib"], small["peak_pss_mib"]),
        "requests_per_order": ratio(big["requests_per_order"], small["requests_per_order"]),
    }
    result = {"date": started.isoformat(timespec="seconds"), "ended": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": machine(), "latency_ms": ns.latency_ms,
              "scenario": f"generate_scenario({ns.scale_orders}, seed={ns.seed}): {len(pos)} CC-refund orders",
              "note": note, "rows": rows, "ratios": ratios}
    print()
    print(f"{result['date']} to {result['ended']} - {result['machine']}; mock latency {ns.latency_ms} ms; "
          f"{result['scenario']}")
    if note:
        print(note)
    print()
    print("| run | orders | wall s | job s | wall s/order | job s/order | req/order | peak RSS sum (MiB) "
          "| peak PSS (MiB) | load 1m before/after | retries |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        print(f"| {r['run']} | {r['orders']} | {r['wall_s']} | {r['work_s']} | {r['wall_s_per_order']} "
              f"| {r['job_s_per_order']} | {r['requests_per_order']} | {r['peak_rss_mib']} | {r['peak_pss_mib']} "
              f"| {r['load_before']:.1f} / {r['load_after']:.1f} | {r['retries'] or '-'} |")
    print()
    for k, v in ratios.items():
        target = " (target <= 1.2: " + verdict(v, 1.2) + ")" if k in ("wall_s_per_order", "job_s_per_order", "peak_pss") else ""
        print(f"{big['run']} / {small['run']} {k}: {v}{target}")
    print()
    print_breakdown(rows)
    print()
    print_kinds(rows)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=16)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS))
    parser.add_argument("--repeat", type=int, default=1, help="rounds of all the runs (medians reported)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run (x10 for the big scale run)")
    parser.add_argument("--scale", action="store_true", help="the 50 vs all orders check on a generated scenario")
    parser.add_argument("--scale-orders", type=int, default=500, help="orders in the generated scenario")
    parser.add_argument("--scale-small", type=int, default=50)
    parser.add_argument("--scale-max-minutes", type=float, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--work", type=Path, help="keep every run's output (bundles, job logs, captures) here")
    ns = parser.parse_args()
    result = scale(ns) if ns.scale else compare(ns)
    if ns.json:
        ns.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
