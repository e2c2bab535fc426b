"""What the reviewer does next, in one sentence, and where to file: the top of ``report.html``.

The deadline named is the one that matters next (:func:`evidence.formatting.status`): the dispute
deadline while a dispute can be filed, the appeal deadline after a denial. A closed window names
what is left (the appeal, or the return-dispute path when the policy has one), never "File by"
a time that has passed. The steps come from the policy's ``where_to_file``; an unknown policy id
(a bundle assessed under a version this install does not have) only loses the steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evidence import formatting
from evidence.models import Assessment, FindingStatus, RefundCase, Verdict
from evidence.policy import Policy, PolicyError, default_registry
from evidence.policy.assess import INFORMATIONAL

__all__ = ["NextStep", "filing_steps", "next_step", "policy_for"]


@dataclass(frozen=True)
class NextStep:
    text: str
    steps: list[str] = field(default_factory=list)  # where to file, in order (empty: nothing to file)
    steps_title: str = ""


def policy_for(assessment: Assessment | None) -> Policy | None:
    if assessment is None:
        return None
    try:
        return default_registry().get(assessment.policy_id)
    except (PolicyError, KeyError, ValueError):
        return None


def filing_steps(where_to_file: str, po: str) -> list[str]:
    """``"Transactions dashboard: search the PO/CO, row '...' menu, View details"`` as steps
    (``Open Transactions dashboard``, ``search the PO/CO (PO 434...)``, ...)."""
    head, sep, tail = where_to_file.partition(": ")
    parts = [p.strip() for p in tail.split(", ")] if sep else []
    steps = [f"Open {head.strip()}"] + [p for p in parts if p]
    return [f"{step} (PO {po})" if "PO" in step and po not in step else step for step in steps]


def next_step(case: RefundCase, shown: formatting.Status, policy: Policy | None) -> NextStep:
    """One sentence (plain text; the template escapes it) and, when something can be filed, the steps."""
    assessment = case.assessment
    if assessment is None:
        return NextStep("Assess the bundle (collector assess) to get a verdict and a deadline.")
    tz = case.seller.timezone
    steps = filing_steps(policy.where_to_file, case.po) if policy else []
    steps_title = f"Where to file ({policy.id})" if policy else ""
    when = f"{shown.deadline} ({shown.time_left} when assessed)"
    verdict = assessment.verdict
    if verdict is Verdict.READY_TO_FILE:
        text = f"File the dispute by {when}, after reading the draft and the evidence below."
        if shown.at is None:
            text = "File the dispute; the deadline is not known, so check it in Seller Center first."
        return NextStep(text, steps, steps_title)
    if verdict is Verdict.NEEDS_ATTENTION:
        points = [
            f
            for f in assessment.findings
            if f.status is not FindingStatus.PASS and f.code not in INFORMATIONAL
        ]
        look = f"Check the {len(points)} point{'s' if len(points) != 1 else ''} marked below"
        if shown.at is None:
            return NextStep(f"{look}; the deadline is not known, so check it in Seller Center.", steps, steps_title)
        return NextStep(f"{look}, then file by {when}.", steps, steps_title)
    if verdict is Verdict.ALREADY_DISPUTED:
        return NextStep(_after_dispute(case, shown), [], "")
    if verdict is Verdict.WINDOW_CLOSED:
        final = (
            " A late dispute is denied and the denial is final."
            if policy and policy.dispute_window.late_is_final
            else ""
        )
        closed = f"The dispute window closed {shown.deadline} ({shown.time_left} when assessed).{final}"
        return NextStep(f"{closed} {_return_path(case, policy, tz)}".strip(), [], "")
    excluded = next(
        (f for f in assessment.findings if f.code.startswith("not_disputable.") and f.status is FindingStatus.FAIL),
        None,
    )
    why = f" ({excluded.title}: {excluded.detail.rstrip('.')})" if excluded else ""
    return NextStep(f"Not disputable{why}. Nothing to file for this refund.", [], "")


def _after_dispute(case: RefundCase, shown: formatting.Status) -> str:
    dispute = case.dispute_case
    which = f"case {dispute.case_id}, status {dispute.status.value}" if dispute else "shown on Seller Center"
    if shown.kind == "appeal":
        if shown.at is None:
            return (
                f"The dispute ({which}) was denied, and its decision date was not captured: open the dispute case "
                "to see until when it can be appealed."
            )
        if shown.open:
            return (
                f"The dispute ({which}) was denied: appeal by {shown.deadline} ({shown.time_left} when assessed), "
                "from the dispute case. One appeal is allowed."
            )
        return f"The dispute ({which}) was denied and the appeal window closed {shown.deadline}: nothing left to file."
    return f"Already disputed ({which}): nothing to file now; a new dispute would be reviewed as an appeal."


def _return_path(case: RefundCase, policy: Policy | None, tz: str) -> str:
    if policy is None:
        return "Nothing left to file for this refund."
    window = next((w for w in policy.related_windows if w.anchor.value == "return"), None)
    if window is None:
        return "Nothing left to file for this refund."
    where = f"{window.title.lower()} on the {window.where_to_file}, within {window.days} days of the return"
    if case.returns:
        ret = case.returns[0]
        return (
            f"Next step: {where} (return {ret.rma} of {formatting.local_time(ret.created_at, tz)}); "
            "the refund itself can no longer be disputed."
        )
    return f"Next step, if the customer returned the item: {where}. The refund itself can no longer be disputed."
