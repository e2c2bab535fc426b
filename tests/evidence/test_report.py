"""report.html: what a reviewer reads. Self-contained, in the seller's time zone, evidence linked."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from datetime import timedelta
from pathlib import Path

import pytest

from evidence.bundle import write_bundle
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock
from evidence.hashing import sha256_bytes


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.add(attributes["id"] or "")


def _render(tmp_path: Path, case=None) -> tuple[str, _Collector, Path]:
    ref = write_bundle(tmp_path, case or example_case(), example_artifacts(), example_context(), clock=fixed_clock)
    text = (ref.path / "report.html").read_text(encoding="utf-8")
    parsed = _Collector()
    parsed.feed(text)
    return text, parsed, ref.path


def test_summary_shows_po_amount_refund_time_channel_and_reason(tmp_path: Path) -> None:
    text, _, _ = _render(tmp_path)
    assert "<dt>PO</dt><dd>4342076435326</dd>" in text
    assert "<dt>Amount</dt><dd>-$45.05</dd>" in text
    assert 'title="2026-11-19 16:40:00 UTC">Nov 19, 2026, 10:40 AM CST</time>' in text
    assert "CUSTOMER_CARE (WALMART_TRIGGERED_REFUND)" in text
    assert "Merchandise not received" in text


def _glance(text: str) -> str:
    """The verdict-and-deadline block at the top of the report."""
    return text.split('id="status"')[1].split("</section>")[0]


def test_deadline_shows_time_left_in_the_sellers_zone(tmp_path: Path) -> None:
    text, _, _ = _render(tmp_path)
    top = _glance(text)
    assert re.search(r'<dt>File by</dt><dd id="deadline" class="deadline"><time [^>]*>Nov 21, 2026, 10:40 AM CST</time>', top)
    assert '<span id="time-left" class="deadline">19 h 25 min left</span>' in top
    assert ">ready to file</span>" in top
    assert "The customer&#39;s inquiry of Nov 16 was answered" in text  # the draft, escaped


def test_time_left_is_counted_from_the_assessment_not_from_when_the_report_is_written(tmp_path: Path) -> None:
    from datetime import timedelta

    later = fixed_clock() + timedelta(days=6)
    ref = write_bundle(tmp_path, example_case(), example_artifacts(), example_context(), clock=lambda: later)
    text = (ref.path / "report.html").read_text(encoding="utf-8")
    top = _glance(text)
    assert re.search(r"<time [^>]*>Nov 21, 2026, 10:40 AM CST</time>", top)
    assert "19 h 25 min left</span> <span class=\"muted\">when assessed</span>" in top
    assert "closed" not in top


def test_an_unassessed_case_says_not_assessed(tmp_path: Path) -> None:
    text, _, _ = _render(tmp_path, example_case().model_copy(update={"assessment": None}))
    assert "Not assessed" in text and "File by" not in text


def test_every_evidence_link_points_at_something_in_the_report_or_bundle(tmp_path: Path) -> None:
    _, parsed, bundle = _render(tmp_path)
    hrefs = [attrs["href"] or "" for tag, attrs in parsed.tags if tag == "a"]
    assert hrefs
    for href in hrefs:
        if href.startswith("#"):
            assert href[1:] in parsed.ids, href
        else:
            assert (bundle / href).is_file(), href


def test_timeline_marks_automatic_replies_and_shows_reply_latency(tmp_path: Path) -> None:
    text, _, _ = _render(tmp_path)
    assert text.count('class="message') == 3
    assert "automatic: autoresponder" in text
    assert "answered after 19 h 28 min" in text
    assert "on time" in text
    assert "automatic replies that do not count: 1" in text


def test_screenshots_are_embedded_and_files_listed_with_hashes(tmp_path: Path) -> None:
    text, parsed, bundle = _render(tmp_path)
    images = [attrs["src"] or "" for tag, attrs in parsed.tags if tag == "img"]
    assert len(images) == 1 and images[0].startswith("data:image/png;base64,")
    assert sha256_bytes((bundle / "emails/0001.eml").read_bytes()) in text


def test_the_page_loads_nothing_remote_and_forbids_scripts(tmp_path: Path) -> None:
    text, parsed, _ = _render(tmp_path)
    csp = next(
        attrs["content"]
        for tag, attrs in parsed.tags
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert csp is not None and "default-src 'none'" in csp and "script" not in csp
    assert not [tag for tag, _ in parsed.tags if tag in ("script", "link", "iframe", "object", "embed", "base")]
    for tag, attrs in parsed.tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value.startswith(("http:", "https:", "//", "javascript:")), (tag, value)


@pytest.mark.parametrize(
    "body",
    ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', '<a href="javascript:alert(1)">x</a>'],
)
def test_hostile_text_bodies_are_escaped(tmp_path: Path, body: str) -> None:
    text, parsed, _ = _render(tmp_path, example_case(customer_body=body))
    assert body not in text
    assert body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") in text
    assert [tag for tag, _ in parsed.tags if tag == "script"] == []


# --------------------------------------------------------------------------- a reviewer in a hurry


def _assessed(tmp_path: Path, case, now, policy_id: str = "walmart-cc-2024-11") -> tuple[str, _Collector, Path]:
    from evidence.policy import assess, default_registry

    case = case.model_copy(update={"assessment": assess(case, default_registry().get(policy_id), now)})
    return _render(tmp_path, case)


def test_verdict_deadline_and_time_left_come_before_the_summary(tmp_path: Path) -> None:
    text, _, _ = _render(tmp_path)
    assert text.index('id="status"') < text.index('id="verdict"') < text.index('id="summary"')
    assert text.index('id="time-left"') < text.index('id="summary"')
    assert text.index('id="next-step"') < text.index('id="summary"')


def test_the_policys_where_to_file_steps_are_shown(tmp_path: Path) -> None:
    text, _, _ = _render(tmp_path)
    top = text.split('id="status"')[1].split("</section>")[0]
    assert "Where to file (walmart-cc-2024-11)" in top
    assert "<li>Open Transactions dashboard</li>" in top and "<li>Dispute refund</li>" in top
    assert "search the PO/CO (PO 4342076435326)" in top


def test_an_informational_finding_is_not_drawn_as_a_failure_on_a_ready_to_file_report(tmp_path: Path) -> None:
    from tests.evidence.policy.factories import make_case, utc

    text, _, _ = _assessed(tmp_path, make_case(), utc(2026, 11, 21, 3, 0))
    assert ">ready to file</span>" in text
    findings = text.split('id="findings"')[1].split("</section>")[0]
    item = next(li for li in findings.split("<li ")[1:] if "Refund issued inside the return window" in li)
    assert item.startswith('class="info"') and 'aria-label="for information (fail)"' in item and "✘" not in item
    assert "Needs a look" not in findings  # nothing to fix on a ready-to-file refund
    assert findings.index("Passed (") < findings.index("For information (1)")


def test_evidence_links_open_the_cited_screenshot_or_message_never_case_json(tmp_path: Path) -> None:
    from evidence.report.render import anchor

    text, _, _ = _assessed(tmp_path, example_case(), fixed_clock())
    evidence = text.split('id="findings"')[1].split("</section>")[0]
    hrefs = re.findall(r'<a href="([^"]*)"', evidence)
    assert hrefs and all(href.startswith("#") for href in hrefs), hrefs  # anchors in the page, no case.json
    capture = "#" + anchor("capture", "transactions.refund-details")
    assert f'<a href="{capture}">refund.issued_at: transactions.refund-details screenshot</a>' in text
    assert f'<a href="#{anchor("msg", "msg-003@example-seller.com")}">' in text.split('id="findings"')[1]
    assert '<a href="#timeline">threads</a>' in text  # the messages section, for a claim about all of them


def test_a_closed_window_names_the_next_step_instead_of_file_by(tmp_path: Path) -> None:
    from tests.evidence.policy.factories import make_case, utc

    issued = utc(2026, 11, 20, 15, 0)
    text, _, _ = _assessed(tmp_path, make_case(issued_at=issued), issued + timedelta(hours=48, minutes=1))
    top = text.split('id="status"')[1].split("</section>")[0]
    assert "File by" not in top and "<dt>Dispute window closed</dt>" in top
    assert "closed 1 min ago" in top
    assert "dispute a customer return on the Returns dashboard, within 45 days of the return" in top


def test_a_denied_dispute_shows_the_open_appeal_first(tmp_path: Path) -> None:
    from evidence.models import CaseStatus, DisputeCase, DisputeState
    from tests.evidence.policy.factories import PO, make_case, utc

    issued = utc(2026, 10, 30, 15, 0)
    denied = DisputeCase(
        case_id="DSP-1", po=PO, type="Customer Care refund", submitted_at=issued + timedelta(hours=2),
        status=CaseStatus.DENIED, decision_at=utc(2026, 11, 6, 15, 0),
    )  # fmt: skip
    case = make_case(issued_at=issued, state=DisputeState.DISPUTED, dispute_case=denied)
    text, _, _ = _assessed(tmp_path, case, utc(2026, 11, 20, 18, 0))
    top = text.split('id="status"')[1].split("</section>")[0]
    assert "<dt>Appeal by</dt>" in top and "Dec 7, 2026, 12:00 AM CST</time>" in top
    assert '<span id="time-left" class="deadline">16 d 12 h 0 min left</span>' in top
    assert "closed" not in top.split('id="next-step"')[0]


def test_reply_check_line_reads_as_a_sentence(tmp_path: Path) -> None:
    text, _, _ = _render(tmp_path)
    line = " ".join(re.sub(r"<[^>]+>", "", text.split("Reply due")[1].split("</p>")[0]).split())
    assert "on time: answered after 19 h 28 min by a human reply; automatic replies that do not count: 1." in line
    assert "reply-" not in line and "reply -" not in line
