"""Render ``report.html`` (one self-contained page a reviewer reads before filing a dispute) and
``index.html`` (every bundle in a folder, the most urgent deadline first).

Self-contained means: inline CSS (allowed by its hash in the Content-Security-Policy), screenshots
embedded as ``data:`` URIs, links only to files inside the bundle, and nothing remote. The CSP
meta tag forbids every script, remote fetch, form and base URL, so even a sanitizer bug cannot
make the page run code or phone home.

E-mail bodies are hostile input: ``body_text`` is always rendered escaped (Jinja autoescape);
``body_html`` is shown only when there is no text, and only after ``evidence.sanitize.sanitize_html``.

Every verdict, deadline, time left, duration, amount and time is written by
:mod:`evidence.formatting`, the same module the command-line tables use. The report opens with the
verdict, the deadline that matters next, the time left and the next step (with the policy's
where-to-file steps); evidence links open the cited message or screenshot in the page. Both pages
read on a 390 px wide phone: tables turn into labelled cards, long values wrap.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from evidence import formatting
from evidence.models import (
    Assessment,
    Capture,
    EvidenceRef,
    Finding,
    FindingStatus,
    Message,
    Money,
    RefundCase,
    ReplyCheck,
    ReviewDecision,
    Role,
)
from evidence.policy.assess import INFORMATIONAL
from evidence.policy.dispute_form import refund_urls, suggested_reason
from evidence.report.next_step import next_step, policy_for
from evidence.sanitize import sanitize_html

# Larger screenshots are linked instead of embedded, to keep the page openable.
MAX_EMBEDDED_IMAGE = 8 * 1024 * 1024
WEB_ARCHIVE = "captures/archive.wacz"  # the screens' traffic (evidence/webarchive.py)

_ENV = Environment(
    loader=PackageLoader("evidence.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


# --------------------------------------------------------------------------- times


def time_tag(moment: datetime | None, tz_name: str) -> Markup:
    """``<time>`` with the local time shown and the UTC time in ``datetime`` and on hover."""
    if moment is None:
        return Markup("<span class='muted'>unknown</span>")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        escape(formatting.iso_utc(moment)),
        escape(formatting.utc_time(moment)),
        escape(formatting.local_time(moment, tz_name)),
    )


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ListedFile:
    """A sealed file as the report lists it."""

    path: str
    sha256: str
    bytes: int
    media_type: str


@dataclass
class ReportInput:
    """What the report shows. ``read_file`` returns a bundle file's bytes (None if absent)."""

    name: str
    case: RefundCase
    files: list[ListedFile]
    generated_at: datetime
    read_file: Callable[[str], bytes | None]
    assessments: list[Assessment] = field(default_factory=list)
    reviews: list[ReviewDecision] = field(default_factory=list)
    redacted: list[str] = field(default_factory=list)


def anchor(kind: str, ref: str) -> str:
    """A stable, HTML-safe fragment id for a message, capture or file."""
    return f"{kind}-{hashlib.sha256(ref.encode('utf-8')).hexdigest()[:12]}"


def css() -> str:
    return _ENV.get_template("report.css").render()


def content_security_policy(style: str) -> str:
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; img-src data:; "
        f"style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'; frame-src 'none'"
    )


def render_report(data: ReportInput) -> str:
    """The report page as text (UTF-8 when written)."""
    case = data.case
    tz = case.seller.timezone
    assessment = case.assessment
    file_paths = {item.path for item in data.files}
    checks = {check.inbound_message_id: check for check in case.reply_checks}
    replies = {check.reply_message_id: check for check in case.reply_checks if check.reply_message_id}
    # Counted from the assessment, not from when the page is read or rendered: a report is a
    # record, and "time left" must agree with the findings it shows.
    shown = formatting.status(assessment, assessment.assessed_at if assessment else data.generated_at, tz)
    policy = policy_for(assessment)
    links = _EvidenceLinks(case, file_paths)
    style = css()
    return _ENV.get_template("report.html.j2").render(
        name=data.name,
        case=case,
        refund=case.refund,
        assessment=assessment,
        assessments=data.assessments,
        reviews=data.reviews,
        redacted=data.redacted,
        now=data.generated_at,
        tz=tz,
        style=Markup(style),  # our own constant stylesheet
        csp=content_security_policy(style),
        shown=shown,
        step=next_step(case, shown, policy),
        filing=_filing(case),
        amount=formatting.money(case.refund.breakdown.net_payable),
        finding_groups=_finding_groups(assessment.findings if assessment else [], links),
        timeline=_timeline(case, checks, replies, file_paths),
        screenshots=[_capture_view(capture, data, file_paths) for capture in case.captures],
        files=data.files,
        anchor=anchor,
        when=lambda moment: time_tag(moment, tz),
        hours=formatting.latency,
        label=formatting.verdict_label,
        role=formatting.role_label,
    )


