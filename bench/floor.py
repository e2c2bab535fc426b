"""The floor: the collector's captures with every URL known and no bookkeeping.

For each PO, the screens `collector collect` photographs, each opened the shortest way, with a
full-page PNG + ``page.content()`` per screen and nothing else (no bundle, no hashing, no
journal, no parsing of what the screens say):

- the Transactions search answer, opened by its URL (``/transactions?q=PO``);
- each Customer Care refund's "View details" drawer on it (there is no URL for a drawer: row
  "..." > "View details", then "Close");
- when the order has returns: the Returns search answer (``/returns?q=PO``) and each return's
  details (its row's arrow);
- each of the order's Inbox threads by its URL (``/inbox/threads/<id>``), and its attachments
  (the collector downloads them too);
- each disputed refund's case page (``/disputes/<case id>``).

What to open comes from the scenario object (thread ids, case ids, which orders have returns),
not from the site: the floor walks no Inbox listing and opens no Returns search that would
answer "No results". With ``--pages N``, N threads each run their own ``sync_playwright()``,
browser and context (one page) and take orders from one queue.

    python bench/floor.py --url URL --storage-state state.json [--scenario FILE] [--pages 4]
        [--out DIR] --po PO [--po PO ...]

Prints one JSON line: orders, screens, attachments, ``work_s`` (browsers' start to the last
capture), errors.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from collector.browser import find_browser, launch_options  # noqa: E402
from evidence.models import TransactionType  # noqa: E402
from fixtures.scenario import Scenario, load_scenario  # noqa: E402
from fixtures.site import default_scenario  # noqa: E402

VIEWPORT = {"width": 1280, "height": 900}  # the collector's (collector.settings.context_options_for)
TIMEOUT_MS = 30_000
# The height a full screenshot needs, open dialogs (drawers) included: as pages.base.full_screenshot.
CONTENT_HEIGHT = """() => {
  const tallest = [...document.querySelectorAll('[role=dialog], dialog[open]')]
    .filter((el) => el.offsetParent !== null || getComputedStyle(el).position === 'fixed')
    .map((el) => el.getBoundingClientRect().top + el.scrollHeight);
  return Math.ceil(Math.max(document.documentElement.scrollHeight, ...tallest));
}"""
MAX_SHOT_HEIGHT = 16000


@dataclass
class OrderPlan:
    """What to open for one PO, straight from the scenario."""

    po: str
    cc_refunds: list[str]
    rmas: list[str]
    threads: list[str]
    attachments: list[str]  # /inbox/attachments/<message id>/<n>
    cases: list[str]


def plan_for(scenario: Scenario, po: str) -> OrderPlan:
    order = scenario.order(po)
    if order is None:
        raise SystemExit(f"PO {po} is not in the scenario")
    cc = [t.transaction_id for t in order.transactions if t.type == TransactionType.CUSTOMER_CARE_REFUND]
    threads = [t for t in scenario.threads if t.po == po and any(m.in_inbox for m in t.messages)]
    attachments = [f"/inbox/attachments/{quote(m.message_id, safe='@._-')}/{n}" for t in threads for m in t.messages if m.in_inbox
                   for n in range(1, len(m.attachments) + 1)]
    cases = [d.case_id for d in scenario.disputes if d.po == po and d.transaction_id in cc]
    return OrderPlan(po, cc, [r.rma for r in order.returns], [t.thread_id for t in threads], attachments, cases)


@dataclass
class Tally:
    orders: int = 0
    screens: int = 0
    attachments: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Capturer:
    """A full-page PNG + the HTML of each screen, written to ``out`` (or dropped)."""

    def __init__(self, out: Path | None, tally: Tally) -> None:
        self.out, self.tally, self.n = out, tally, 0

    def __call__(self, page: Page, po: str, name: str) -> None:
        viewport = page.viewport_size or VIEWPORT
        needed = min(int(page.evaluate(CONTENT_HEIGHT)), MAX_SHOT_HEIGHT)
        if needed > viewport["height"]:
            page.set_viewport_size({"width": viewport["width"], "height": needed})
            try:
                png = page.screenshot(full_page=True, animations="disabled")
            finally:
                page.set_viewport_size(viewport)
        else:
            png = page.screenshot(full_page=True, animations="disabled")
        html = page.content()
        if self.out is not None:
            self.n += 1
            folder = self.out / po
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{self.n:03d}-{name}.png").write_bytes(png)
            (folder / f"{self.n:03d}-{name}.html").write_text(html, encoding="utf-8")
        with self.tally.lock:
            self.tally.screens += 1


def loaded(page: Page) -> None:
    """The screen's content is in (its script replaced the "Loading…" status)."""
    page.locator("main[aria-busy=false]").wait_for(timeout=TIMEOUT_MS)


