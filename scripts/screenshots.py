#!/usr/bin/env python3
"""Sign in to the mock Seller Center and save a PNG of every screen to docs/screens/.

    .venv/bin/python scripts/screenshots.py [--scenario FILE] [--out DIR]

Covers every screen, each dispute state on the Payments dialog and the Transactions drawer, the
Returns details, the dispute form's steps, the Disputes case page, the Inbox thread, the session
expiry notice and the layout drift. It uses the small hand-written scenario by default so the
pictures stay the same from one run to the next (the screens show the scenario's clock).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from collector.browser import find_browser, launch_options  # noqa: E402
from fixtures.scenario import load_scenario  # noqa: E402
from fixtures.site import Faults, MockSite  # noqa: E402
from pages.base import full_screenshot  # noqa: E402

MINIMAL = ROOT / "fixtures" / "scenarios" / "minimal.json"
OPEN_TXN, DISPUTED_TXN, PASSED_TXN, SELLER_TXN = (
    "T-4342076435326-02", "T-5102938475610-02", "T-6203948576021-02", "T-9506978889354-02")


def ready(page: Page, heading: str) -> None:
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(page.locator("main")).to_have_attribute("aria-busy", "false")


def shoot(page: Page, out: Path, name: str) -> None:
    (out / f"{name}.png").write_bytes(full_screenshot(page))  # open drawers in full, as the collector does
    print(f"  {name}.png")


def sign_in(page: Page, site: MockSite, out: Path) -> None:
    seller = site.scenario.seller
    page.goto(site.url + "/login")
    shoot(page, out, "01-login")
    page.get_by_label("Email").fill(seller.login_email)
    page.get_by_label("Password").fill(seller.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Verify it's you")).to_be_visible()
    shoot(page, out, "02-login-verify")
    page.get_by_label("6-digit code").fill(site.current_totp())
    page.get_by_role("button", name="Verify").click()
    ready(page, "Home")
    shoot(page, out, "03-home")


def payments(page: Page, site: MockSite, out: Path) -> None:
    page.goto(site.url + "/payments")
    ready(page, "Payments")
    shoot(page, out, "10-payments-statements")
    for po, name in (("7304958667132", "12-payments-older-than-90-days"), ("0000000000000", "13-payments-no-results")):
        page.goto(f"{site.url}/payments?tab=search&q={po}")
        ready(page, "Payments")
        shoot(page, out, name)
    for po, txn, state in (("4342076435326", OPEN_TXN, "open"), ("5102938475610", DISPUTED_TXN, "disputed"),
                           ("6203948576021", PASSED_TXN, "window-passed"), ("9506978889354", SELLER_TXN, "not-available")):
        page.goto(f"{site.url}/payments?tab=search&q={po}")
        ready(page, "Payments")
        page.get_by_role("button", name=f"Show transactions for PO {po}").click()
        expect(page.get_by_role("table", name=f"Transactions for PO {po}")).to_be_visible()
        if state == "open":
            shoot(page, out, "11-payments-search-expanded")
        page.locator(f'button[data-transaction-id="{txn}"]').click()
        dialog = page.get_by_role("dialog", name="Transaction details")
        expect(dialog.get_by_role("region", name="Dispute")).to_be_visible()
        shoot(page, out, f"14-payments-dialog-{state}")


def transactions(page: Page, site: MockSite, out: Path) -> None:
    page.goto(site.url + "/transactions")
    ready(page, "Transactions")
    shoot(page, out, "20-transactions")
    page.get_by_role("button", name=f"More actions for {OPEN_TXN}").click()
    expect(page.get_by_role("menuitem", name="View details")).to_be_visible()
    shoot(page, out, "21-transactions-menu")
    for txn, state in ((OPEN_TXN, "open"), (DISPUTED_TXN, "disputed"), (PASSED_TXN, "window-passed"),
                       (SELLER_TXN, "not-available")):
        page.goto(site.url + "/transactions")
        ready(page, "Transactions")
        page.get_by_role("button", name=f"More actions for {txn}").click()
        page.get_by_role("menuitem", name="View details").click()
        drawer = page.get_by_role("dialog", name="Transaction details")
        expect(drawer.get_by_role("region", name="Dispute")).to_be_visible()
        shoot(page, out, f"22-transactions-drawer-{state}")


def returns(page: Page, site: MockSite, out: Path) -> None:
    page.goto(site.url + "/returns")
    ready(page, "Returns")
    shoot(page, out, "30-returns")
    page.get_by_role("button", name="Show details for RMA RMA77012345").click()
    expect(page.get_by_role("region", name="Return RMA77012345").get_by_role("region", name="Dispute")).to_be_visible()
    shoot(page, out, "31-returns-details")


def dispute_form_and_cases(page: Page, site: MockSite, out: Path) -> None:
    page.goto(f"{site.url}/disputes/new?transaction={OPEN_TXN}")
    ready(page, "Dispute a Walmart Customer Care refund")
    shoot(page, out, "40-dispute-form-reason")
    page.get_by_label("Reason").select_option("Customer was contacted within 48 hours")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Description").fill("We answered within 4 hours and the carrier photo shows the delivery.")
    shoot(page, out, "41-dispute-form-details")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    shoot(page, out, "42-dispute-form-review")
    page.get_by_role("button", name="Submit dispute").click()
    expect(page.get_by_role("heading", name="Dispute submitted")).to_be_visible()
    shoot(page, out, "43-dispute-submitted")
    page.goto(site.url + "/disputes")
    ready(page, "Disputes")
    shoot(page, out, "44-disputes")
    page.goto(site.url + "/disputes/5012345678")
    ready(page, "Case 5012345678")
    shoot(page, out, "45-dispute-case")
    site.reset()  # forget the filed case (and the session): sign in again below


def inbox(page: Page, site: MockSite, out: Path) -> None:
    page.context.add_cookies([site.new_session_cookie()])
    page.goto(site.url + "/inbox?tab=customer")
    ready(page, "Inbox")
    shoot(page, out, "50-inbox-customer")
    page.goto(site.url + "/inbox?tab=walmart")
    ready(page, "Inbox")
    shoot(page, out, "51-inbox-walmart")
    page.goto(site.url + "/inbox/threads/th-4342076435326-c")
    ready(page, "Where is my water bottle?")
    shoot(page, out, "52-inbox-thread")
    page.goto(site.url + "/inbox/threads/th-9506978889354-c")
    ready(page, "Return question <b>urgent</b>")
    shoot(page, out, "53-inbox-thread-hostile-body-escaped")


def faults_and_expiry(page: Page, site: MockSite, out: Path) -> None:
    site.set_faults(Faults(layout_drift=True))
    page.goto(f"{site.url}/payments?tab=search&q=4342076435326")
    ready(page, "Payments")
    page.get_by_role("button", name="Show transactions for PO 4342076435326").click()
    page.locator(f'button[data-transaction-id="{OPEN_TXN}"]').click()
    expect(page.get_by_role("button", name="Start a dispute")).to_be_visible()
    shoot(page, out, "60-layout-drift-payments")
    site.set_faults(Faults(error_rate=1.0, seed=1))
    page.goto(site.url + "/disputes")
    shoot(page, out, "61-server-error")
    site.set_faults(Faults())
    site.advance_wall_clock(site.idle_minutes + 1)
    page.goto(site.url + "/disputes")
    expect(page.get_by_role("status")).to_have_text("Your session has expired. Sign in again to continue.")
    shoot(page, out, "62-session-expired")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=MINIMAL)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with MockSite(load_scenario(args.scenario)) as site, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options(find_browser(pw.chromium)))
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        print(f"Saving screenshots of {site.url} to {args.out}")
        sign_in(page, site, args.out)
        payments(page, site, args.out)
        transactions(page, site, args.out)
        returns(page, site, args.out)
        dispute_form_and_cases(page, site, args.out)
        inbox(page, site, args.out)
        faults_and_expiry(page, site, args.out)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
