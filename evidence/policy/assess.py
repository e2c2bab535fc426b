"""Assess one refund: findings, a verdict with plain-word reasons, the deadlines, a draft.

:func:`assess` is a pure function: the case, the policy and ``now`` in, an ``Assessment`` out.
No disk, no network, no wall clock (templates are loaded when :mod:`evidence.policy.drafts` is
imported). Reply checks are always recomputed from the case's messages with the policy's windows
(``case.reply_checks`` may have been computed with other windows or at another time).

Verdict, first match wins:

1. ``already_disputed``: a dispute exists (the reasons say whether an appeal is still open);
2. ``not_disputable``: a not-disputable case of the policy applies (or the screen says so);
3. ``window_closed``: the dispute deadline has passed;
4. ``needs_attention``: any finding other than the informational ``return_window`` fails or is
   unknown;
5. ``ready_to_file``: everything checked passes.
"""

from __future__ import annotations

from datetime import datetime

from evidence.email.replies import compute_reply_checks
from evidence.models import Assessment, Finding, FindingStatus, Message, RefundCase, Verdict
from evidence.policy.checks import (
    Facts,
    check_already_disputed,
    check_appeal,
    check_automatic_only,
    check_deadline,
    check_replies_on_time,
    check_screen_deadline,
    effective_deadline,
)
from evidence.policy.deadlines import appeal_deadline, seller_zone
from evidence.policy.drafts import render_draft
from evidence.policy.exclusions import check_not_disputable
from evidence.policy.model import Policy
from evidence.policy.order_checks import check_lost_order, check_return_window, check_search_horizon

__all__ = ["INFORMATIONAL", "assess", "build_facts", "decide"]

INFORMATIONAL = frozenset({"return_window"})
DRAFTED = frozenset({Verdict.READY_TO_FILE, Verdict.NEEDS_ATTENTION})


def _messages(case: RefundCase) -> list[Message]:
    seen: dict[str, Message] = {}
    for thread in case.threads:
        for message in thread.messages:
            seen.setdefault(message.message_id, message)
    return sorted(seen.values(), key=lambda m: (m.sent_at, m.message_id))


def build_facts(case: RefundCase, policy: Policy, now: datetime) -> Facts:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    messages = _messages(case)
    checks = compute_reply_checks(
        messages, reply_window=policy.reply_timedelta, complaint_window=policy.complaint_timedelta, now=now
    )
    return Facts(
        case=case, policy=policy, tz=seller_zone(case.seller.timezone), now=now, messages=messages, reply_checks=checks
    )


def _findings(facts: Facts) -> list[Finding]:
    findings = [check_deadline(facts)]
    findings += [f for f in (check_screen_deadline(facts), check_already_disputed(facts), check_appeal(facts)) if f]
    findings += check_not_disputable(facts)
    findings += [check_replies_on_time(facts), check_automatic_only(facts)]
    findings += check_lost_order(facts)
    findings += [check_return_window(facts), check_search_horizon(facts)]
    return findings


def _line(finding: Finding) -> str:
    return f"{finding.title}: {finding.detail}"


def decide(findings: list[Finding]) -> tuple[Verdict, list[str]]:
    """The verdict and the reasons a reviewer reads, from the findings alone."""
    by_code = {f.code: f for f in findings}
    failed = [f for f in findings if f.status is FindingStatus.FAIL]
    disputed = by_code.get("dispute.already_filed")
    if disputed is not None and disputed.status is FindingStatus.FAIL:
        reasons = [disputed.detail]
        appeal = by_code.get("appeal.deadline")
        if appeal is not None:
            reasons.append(appeal.detail)
        return Verdict.ALREADY_DISPUTED, reasons
    excluded = [f for f in failed if f.code.startswith("not_disputable.")]
    if excluded:
        return Verdict.NOT_DISPUTABLE, [_line(f) for f in excluded]
    deadline = by_code.get("deadline")
    if deadline is not None and deadline.status is FindingStatus.FAIL:
        return Verdict.WINDOW_CLOSED, [deadline.detail]
    open_points = [f for f in findings if f.status is not FindingStatus.PASS and f.code not in INFORMATIONAL]
    if open_points:
        return Verdict.NEEDS_ATTENTION, [_line(f) for f in open_points]
    reasons = ["Every check passed; review the draft and the evidence before filing."]
    if deadline is not None:
        reasons.append(deadline.detail)
    ground = by_code.get("return_window")
    if ground is not None and ground.status is FindingStatus.PASS:
        reasons.append(ground.detail)
    return Verdict.READY_TO_FILE, reasons


def assess(case: RefundCase, policy: Policy, now: datetime) -> Assessment:
    """Assess one refund under ``policy`` at the instant ``now`` (pure: same input, same output)."""
    facts = build_facts(case, policy, now)
    findings = _findings(facts)
    verdict, reasons = decide(findings)
    deadline_at, basis, _ = effective_deadline(facts)
    appeal = appeal_deadline(case.dispute_case, policy, facts.tz)
    draft = render_draft(facts, findings) if verdict in DRAFTED else None
    return Assessment(
        policy_id=policy.id,
        assessed_at=now,
        deadline=deadline_at,
        deadline_basis=basis,
        appeal_deadline=appeal.at if appeal else None,
        verdict=verdict,
        reasons=reasons,
        findings=findings,
        draft=draft,
    )