def capture_order(page: Page, plan: OrderPlan, shot: Capturer, tally: Tally) -> None:
    po = plan.po
    page.goto(f"/transactions?q={po}")
    loaded(page)
    shot(page, po, "transactions.search-results")
    for txn in plan.cc_refunds:
        page.get_by_role("button", name=f"More actions for {txn}", exact=True).click()
        page.get_by_role("menuitem", name="View details").click()
        drawer = page.get_by_role("dialog", name="Transaction details")
        drawer.locator(".dialog-body[aria-busy=false]").wait_for(timeout=TIMEOUT_MS)
        shot(page, po, "transactions.details")
        drawer.get_by_role("button", name="Close").click()
        drawer.wait_for(state="detached", timeout=TIMEOUT_MS)
    if plan.rmas:
        page.goto(f"/returns?q={po}")
        loaded(page)
        shot(page, po, "returns.search-results")
        for rma in plan.rmas:
            page.get_by_role("button", name=f"Show details for RMA {rma}", exact=True).click()
            page.locator(f'section[aria-label="Return {rma}"][aria-busy=false]').wait_for(timeout=TIMEOUT_MS)
            shot(page, po, "returns.details")
    for thread in plan.threads:
        page.goto(f"/inbox/threads/{thread}")
        loaded(page)
        shot(page, po, "inbox.thread")
    for url in plan.attachments:
        response = page.request.get(url)
        response.body()
        with tally.lock:
            tally.attachments += 1
    for case in plan.cases:
        page.goto(f"/disputes/{case}")
        loaded(page)
        shot(page, po, "disputes.case")


def worker(url: str, state: dict[str, Any], todo: queue.Queue[OrderPlan], out: Path | None, tally: Tally,
           home: Path) -> None:
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(**launch_options(find_browser(p.chromium), home=home))
            try:
                context = browser.new_context(base_url=url, storage_state=state, viewport=VIEWPORT, locale="en-US",
                                              accept_downloads=True)
                context.set_default_timeout(TIMEOUT_MS)
                page = context.new_page()
                shot = Capturer(out, tally)
                while True:
                    try:
                        plan = todo.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        capture_order(page, plan, shot, tally)
                        with tally.lock:
                            tally.orders += 1
                    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not retry
                        with tally.lock:
                            tally.errors.append(f"{plan.po}: {type(exc).__name__}: {str(exc)[:300]}")
            finally:
                browser.close()
    except Exception as exc:  # noqa: BLE001
        with tally.lock:
            tally.errors.append(f"worker: {type(exc).__name__}: {str(exc)[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--storage-state", type=Path, required=True, help="a signed-in Playwright storage state")
    parser.add_argument("--scenario", type=Path, help="the site's scenario file (default: the default scenario)")
    parser.add_argument("--pages", type=int, default=1, help="worker threads, each with its own browser")
    parser.add_argument("--out", type=Path, help="write the PNG + HTML files here (default: drop them)")
    parser.add_argument("--po", action="append", default=[])
    parser.add_argument("--pos-file", type=Path, help="one PO per line")
    ns = parser.parse_args()

    scenario = load_scenario(ns.scenario) if ns.scenario else default_scenario()
    pos = list(ns.po) + (ns.pos_file.read_text().split() if ns.pos_file else [])
    todo: queue.Queue[OrderPlan] = queue.Queue()
    for po in pos:
        todo.put(plan_for(scenario, po))
    state = json.loads(ns.storage_state.read_text())
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="floor-home-") as home:
        started = time.monotonic()
        threads = [threading.Thread(target=worker, args=(ns.url, state, todo, ns.out, tally, Path(home) / str(i)))
                   for i in range(ns.pages)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        work = time.monotonic() - started
    print(json.dumps({"orders": tally.orders, "screens": tally.screens, "attachments": tally.attachments,
                      "work_s": round(work, 1), "errors": tally.errors}), flush=True)
    if tally.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
