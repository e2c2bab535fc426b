"""Render ``index.html``: every bundle in a folder, the most urgent deadline first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from evidence.report import timefmt
from evidence.report.render import _ENV, content_security_policy, css


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


def sort_key(row: IndexRow) -> tuple[int, datetime | None, str]:
    """Deadline ascending; bundles without a deadline (not assessed) last, then by name."""
    return (1, None, row.name) if row.deadline is None else (0, row.deadline, row.name)


def render_index(rows: list[IndexRow], generated_at: datetime, title: str = "Refund evidence bundles") -> str:
    style = css()
    ordered = sorted(rows, key=lambda r: (r.superseded, *sort_key(r)))
    return _ENV.get_template("index.html.j2").render(
        title=title,
        rows=[
            {
                "row": row,
                "deadline": timefmt.time_tag(row.deadline, row.timezone),
                "left": timefmt.time_left_text(row.deadline, generated_at) if row.verdict else "not assessed",
            }
            for row in ordered
        ],
        generated=timefmt.time_tag(generated_at, "UTC"),
        style=Markup(style),
        csp=content_security_policy(style),
    )
