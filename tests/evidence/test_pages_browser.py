"""report.html and index.html for a reviewer in a hurry, in a real browser at 1366 and 390 px.

The verdict, the deadline that matters next and the time left are on the first screen of the
report, above the summary; nothing overflows sideways or is clipped (a phone shows every value);
evidence links open the cited screenshot; the inline stylesheet passes the CSP. Full-page
screenshots are kept under pytest-playwright's output folder (``test-results/<test>/``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from evidence.bundle import write_bundle, write_index
from evidence.bundle.example import example_context, tiny_png
from evidence.bundle.manifest import Artifact
from evidence.models import Capture, CaseStatus, DisputeCase, DisputeState, Message, MessageSource, RefundCase, Role
from evidence.policy import assess, default_registry
from tests.evidence.policy.factories import PO, RELAY, make_case, utc

NOW = utc(2026, 11, 20, 18, 0)
POLICY = default_registry().get("walmart-cc-2024-11")
WIDTHS = [1366, 390]
SHOT = "captures/01-transactions-details.png"
LONG_BODY = (
    "<script>alert('x')</script> "
    + "averyveryverylongwordwithoutanyspacesthatwouldoverflowanarrowphonescreenifnotwrapped" * 2
)

# Everything inside <main> that sticks out of the viewport sideways, or is cut off by its own box.
OFFENDERS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('main *')) {
    if (el.closest('.visually-hidden, details:not([open]) > :not(summary)')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const name = el.tagName + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '');
    if (r.left < -1 || r.right > innerWidth + 1) out.push(name + ' at ' + Math.round(r.left) + '..' + Math.round(r.right));
    const style = getComputedStyle(el);
    if (['hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) out.push(name + ' clipped');
  }
  return out;
}"""


def _with_assessment(case: RefundCase) -> RefundCase:
    return case.model_copy(update={"assessment": assess(case, POLICY, NOW)})


def _renamed(case: RefundCase, transaction_id: str) -> RefundCase:
    refund = case.refund.model_copy(update={"transaction_id": transaction_id})
    capture = Capture(
        screen="transactions.details", url="https://seller.example/transactions", captured_at=NOW,
        title="Transactions · Seller Center", screenshot=SHOT,
    )  # fmt: skip
    return case.model_copy(update={"refund_transaction_id": transaction_id, "refund": refund, "captures": [capture]})


def _cases() -> dict[str, RefundCase]:
    issued = utc(2026, 10, 30, 15, 0)
    denied = make_case(
        issued_at=issued,
        state=DisputeState.DISPUTED,
        dispute_case=DisputeCase(
            case_id="DSP-745123151", po=PO, type="Customer Care refund", submitted_at=issued + timedelta(hours=23),
            status=CaseStatus.DENIED, decision_at=utc(2026, 11, 6, 15, 0),
        ),
    )  # fmt: skip
    ready = make_case(issued_at=NOW - timedelta(hours=3))  # inside the return window: informational
    long_message = Message(
        message_id="long-1@relay", source=MessageSource.MAILBOX, sent_at=NOW - timedelta(hours=30),
        sender=RELAY, sender_name="A customer with a rather long display name", role=Role.CUSTOMER,
        subject="Order " + PO + " " + "x" * 120, body_text=LONG_BODY,
    )  # fmt: skip
    ready = ready.model_copy(
        update={"threads": [ready.threads[0].model_copy(update={"messages": [long_message, *ready.threads[0].messages]})]}
    )
    kept = make_case(issued_at=NOW - timedelta(hours=28), keep_it=True)
    closed = make_case(issued_at=NOW - timedelta(hours=49))
    cases = {"denied": denied, "ready": ready, "kept": kept, "closed": closed}
    return {key: _with_assessment(_renamed(case, f"T-{key.upper()}")) for key, case in cases.items()}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundles")
    shot = [Artifact(SHOT, tiny_png((200, 60, 40)))]
    for case in _cases().values():
        write_bundle(out, case, shot, example_context(), clock=lambda: NOW)
    write_index(out, clock=lambda: NOW, now=NOW)
    return out


def _report(folder: Path, transaction_id: str) -> Path:
    return next(folder.glob(f"{PO}_{transaction_id}_v1")) / "report.html"


