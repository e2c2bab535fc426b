"""Render ``report.html`` (one self-contained page a reviewer reads before filing a dispute) and
``index.html`` (every bundle in a folder, the most urgent deadline first).

Self-contained means: inline CSS (allowed by its hash in the Content-Security-Policy), screenshots
embedded as ``data:`` URIs, links only to files inside the bundle, and nothing remote. The CSP
meta tag forbids every script, remote fetch, form and base URL, so even a sanitizer bug cannot
make the page run code or phone home.

E-mail bodies are hostile input: ``body_text`` is always rendered escaped (Jinja autoescape);
``body_html`` is shown only when there is no text, and only after ``evidence.sanitize.sanitize_html``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from evidence.models import (
    Assessment,
    EvidenceRef,
    FindingStatus,
    Message,
    RefundCase,
    ReplyCheck,
    ReviewDecision,
    Role,
)
from evidence.sanitize import sanitize_html

# Larger screenshots are linked instead of embedded, to keep the page openable.
MAX_EMBEDDED_IMAGE = 8 * 1024 * 1024

_ENV = Environment(
    loader=PackageLoader("evidence.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


# --------------------------------------------------------------------------- times


def zone(name: str) -> tzinfo:
    """The seller's zone; an unknown name falls back to UTC rather than failing the report."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_text(moment: datetime, tz_name: str) -> str:
    """``Nov 20, 2026, 3:15 PM CST`` (the format the Seller Center screens use)."""
    local = moment.astimezone(zone(tz_name))
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.strftime('%b')} {local.day}, {local.year}, {hour}:{local.strftime('%M %p')} {local.tzname()}"


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def time_tag(moment: datetime | None, tz_name: str) -> Markup:
    """``<time>`` with the local time shown and the UTC time in ``datetime`` and on hover."""
    if moment is None:
        return Markup("<span class='muted'>unknown</span>")
    iso = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        escape(iso), escape(utc_text(moment)), escape(local_text(moment, tz_name))
    )


def duration_text(delta: timedelta) -> str:
    """``2 d 5 h``, ``3 h 20 min``, ``12 min``: for time left and reply latencies."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def time_left_text(deadline: datetime | None, now: datetime) -> str:
    """``1 d 4 h left`` / ``closed 3 h 10 min ago`` / ``no deadline``."""
    if deadline is None:
        return "no deadline"
    delta = deadline - now
    if delta.total_seconds() >= 0:
        return f"{duration_text(delta)} left"
    return f"closed {duration_text(delta)} ago"


def hours_text(hours: float | None) -> str:
    if hours is None:
        return "-"
    return duration_text(timedelta(hours=hours))


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
        # Counted from the assessment, not from when the page is read or rendered: a report is a
        # record, and "time left" must agree with the findings it shows.
        time_left=time_left_text(assessment.deadline, assessment.assessed_at) if assessment else "not assessed",
        findings=[
            {"finding": f, "links": [_evidence_link(ref, file_paths) for ref in f.evidence], "mark": _MARKS[f.status]}
            for f in (assessment.findings if assessment else [])
        ],
        timeline=_timeline(case, checks, replies, file_paths),
        screenshots=[_capture_view(capture, data, file_paths) for capture in case.captures],
        files=data.files,
        anchor=anchor,
        when=lambda moment: time_tag(moment, tz),
        hours=hours_text,
    )


_MARKS = {FindingStatus.PASS: "✔", FindingStatus.FAIL: "✘", FindingStatus.UNKNOWN: "?"}


def _evidence_link(ref: EvidenceRef, file_paths: set[str]) -> dict[str, str]:
    label = ref.label or ref.ref
    if ref.kind == "message":
        return {"href": "#" + anchor("msg", ref.ref), "label": label}
    if ref.kind == "capture":
        return {"href": "#" + anchor("capture", ref.ref), "label": label}
    if ref.kind == "file" and ref.ref in file_paths:
        return {"href": quote(ref.ref), "label": label}
    if ref.kind == "field":
        return {"href": "data/case.json", "label": label}
    return {"href": "#files", "label": label}


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
    return {
        "capture": capture,
        "id": anchor("capture", getattr(capture, "screen", "")),
        "image": image,
        "screenshot": screenshot if screenshot in file_paths else None,
        "snapshot": snapshot if snapshot in file_paths else None,
    }


# --------------------------------------------------------------------------- index


@dataclass(frozen=True)
class IndexRow:
    """One bundle as the index lists it. ``problems`` counts verification problems (0 = intact)."""

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


def sort_key(row: IndexRow, now: datetime) -> tuple[int, float, str]:
    """Open deadlines first, soonest first; then closed ones, most recently closed first; then
    bundles without a deadline (not assessed); ties by name."""
    if row.deadline is None:
        return (2, 0.0, row.name)
    seconds = (row.deadline - now).total_seconds()
    return (0, seconds, row.name) if seconds >= 0 else (1, -seconds, row.name)


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
    ordered = sorted(rows, key=lambda r: (r.superseded, *sort_key(r, now)))
    return _ENV.get_template("index.html.j2").render(
        title=title,
        rows=[
            {
                "row": row,
                "deadline": time_tag(row.deadline, row.timezone),
                "left": time_left_text(row.deadline, now) if row.verdict else "not assessed",
            }
            for row in ordered
        ],
        generated=time_tag(generated_at, "UTC"),
        as_of=time_tag(now, "UTC") if now != generated_at else None,
        style=Markup(style),
        csp=content_security_policy(style),
    )
