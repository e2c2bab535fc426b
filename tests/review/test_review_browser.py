"""The review app in a real Chromium: the queue, a refund, each decision, added evidence, a stale
approval, the packet, keyboard use, phone width, and hostile e-mails that never run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from collector.review.server import Running
from evidence.bundle import read_bundle, verify_bundle
from evidence.bundle.custody import CustodyEvent
from evidence.bundle.review_state import ReviewState, review_state
from tests.review.conftest import HOSTILE_PO, LOST_PO

LOST = f"{LOST_PO}_CCR-88122_v1"


@pytest.fixture
def requests_seen(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def _leaving(seen: list[str], app: Running) -> list[str]:
    return [url for url in seen if not url.startswith(f"http://127.0.0.1:{app.guard.port}/")]


def test_queue_states_filters_phone_width_and_keyboard(page: Page, review_app: Running) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(review_app.url)
    expect(page).to_have_url(re.compile(r"/$"))  # the token is dropped from the address
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(3)
    # Open refunds first by time left now; the not-disputable one has nothing to file: last.
    expect(rows.first).to_contain_text("19 h 20 min left")  # counted from the app's clock, not the bundle's
    expect(rows.first).to_contain_text("PO 4342076435326")
    expect(rows.last).to_contain_text(f"PO {HOSTILE_PO}")
    expect(page.locator("#states a[data-state=to_review]")).to_contain_text("3 to review")
    expect(page.locator("#states a[data-state=to_review]")).to_contain_text("-$135.15")
    # Filters: by verdict and by PO text.
    page.get_by_label("Verdict").select_option(label="needs attention")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"PO {LOST_PO}")
    page.get_by_label("Verdict").select_option(label="any")
    page.get_by_label("PO or transaction").fill("88121")
    page.keyboard.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("PO 4342076435326")
    # Keyboard: Tab from the top reaches the refund's link; Enter opens it.
    page.goto("/".join(review_app.url.split("/")[:3]) + "/")
    link = page.get_by_role("link", name=f"PO {LOST_PO}")
    for _ in range(40):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the refund link is not reachable with Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"PO {LOST_PO}")
    # Phone width: the queue becomes cards, nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/".join(review_app.url.split("/")[:3]) + "/")
    expect(rows.first).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.locator("#queue thead").is_hidden()


def test_decisions_added_evidence_stale_approval_and_packet(
    page: Page, review_app: Running, bundles: Path, tmp_path: Path, requests_seen: list[str]
) -> None:
    page.goto(review_app.url)
    page.get_by_role("link", name=f"PO {LOST_PO}").click()
    expect(page.locator("#verdict")).to_have_text("needs attention")
    expect(page.locator("#review-state")).to_have_text("to review")
    claim = page.locator("[data-code='lost_order.carrier_claim']")
    expect(claim).to_contain_text("Carrier claim not shown")
    # A finding's evidence link opens what it cites (here: the screenshot of the screen).
    evidence = page.locator("[data-code='replies.on_time'] a").first
    href = evidence.get_attribute("href")
    evidence.click()
    expect(page.locator(href)).to_be_in_viewport()

    # Needs evidence, with a note.
    form = page.locator("#needs-form")
    form.get_by_label("What is missing").fill("attach the carrier claim")
    form.get_by_role("button", name="Needs evidence").click()
    expect(page.locator("#saved")).to_contain_text("needing evidence")
    expect(page.locator("#review-state")).to_have_text("needs evidence")

    # Add the carrier claim: sealed, in custody, and the finding passes.
    pdf = tmp_path / "UPS claim 7781.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% claim 7781\n")
    add = page.locator("#add-form")
    add.get_by_label("File").set_input_files(pdf)
    add.get_by_label("What it is").select_option(label="Carrier claim")
    add.get_by_label("Label").fill("UPS claim 7781")
    add.get_by_role("button", name="Add to the bundle").click()
    expect(page.locator("#saved")).to_contain_text("File added")
    expect(claim).to_contain_text("Carrier claim filed")
    expect(claim).to_contain_text("UPS claim 7781")
    expect(page.locator("#review-state")).to_have_text("to review")  # the missing evidence came: decide again
    expect(page.locator("#added a", has_text="UPS claim 7781")).to_have_attribute("href", re.compile(r"^added/"))

    # Approve with edited text, the form's reason and the claim attached.
    approve = page.locator("#approve-form")
    approve.get_by_label("Reason on the dispute form").select_option("Item was delivered")
    text = "The parcel was insured and lost in transit; the UPS claim 7781 is attached as proof."
    approve.get_by_label(re.compile("^Description")).fill(text)
    approve.get_by_role("checkbox", name=re.compile(r"added.0001")).check()
    approve.get_by_role("button", name="Approve").click()
    expect(page.locator("#review-state")).to_have_text("approved")
    bundle = read_bundle(bundles / LOST)
    assert review_state(bundle) is ReviewState.APPROVED
    decision = bundle.reviews[-1]
    assert (decision.reviewer, decision.text, decision.reason_option) == ("Ann Reviewer", text, "Item was delivered")
    assert decision.attachments[0].startswith("added/0001-")
    events = [e.event for e in bundle.custody]
    assert events == [CustodyEvent.CAPTURED, CustodyEvent.REVIEWED, CustodyEvent.EVIDENCE_ADDED,
                      CustodyEvent.ASSESSED, CustodyEvent.REVIEWED]  # fmt: skip
    assert verify_bundle(bundle.path).ok

    # The packet: the approved reason, text and files, where to file, a copy button.
    page.get_by_role("link", name="Filing packet").click()
    expect(page.locator("#packet-ready")).to_be_visible()
    expect(page.locator("#packet-reason")).to_have_text("Item was delivered")
    expect(page.locator("#packet-text")).to_have_value(text)
    expect(page.locator("#packet-files li").first).to_contain_text("added/0001-")
    expect(page.locator("#form-url")).to_have_text("https://seller.walmart.com/disputes/new?transaction=CCR-88122")
    expect(page.locator("#steps li").first).to_contain_text("Open Transactions dashboard")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy reason and text").click()
    expect(page.locator("#copy-status")).to_have_text("Copied.")
    assert page.evaluate("() => navigator.clipboard.readText()").startswith("Reason: Item was delivered\n\n" + text)

    # More evidence after the approval: the approval is stale and the packet is blocked.
    page.go_back()
    note = tmp_path / "call.txt"
    note.write_text("Called the customer on Nov 20: no parcel.")
    add.get_by_label("File").set_input_files(note)
    add.get_by_label("What it is").select_option(label="Phone-call note")
    add.get_by_role("button", name="Add to the bundle").click()
    expect(page.locator("#review-state")).to_have_text("approval stale")
    page.get_by_role("link", name="preview").click()
    expect(page.locator("#packet-blocked")).to_contain_text("the evidence changed after the approval")
    page.goto("/".join(review_app.url.split("/")[:3]) + "/?state=approval_stale")
    expect(page.locator("#queue tbody tr")).to_have_count(1)

    # Reject another refund, with its reason; an empty reason is refused by the form itself.
    page.goto("/".join(review_app.url.split("/")[:3]) + "/")
    page.get_by_role("link", name=f"PO {HOSTILE_PO}").click()
    page.locator("#reject-form").get_by_label("Why not file").fill("not disputable: missed reply")
    page.get_by_role("button", name="Reject").click()
    expect(page.locator("#review-state")).to_have_text("rejected")
    assert _leaving(requests_seen, review_app) == []


def test_hostile_email_never_runs_and_no_request_leaves(
    page: Page, review_app: Running, requests_seen: list[str]
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(review_app.url)
    page.get_by_role("link", name=f"PO {HOSTILE_PO}").click()
    expect(page.get_by_text("<script>window.__pwned = 'text'", exact=False)).to_be_visible()
    expect(page.get_by_text("Visible part of the HTML-only message")).to_be_visible()
    page.get_by_text("hover text").hover()
    page.get_by_text("click me").click()
    page.get_by_role("link", name="preview").click()
    expect(page.locator("#packet-blocked")).to_be_visible()
    assert page.evaluate("() => window.__pwned === undefined")
    assert dialogs == []
    assert requests_seen and _leaving(requests_seen, review_app) == []
