"""report.html: what a reviewer reads. Self-contained, in the seller's time zone, evidence linked."""

from __future__ import annotations

import re
from html.parser import HTMLParser
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


def test_deadline_shows_time_left_in_the_sellers_zone(tmp_path: Path) -> None:
    text, _, _ = _render(tmp_path)
    assert re.search(r"File by <time [^>]*>Nov 21, 2026, 10:40 AM CST</time>: 19 h 25 min left", text)
    assert "ready to file" in text
    assert "The customer&#39;s inquiry of Nov 16 was answered" in text  # the draft, escaped


def test_time_left_is_counted_from_the_assessment_not_from_when_the_report_is_written(tmp_path: Path) -> None:
    from datetime import timedelta

    later = fixed_clock() + timedelta(days=6)
    ref = write_bundle(tmp_path, example_case(), example_artifacts(), example_context(), clock=lambda: later)
    text = (ref.path / "report.html").read_text(encoding="utf-8")
    assert re.search(r"File by <time [^>]*>Nov 21, 2026, 10:40 AM CST</time>: 19 h 25 min left when assessed", text)
    assert "closed" not in text.split('id="findings"')[0].split('id="deadline"')[1]


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
