"""The benchmarks' mock Seller Center: ``MockSite`` in a process of its own, driven over stdin.

    python bench/mock_site.py --latency-ms 200 [--scenario FILE]

Prints the base URL on the first line, then answers one line of JSON per command line read from
stdin, until stdin closes (then it stops the site and exits):

- ``state``: a Playwright storage state of a fresh signed-in session (``MockSite.storage_state()``);
- ``mark``: how many requests the site has answered so far (an offset into the log);
- ``log N``: the requests from offset N on, each ``[method, path with query, status, static]``.

It wraps ``MockSite`` (``BenchSite.handle``) only to keep the query string of each request,
which ``MockSite.request_log`` drops; nothing in fixtures/ is changed. The log holds static files
too (flagged): the benchmarks count page + API requests only.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.scenario import load_scenario  # noqa: E402
from fixtures.site import Faults, MockSite  # noqa: E402
from fixtures.site.http import Request, Response  # noqa: E402


class BenchSite(MockSite):
    """A MockSite that also logs each request's query string (for the benchmarks' counts)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bench_log: list[tuple[str, str, int, bool]] = []
        self._bench_lock = threading.Lock()

    def handle(self, req: Request) -> Response | None:
        resp = super().handle(req)
        with self._bench_lock:
            self.bench_log.append((req.method, req.full_path, resp.status if resp is not None else 0,
                                   req.path.startswith("/static/")))
        return resp

    def log_since(self, offset: int) -> list[tuple[str, str, int, bool]]:
        with self._bench_lock:
            return self.bench_log[offset:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--scenario", type=Path, help="a scenario JSON file (default: the default scenario)")
    ns = parser.parse_args()
    scenario = load_scenario(ns.scenario) if ns.scenario else None
    site = BenchSite(scenario, faults=Faults(latency_ms=ns.latency_ms))
    print(site.start(), flush=True)
    try:
        for line in sys.stdin:
            command, _, arg = line.strip().partition(" ")
            if command == "state":
                answer: Any = site.storage_state()
            elif command == "mark":
                answer = len(site.log_since(0))
            elif command == "log":
                answer = site.log_since(int(arg or 0))
            else:
                answer = {"error": f"unknown command {command!r}"}
            print(json.dumps(answer), flush=True)
    finally:
        site.stop()


if __name__ == "__main__":
    main()
