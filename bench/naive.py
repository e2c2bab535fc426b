"""The naive reference: what a person clicks through, as one sequential Playwright script.

One browser, one page, signed in with a saved storage state. For each PO:

1. open Transactions, type the PO into the search box and press Search;
2. for each "Walmart Customer Care refund" row (on every page of the answer): its "..." menu >
   "View details", a full-page screenshot + ``page.content()`` of the drawer, "Close";
3. open the Inbox and walk every page of both tabs (Customer, then Walmart) looking for rows with
   the PO; each one found is opened (its subject link), photographed (PNG + HTML), and left with
   the browser's Back button before the walk goes on.

Nothing is known in advance: which rows are refunds and which threads belong to the order are
read off the screens, as a person would. No Returns or dispute case pages (a person checking a
refund looks at the drawer and the messages).

    python bench/naive.py --url URL --storage-state state.json [--out DIR] --po PO [--po PO ...]

Prints one JSON line: orders, screens, ``work_s`` (browser start to the last capture), errors.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floor import TIMEOUT_MS, VIEWPORT, Capturer, Tally, loaded  # noqa: E402
from playwright.sync_api import Locator, Page, sync_playwright  # noqa: E402

from collector.browser import find_browser, launch_options  # noqa: E402

CC_TYPE = "Walmart Customer Care refund"
MORE = re.compile(r"^More actions for (.+)$")


def results_ready(page: Page) -> None:
    page.locator(".results[aria-busy=false]").wait_for(timeout=TIMEOUT_MS)


def next_page(page: Page) -> bool:
    """Press "Next page" when there is one (the list reloads in place); False at the end."""
    button = page.get_by_role("navigation", name="Pagination").get_by_role("button", name="Next page")
    if not button.count() or button.is_disabled():
        return False
    button.click()
    results_ready(page)
    return True


def rows_of(page: Page, caption: str) -> Locator:
    return page.locator("table", has=page.locator("caption", has_text=caption)).locator("tbody tr")


def transactions(page: Page, po: str, shot: Capturer) -> None:
    page.goto("/transactions")
    loaded(page)
    page.get_by_role("searchbox", name="Search by PO or customer order #").fill(po)
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    loaded(page)
    while True:
        refunds = []
        rows = rows_of(page, "Transactions")
        for i in range(rows.count()):
            cells = rows.nth(i).locator("td").all_inner_texts()
            if len(cells) > 3 and cells[3].strip() == CC_TYPE:
                label = rows.nth(i).get_by_role("button", name=MORE).get_attribute("aria-label") or ""
                refunds.append(MORE.match(label)[1])  # type: ignore[index]
        for txn in refunds:
            page.get_by_role("button", name=f"More actions for {txn}", exact=True).click()
            page.get_by_role("menuitem", name="View details").click()
            drawer = page.get_by_role("dialog", name="Transaction details")
            drawer.locator(".dialog-body[aria-busy=false]").wait_for(timeout=TIMEOUT_MS)
            shot(page, po, "transactions.details")
            drawer.get_by_role("button", name="Close").click()
            drawer.wait_for(state="detached", timeout=TIMEOUT_MS)
        if not next_page(page):
            return


def inbox(page: Page, po: str, shot: Capturer) -> None:
    page.goto("/inbox")
    loaded(page)
    for tab in ("Customer", "Walmart"):
        if tab != "Customer":
            with page.expect_navigation():
                page.get_by_role("tab", name=re.compile(rf"^{tab} \(")).click()
            loaded(page)
        while True:
            rows = rows_of(page, "Threads")
            for i in range(rows.count()):
                row = rows_of(page, "Threads").nth(i)
                if row.locator("td").nth(1).inner_text().strip() != po:
                    continue
                with page.expect_navigation():
                    row.get_by_role("link").click()
                loaded(page)
                shot(page, po, "inbox.thread")
                page.go_back()
                loaded(page)
            if not next_page(page):
                break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--storage-state", type=Path, required=True, help="a signed-in Playwright storage state")
    parser.add_argument("--out", type=Path, help="write the PNG + HTML files here (default: drop them)")
    parser.add_argument("--po", action="append", default=[])
    parser.add_argument("--pos-file", type=Path, help="one PO per line")
    ns = parser.parse_args()
    pos = list(ns.po) + (ns.pos_file.read_text().split() if ns.pos_file else [])
    tally = Tally()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="naive-home-") as home, sync_playwright() as p:
        browser = p.chromium.launch(**launch_options(find_browser(p.chromium), home=Path(home)))
        try:
            context = browser.new_context(base_url=ns.url, storage_state=json.loads(ns.storage_state.read_text()),
                                          viewport=VIEWPORT, locale="en-US")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            shot = Capturer(ns.out, tally)
            for po in pos:
                try:
                    transactions(page, po, shot)
                    inbox(page, po, shot)
                    tally.orders += 1
                except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not retry
                    tally.errors.append(f"{po}: {type(exc).__name__}: {str(exc)[:300]}")
        finally:
            browser.close()
    work = time.monotonic() - started
    print(json.dumps({"orders": tally.orders, "screens": tally.screens, "attachments": 0,
                      "work_s": round(work, 1), "errors": tally.errors}), flush=True)
    if tally.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