def _filing(case: RefundCase) -> dict[str, str | None]:
    """What to choose on the dispute form and where it is (shown as text: the report links nothing remote)."""
    _, form_url = refund_urls(case)
    return {"reason": suggested_reason(case.assessment), "form_url": form_url}


_MARKS = {FindingStatus.PASS: "✔", FindingStatus.FAIL: "✘", FindingStatus.UNKNOWN: "?"}
_INFO_MARK = "ℹ"


def _finding_groups(findings: list[Finding], links: _EvidenceLinks) -> list[dict[str, object]]:
    """Findings in three groups: what needs a look (failed or unknown), what passed, and the
    informational ones (the return window: a ground, never a failure to fix)."""

    def item(f: Finding) -> dict[str, object]:
        info = f.code in INFORMATIONAL
        return {
            "finding": f,
            "links": [links.link(ref) for ref in f.evidence],
            "mark": _INFO_MARK if info else _MARKS[f.status],
            "css": "info" if info else f.status.value,
            "state": f"for information ({f.status.value})" if info else f.status.value,
        }

    groups = [
        ("Needs a look", [f for f in findings if f.code not in INFORMATIONAL and f.status is not FindingStatus.PASS]),
        ("Passed", [f for f in findings if f.code not in INFORMATIONAL and f.status is FindingStatus.PASS]),
        ("For information", [f for f in findings if f.code in INFORMATIONAL]),
    ]
    return [{"title": title, "items": [item(f) for f in items]} for title, items in groups if items]


# Which captured screen shows a field (the first one captured wins); fields no screen shows link to
# the report's own section for them. Never to data/case.json: a reviewer wants to see the screen.
_FIELD_SCREENS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dispute_case", ("disputes.case",)),
    ("returns", ("returns.details", "returns.search-results")),
    ("transactions", ("payments.transaction-history", "transactions.search-results", "payments.search-results")),
    ("order.order_date", ("transactions.details", "payments.search-results", "transactions.search-results")),
    ("order", ("transactions.details", "payments.transaction-details")),
    ("refund", ("transactions.details", "transactions.refund-details", "payments.transaction-details")),
)
_FIELD_SECTIONS = (("threads", "timeline"), ("returns", "summary"), ("", "summary"))


class _EvidenceLinks:
    """Evidence references as links to what they cite: a message or a screenshot in the page, a
    file in the bundle; a field to the screenshot of the screen that shows it."""

    def __init__(self, case: RefundCase, file_paths: set[str]) -> None:
        self.file_paths = file_paths
        self.captures: dict[str, Capture] = {}
        for capture in case.captures:
            self.captures.setdefault(capture.screen, capture)
        self.message_ids = {m.message_id for t in case.threads for m in t.messages}

    def link(self, ref: EvidenceRef) -> dict[str, str]:
        label = ref.label or ref.ref
        if ref.kind == "message":
            return {"href": "#" + anchor("msg", ref.ref), "label": label}
        if ref.kind == "capture":
            return {"href": "#" + anchor("capture", ref.ref), "label": label}
        if ref.kind == "file" and ref.ref in self.file_paths:
            return {"href": quote(ref.ref), "label": label}
        if ref.kind == "field":
            return self._field(ref)
        return {"href": "#files", "label": label}

    def _field(self, ref: EvidenceRef) -> dict[str, str]:
        path = ref.ref
        for prefix, screens in _FIELD_SCREENS:
            if path == prefix or path.startswith(prefix + "."):
                capture = next((self.captures[s] for s in screens if s in self.captures), None)
                if capture is None and prefix in ("refund", "order"):  # another layout's details screen
                    capture = next((c for s, c in self.captures.items() if s.endswith("details")), None)
                if capture is not None:
                    field = f"{path} ({ref.label})" if ref.label else path
                    label = f"{field}: {capture.screen} screenshot"
                    return {"href": "#" + anchor("capture", capture.screen), "label": label}
                break
        section = next(target for prefix, target in _FIELD_SECTIONS if path.startswith(prefix))
        label = f"{path} ({ref.label})" if ref.label else path
        return {"href": "#" + section, "label": label}


def _timeline(
    case: RefundCase,
    checks: dict[str, ReplyCheck],
    replies: dict[str, ReplyCheck],
    file_paths: set[str],
) -> list[dict[str, object]]:
    messages: list[Message] = [message for thread in case.threads for message in thread.messages]
    messages.sort(key=lambda m: (m.sent_at, m.message_id))
    rows = []
    for message in messages:
        body_html = None
        if not message.body_text.strip() and message.body_html:
            body_html = Markup(sanitize_html(message.body_html))  # sanitized: allow-listed markup only
        rows.append(
            {
                "message": message,
                "id": anchor("msg", message.message_id),
                "inbound": message.role in (Role.CUSTOMER, Role.WALMART_CUSTOMER_CARE),
                "check": checks.get(message.message_id),
                "answers": replies.get(message.message_id),
                "body_html": body_html,
                "raw_link": message.raw_path if message.raw_path in file_paths else None,
            }
        )
    return rows


