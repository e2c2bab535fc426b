"""Dispute policy as data: versioned rules, deadlines, findings, verdicts, draft text, calendars.

Policy versions are TOML files in ``evidence/policy/data`` (see docs/policies.md). Pure code: no
browser, no clock (``now`` is always passed in), no network.
"""

from __future__ import annotations

from evidence.policy.assess import assess, decide
from evidence.policy.deadlines import (
    Deadline,
    appeal_deadline,
    day_count_deadline,
    dispute_deadline,
    format_local,
    format_time_left,
    parse_instant,
    return_window_end,
    seller_zone,
)
from evidence.policy.drafts import choose_template, render_draft
from evidence.policy.ical import to_ics
from evidence.policy.model import POLICY_FORMAT, Policy, PolicyError, parse_policy
from evidence.policy.registry import PolicyRegistry, default_registry, load_policy_file, load_policy_text
from evidence.policy.schedule import CSV_COLUMNS, DeadlineEntry, open_deadlines, to_csv

__all__ = [
    "CSV_COLUMNS",
    "POLICY_FORMAT",
    "Deadline",
    "DeadlineEntry",
    "Policy",
    "PolicyError",
    "PolicyRegistry",
    "appeal_deadline",
    "assess",
    "choose_template",
    "day_count_deadline",
    "decide",
    "default_registry",
    "dispute_deadline",
    "format_local",
    "format_time_left",
    "load_policy_file",
    "load_policy_text",
    "open_deadlines",
    "parse_instant",
    "parse_policy",
    "render_draft",
    "return_window_end",
    "seller_zone",
    "to_csv",
    "to_ics",
]
