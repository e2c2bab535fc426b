"""Findings' titles say what was found: a failing check never keeps its passing title."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from evidence.models import FindingStatus, Role
from evidence.policy import assess, default_registry
from tests.evidence.policy.factories import make_case, message, shipment
from tests.evidence.policy.test_assess import CASES, ISSUED, NOW

REG = default_registry()


def _extra_cases() -> list[tuple[str, dict, object]]:
    """Lost-order cases, so the lost-order findings show more than one status."""
    lost = {"reason": "Merchandise not received", "reason_code": "LOST_IN_TRANSIT"}
    return [
        ("walmart-cc-2024-11", {**lost}, NOW),
        ("walmart-cc-2024-11", {**lost, "shipments": []}, NOW),
        ("walmart-cc-2024-11", {**lost, "with_messages": False}, NOW),
        (
            "walmart-cc-2024-11",
            {**lost, "messages": [message("c1@relay", ISSUED - timedelta(hours=3), Role.CUSTOMER)]},
            NOW,
        ),
        (
            "walmart-cc-2024-11",
            {
                "reason": "Merchandise not received",
                "reason_code": "LOST_AFTER_DELIVERY",
                "shipments": [shipment(ISSUED - timedelta(days=6), delivered=ISSUED - timedelta(days=3))],
            },
            NOW,
        ),
        (
            "walmart-cc-2024-11",
            {"shipped_at": ISSUED - timedelta(days=60), "order_date": ISSUED - timedelta(days=61)},
            NOW,
        ),
    ]


def _titles() -> dict[str, dict[FindingStatus, set[str]]]:
    seen: dict[str, dict[FindingStatus, set[str]]] = defaultdict(lambda: defaultdict(set))
    runs = [(c[1], c[2], c[3]) for c in CASES] + _extra_cases()
    for policy_id, kwargs, now in runs:
        for finding in assess(make_case(**kwargs), REG.get(policy_id), now).findings:
            seen[finding.code][finding.status].add(finding.title)
    return seen


def test_each_status_of_a_finding_has_its_own_title() -> None:
    seen = _titles()
    assert len(seen) >= 15
    several = 0
    for code, by_status in seen.items():
        for status, titles in by_status.items():
            assert len(titles) == 1, (code, status, titles)  # one title per finding and status
        flat = [next(iter(t)) for t in by_status.values()]
        assert len(set(flat)) == len(flat), (code, dict(by_status))  # pass, fail, unknown differ
        several += len(flat) > 1
    assert several >= 12  # the table above really exercises pass and fail of most findings


def test_a_missed_reply_is_titled_as_found() -> None:
    case = make_case(messages=[message("c1@relay", ISSUED - timedelta(hours=60), Role.CUSTOMER, body="Hello?")])
    findings = {f.code: f for f in assess(case, REG.get("walmart-cc-2024-11"), NOW).findings}
    missed = findings["not_disputable.missed_reply"]
    assert missed.status is FindingStatus.FAIL
    assert missed.title == "A reply was missed before the refund"
    assert "not caused" not in missed.title
    assert findings["replies.on_time"].title == "Not every message was answered by a person in time"


def test_titles_of_passing_and_failing_windows() -> None:
    policy = REG.get("walmart-cc-2024-11")
    open_ = {f.code: f.title for f in assess(make_case(), policy, NOW).findings}
    closed = {f.code: f.title for f in assess(make_case(), policy, ISSUED + timedelta(hours=49)).findings}
    assert open_["deadline"] == "Dispute window open" and closed["deadline"] == "Dispute window closed"
    assert open_["return_window"] != closed["return_window"] or open_["return_window"].startswith("Refund issued")


def test_latencies_in_findings_read_as_durations() -> None:
    case = make_case(
        messages=[
            message("c1@relay", ISSUED - timedelta(hours=90), Role.CUSTOMER),
            message("s1@seller", ISSUED - timedelta(hours=90) + timedelta(hours=50, minutes=12), Role.SELLER),
        ]
    )
    on_time = next(f for f in assess(case, REG.get("walmart-cc-2024-11"), NOW).findings if f.code == "replies.on_time")
    assert "answered 2 d 2 h 12 min later, after the 48 h window" in on_time.detail
    ok = next(f for f in assess(make_case(), REG.get("walmart-cc-2024-11"), NOW).findings if f.code == "replies.on_time")
    assert "(slowest 5 h 0 min)" in ok.detail


def test_no_finding_shows_a_raw_enum_value() -> None:
    case = make_case(
        messages=[message("cc1@walmart", ISSUED - timedelta(hours=60), Role.WALMART_CUSTOMER_CARE, body="Hello?")]
    )
    findings = assess(case, REG.get("walmart-cc-2024-11"), NOW).findings
    missed = next(f for f in findings if f.code == "not_disputable.missed_reply")
    assert missed.detail.startswith("The Walmart Customer Care message of")
    assert not [f.detail for f in findings if "walmart_customer_care" in f.detail or "_" in f.title]