def _open(page: Page, path: Path, width: int) -> list[str]:
    """Open ``path`` at ``width`` and return the CSP / console errors seen while loading."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.set_viewport_size({"width": width, "height": 844 if width < 500 else 900})
    page.goto(path.as_uri())
    return errors


def _assert_fits(page: Page) -> None:
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= innerWidth"), page.evaluate(
        "() => [document.scrollingElement.scrollWidth, innerWidth]"
    )
    assert page.evaluate(OFFENDERS_JS) == []


def _in_first_screen(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (selector, box)
    assert box["y"] + box["height"] <= viewport["height"], (selector, box)


@pytest.mark.parametrize("width", WIDTHS)
def test_report_opens_with_verdict_deadline_and_time_left(page: Page, folder: Path, width: int, output_path: str) -> None:
    errors = _open(page, _report(folder, "T-DENIED"), width)
    expect(page.locator("#verdict")).to_have_text("already disputed")
    expect(page.locator("#deadline")).to_have_text("Dec 7, 2026, 12:00 AM CST")
    expect(page.locator("#time-left")).to_have_text("16 d 12 h 0 min left")
    expect(page.locator("#status dt").nth(1)).to_have_text("Appeal by")
    for selector in ("#verdict", "#deadline", "#time-left"):
        _in_first_screen(page, selector)
    top = page.locator("#status").bounding_box()
    summary = page.locator("#summary").bounding_box()
    assert top and summary and top["y"] < summary["y"]
    _assert_fits(page)
    assert errors == []
    # the inline stylesheet is allowed by its CSP hash (the page would be unstyled otherwise)
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(244, 245, 247)"
    page.screenshot(path=str(Path(output_path) / f"report-denied-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_ready_report_shows_where_to_file_and_fits(page: Page, folder: Path, width: int, output_path: str) -> None:
    errors = _open(page, _report(folder, "T-READY"), width)
    expect(page.locator("#verdict")).to_have_text("ready to file")
    expect(page.locator("#time-left")).to_have_text("1 d 21 h 0 min left")
    expect(page.locator(".where li").first).to_have_text("Open Transactions dashboard")
    _in_first_screen(page, "#time-left")
    # the return window finding is information, not a red failure
    info = page.locator("#findings li.info")
    expect(info).to_have_count(1)
    expect(info).to_contain_text("Refund issued inside the return window")
    assert page.locator("#findings li.fail").count() == 0
    mark_colour = info.locator(".mark").evaluate("el => getComputedStyle(el).color")
    assert mark_colour != "rgb(185, 28, 28)"  # not the failure red
    # the hostile, unbroken body is escaped and wraps instead of widening the page
    expect(page.get_by_text("<script>alert('x')</script>", exact=False)).to_be_visible()
    _assert_fits(page)
    assert errors == []
    page.screenshot(path=str(Path(output_path) / f"report-ready-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_evidence_link_opens_the_cited_screenshot(page: Page, folder: Path, width: int) -> None:
    _open(page, _report(folder, "T-READY"), width)
    link = page.locator("#findings a", has_text="refund.issued_at").first
    link.click()
    target = page.evaluate("() => location.hash")
    assert target.startswith("#capture-")
    figure = page.locator(target)
    expect(figure.locator("img")).to_be_visible()
    expect(figure.locator("img")).to_be_in_viewport()


@pytest.mark.parametrize("width", WIDTHS)
def test_index_shows_counts_and_every_value_at_any_width(page: Page, folder: Path, width: int, output_path: str) -> None:
    errors = _open(page, folder / "index.html", width)
    expect(page.locator("#open-count")).to_have_text("2 open")
    rows = page.locator("table.bundles tbody tr")
    expect(rows).to_have_count(4)
    # open refunds first, by deadline: the ready one (1 d 21 h) before the appeal (16 d 12 h)
    expect(rows.nth(0)).to_contain_text("T-READY")
    expect(rows.nth(1)).to_contain_text("T-DENIED")
    denied = rows.nth(1)
    for label, value in (
        ("Verdict", "already disputed"),
        ("Deadline", "Dec 7, 2026, 12:00 AM CST"),
        ("Time left", "16 d 12 h 0 min left"),
        ("Amount", "-$42.17"),
    ):
        cell = denied.locator(f'td[data-label="{label}"]')
        expect(cell).to_contain_text(value)
        expect(cell).to_be_visible()
    kept = rows.filter(has_text="T-KEPT")
    expect(kept.locator('td[data-label="Time left"]')).to_have_text("-")
    _assert_fits(page)
    assert errors == []
    page.screenshot(path=str(Path(output_path) / f"index-{width}.png"), full_page=True)
