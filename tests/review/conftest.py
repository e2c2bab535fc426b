"""The review app on a real uvicorn (127.0.0.1, a free port) over a folder of bundles built
without a browser (``evidence.bundle.example``), with a fixed clock so "time left" is stable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from collector.review.app import ReviewConfig
from collector.review.server import Running, serve_in_thread
from evidence.bundle import write_bundle
from evidence.bundle.example import FIXED_NOW, example_artifacts, example_case, example_context, fixed_clock
from evidence.models import Message, MessageSource, Role
from evidence.policy import assess, default_registry
from tests.evidence.test_review_decisions import lost_in_transit_case

NOW = FIXED_NOW + timedelta(minutes=5)
HOSTILE_TEXT = (
    "<script>window.__pwned = 'text'; alert('text')</script>"
    '<img src="https://evil.example/track.png" onerror="alert(\'img\')">'
)
HOSTILE_HTML = (
    "<p>Visible part of the HTML-only message</p><script>window.__pwned = 'html'</script>"
    '<img src="https://evil.example/pixel.gif" onerror="alert(\'html-img\')">'
    '<a id="jslink" href="javascript:alert(\'html-link\')">click me</a>'
    '<iframe src="https://evil.example/frame"></iframe>'
    '<div style="background:url(https://evil.example/bg.png)" onmouseover="alert(1)">hover text</div>'
)
LOST_PO = "4342076435327"
HOSTILE_PO = "4342076435328"


def _assessed(case):  # noqa: ANN001, ANN202
    return case.model_copy(update={"assessment": assess(case, default_registry().get("walmart-cc-2024-11"), NOW)})


def hostile_case():  # noqa: ANN201
    case = example_case(customer_body=HOSTILE_TEXT)
    html_only = Message(
        message_id="msg-004@relay.walmart.com", source=MessageSource.MAILBOX,
        sent_at=case.threads[0].messages[-1].sent_at, sender="0f1e2d3c4b5a69788796a5b4c3d2e1f0@relay.walmart.com",
        role=Role.CUSTOMER, subject="<b>html</b> only", body_text="", body_html=HOSTILE_HTML,
    )  # fmt: skip
    thread = case.threads[0].model_copy(update={"messages": [*case.threads[0].messages, html_only]})
    case = case.model_copy(update={"threads": [thread], "po": HOSTILE_PO, "refund_transaction_id": "CCR-88123"})
    return _assessed(case)


def lost_case():  # noqa: ANN201
    case = lost_in_transit_case()
    return _assessed(case.model_copy(update={"po": LOST_PO, "refund_transaction_id": "CCR-88122"}))


@pytest.fixture
def bundles(tmp_path: Path) -> Path:
    """Three refunds: the example (answered in time), a lost insured parcel (carrier claim
    unknown) and one whose e-mails are hostile."""
    folder = tmp_path / "bundles"
    for case in (_assessed(example_case()), lost_case(), hostile_case()):
        write_bundle(folder, case, example_artifacts(), example_context(), clock=fixed_clock)
    return folder


@pytest.fixture
def review_app(bundles: Path) -> Iterator[Running]:
    running = serve_in_thread(ReviewConfig(folder=bundles, reviewer="Ann Reviewer", clock=lambda: NOW))
    yield running
    running.stop()