def _capture_view(capture: object, data: ReportInput, file_paths: set[str]) -> dict[str, object]:
    screenshot = getattr(capture, "screenshot", None)
    image = None
    if screenshot and screenshot in file_paths:
        raw = data.read_file(screenshot)
        if raw is not None and len(raw) <= MAX_EMBEDDED_IMAGE and raw.startswith(b"\x89PNG\r\n\x1a\n"):
            image = "data:image/png;base64," + base64.b64encode(raw).decode("ascii")
    snapshot = getattr(capture, "snapshot", None)
    # The screen as Seller Center served it, from the bundle's web archive (collector replay).
    replay = None
    if WEB_ARCHIVE in file_paths and screenshot:
        replay = f"collector replay {data.name} {PurePosixPath(screenshot).stem}"
    return {
        "capture": capture,
        "id": anchor("capture", getattr(capture, "screen", "")),
        "image": image,
        "screenshot": screenshot if screenshot in file_paths else None,
        "snapshot": snapshot if snapshot in file_paths else None,
        "archive": WEB_ARCHIVE if replay else None,
        "replay": replay,
    }


# --------------------------------------------------------------------------- index


@dataclass(frozen=True)
class IndexRow:
    """One bundle as the index lists it. ``problems`` counts verification problems (0 = intact).

    ``assessment`` (the latest) gives the deadline that matters next (an open appeal after a
    denial); without it, ``verdict`` and ``deadline`` are read as a dispute deadline."""

    name: str
    report_href: str
    po: str
    transaction_id: str
    amount: str
    timezone: str
    verdict: str | None
    deadline: datetime | None
    problems: int
    superseded: bool = False
    assessment: Assessment | None = None
    money: Money | None = None  # the refund's amount, for the totals per verdict
    state: str | None = None  # where the refund stands (review, dispute), as `collector status` says


def row_status(row: IndexRow, now: datetime) -> formatting.Status:
    """The row's verdict, deadline and time left as every other surface shows them."""
    return formatting.status_from(row.verdict, row.deadline, now, row.timezone, row.assessment)


def sort_key(row: IndexRow, now: datetime) -> tuple[int, float, str]:
    """Open refunds first, soonest deadline first; then closed ones, most recently closed first;
    then those with nothing to file; then bundles not assessed; ties by name."""
    return formatting.urgency(row_status(row, now), now, row.name)


def _by_verdict(rows: list[tuple[IndexRow, formatting.Status]]) -> list[dict[str, object]]:
    """Counts and amounts per verdict (current bundles only: superseded versions are not counted)."""
    labels = [formatting.verdict_label(v) for v in formatting.VERDICT_ORDER] + [formatting.NOT_ASSESSED]
    out = []
    for label in labels:
        chosen = [(r, s) for r, s in rows if s.verdict == label]
        if chosen:
            out.append(
                {
                    "label": label,
                    "css": label.replace(" ", "_"),
                    "count": len(chosen),
                    "open": sum(1 for _, s in chosen if s.open),
                    "amount": formatting.money_total(r.money for r, _ in chosen if r.money is not None),
                }
            )
    return out


def render_index(
    rows: list[IndexRow],
    generated_at: datetime,
    title: str = "Refund evidence bundles",
    *,
    now: datetime | None = None,
) -> str:
    """``now`` is the instant "time left" is counted from (default: ``generated_at``)."""
    now = now or generated_at
    style = css()
    shown = [(row, row_status(row, now)) for row in rows]
    ordered = sorted(shown, key=lambda pair: (pair[0].superseded, formatting.urgency(pair[1], now, pair[0].name)))
    current = [pair for pair in ordered if not pair[0].superseded]
    zones = {row.timezone for row, _ in current if row.verdict is not None} or {"UTC"}
    page_zone = zones.pop() if len(zones) == 1 else "UTC"
    open_rows = [(r, s) for r, s in current if s.open]
    return _ENV.get_template("index.html.j2").render(
        title=title,
        rows=[
            {
                "row": row,
                "status": status,
                "deadline": time_tag(status.at, row.timezone) if status.at else status.deadline,
                "amount": row.amount,
            }
            for row, status in ordered
        ],
        by_verdict=_by_verdict(current),
        open_count=len(open_rows),
        open_amount=formatting.money_total(r.money for r, _ in open_rows if r.money is not None),
        total_amount=formatting.money_total(r.money for r, _ in current if r.money is not None),
        current_count=len(current),
        generated=time_tag(generated_at, page_zone),
        as_of=time_tag(now, page_zone) if now != generated_at else None,
        style=Markup(style),
        csp=content_security_policy(style),
    )
