"""An evidence snapshot of a real screen, opened from a file in Chromium: the same text, the same
styles, and not one request or blocked load (the browser runs nothing and fetches nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from collector.snapshots import html_snapshot
from fixtures.site import MockSite


def _ready(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("main")).to_have_attribute("aria-busy", "false")


def _style(page: Page, selector: str) -> dict[str, Any]:
    return page.eval_on_selector(
        selector, "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.color, s.display, s.fontWeight]; }"
    )


@pytest.mark.parametrize("screen", ["transactions", "inbox", "disputes"])
def test_a_snapshot_opened_from_a_file_shows_the_same_text_and_styles_and_requests_nothing(
    signed_in_page: Page, browser: Browser, site: MockSite, tmp_path: Path, screen: str
) -> None:
    po = site.scenario.orders[0].po
    _ready(signed_in_page, {"transactions": f"/transactions?q={po}", "inbox": "/inbox", "disputes": "/disputes"}[screen])
    shown = signed_in_page.locator("body").inner_text()
    live_styles = [_style(signed_in_page, s) for s in ("header", "main", "h1")]
    snapshot = tmp_path / f"01-{screen}.html"
    snapshot.write_bytes(html_snapshot(signed_in_page))

    context = browser.new_context()  # no cookies, no base URL: what a reviewer's browser has
    try:
        requests: list[str] = []
        problems: list[str] = []
        context.on("request", lambda r: requests.append(r.url))
        viewer = context.new_page()
        viewer.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        viewer.on("pageerror", lambda e: problems.append(str(e)))
        viewer.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
        viewer.goto(snapshot.as_uri())
        assert viewer.locator("body").inner_text() == shown
        assert [_style(viewer, s) for s in ("header", "main", "h1")] == live_styles  # styles came along
        assert requests == [snapshot.as_uri()]  # the file itself, nothing else
        assert problems == []  # not even a load the CSP had to block
    finally:
        context.close()


def test_the_mock_screen_really_has_what_a_snapshot_must_not_keep(signed_in_page: Page) -> None:
    """The screen the test above photographs carries scripts and a stylesheet link, so the test
    above proves they were removed (not that they were never there)."""
    sent: list[Request] = []
    signed_in_page.on("request", lambda r: sent.append(r))
    _ready(signed_in_page, "/inbox")
    content = signed_in_page.content()
    assert "<script" in content and 'rel="stylesheet"' in content and 'action="/logout"' in content
    html = html_snapshot(signed_in_page).decode()
    assert "<script" not in html and "<link" not in html and "/logout" not in html and "/static/" not in html
    assert any("/static/" in r.url for r in sent)  # the live page did load its scripts and styles


def test_the_report_links_to_the_snapshot_and_it_opens_from_the_bundle(
    signed_in_page: Page, browser: Browser, site: MockSite, tmp_path: Path
) -> None:
    from evidence.bundle import Artifact, write_bundle
    from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock

    po = site.scenario.orders[0].po
    _ready(signed_in_page, f"/transactions?q={po}")
    shown = signed_in_page.locator("body").inner_text()
    snapshot = Artifact("captures/01-refund-details.html", html_snapshot(signed_in_page))
    artifacts = [snapshot if a.path == snapshot.path else a for a in example_artifacts()]
    bundle = write_bundle(tmp_path, example_case(), artifacts, example_context(), clock=fixed_clock).path

    context = browser.new_context()
    page = context.new_page()
    outbound: list[str] = []
    page.on("request", lambda r: outbound.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto((bundle / "report.html").as_uri())
    page.get_by_role("link", name="HTML snapshot").first.click()
    expect(page).to_have_url((bundle / "captures" / "01-refund-details.html").as_uri())
    expect(page.get_by_role("heading", name="Transactions", level=1)).to_be_visible()
    assert page.locator("body").inner_text() == shown
    assert outbound == []
    context.close()
