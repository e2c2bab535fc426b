"""The filing packet: what a person pastes into the dispute form, and where that form is.

For an approved refund: the form's reason (one of its four), the description (within the form's
length limits), the files to attach in order, the steps from the policy's ``where_to_file``, and
the direct Seller Center URLs (the refund's details screen as captured, and the dispute form the
refund's Dispute button opens). Before an approval the packet is a proposal built from the
assessment (``approved`` False) so the reviewer sees what will be filed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evidence.bundle.reader import Bundle
from evidence.bundle.review_state import ReviewState, approval_is_current, review_state
from evidence.models import FindingStatus, ReviewOutcome
from evidence.policy.dispute_form import MAX_DESCRIPTION, MIN_DESCRIPTION, REASONS, refund_urls, suggested_reason
from evidence.report.next_step import filing_steps, policy_for

# The form's reasons and limits live in evidence.policy.dispute_form (the report shows them too).
__all__ = ["MAX_DESCRIPTION", "MIN_DESCRIPTION", "REASONS", "FilingPacket", "build_packet", "refund_urls"]


@dataclass(frozen=True)
class FilingPacket:
    bundle: str
    po: str
    transaction_id: str
    state: ReviewState
    approved: bool  # an approval for the bundle's current evidence exists
    reason: str
    description: str
    attachments: list[str]  # bundle paths, in the order to attach
    steps: list[str]
    refund_url: str | None  # the captured screen holding the refund's Dispute button
    form_url: str | None  # the dispute form the button opens
    problems: list[str] = field(default_factory=list)  # why it cannot be filed as it is

    def as_json(self) -> dict[str, object]:
        return {
            "bundle": self.bundle, "po": self.po, "transaction_id": self.transaction_id,
            "state": self.state.value, "approved": self.approved, "reason": self.reason,
            "description": self.description, "attachments": list(self.attachments), "steps": list(self.steps),
            "refund_url": self.refund_url, "form_url": self.form_url, "problems": list(self.problems),
        }  # fmt: skip

    def as_text(self) -> str:
        """The ready-to-paste text (what the app's copy button copies)."""
        lines = [f"Reason: {self.reason}", "", self.description, ""]
        if self.attachments:
            lines += ["Attach, in this order:", *(f"{n}. {a}" for n, a in enumerate(self.attachments, 1)), ""]
        return "\n".join(lines).rstrip() + "\n"


def suggested_attachments(bundle: Bundle) -> list[str]:
    """Files added in review first, then the screenshots (the draft says they are attached), then
    the e-mails and files the passing findings cite."""
    listed = set(bundle.files())
    chosen = [a.path for a in bundle.case.added_evidence if a.path in listed]
    for capture in bundle.case.captures:
        if capture.screenshot in listed and capture.screenshot not in chosen:
            chosen.append(capture.screenshot)
    assessment = bundle.case.assessment
    screens = {c.screen: c.screenshot for c in bundle.case.captures if c.screenshot}
    raw = {m.message_id: m.raw_path for t in bundle.case.threads for m in t.messages if m.raw_path}
    for finding in assessment.findings if assessment else []:
        if finding.status is not FindingStatus.PASS:
            continue
        for ref in finding.evidence:
            path = {"capture": screens.get(ref.ref), "message": raw.get(ref.ref), "file": ref.ref}.get(ref.kind)
            if path and path in listed and path not in chosen:
                chosen.append(path)
    return chosen


def fit_description(text: str) -> tuple[str, list[str]]:
    """The text within the form's limits, and what was wrong with it."""
    text = text.strip()
    if len(text) > MAX_DESCRIPTION:
        return text[: MAX_DESCRIPTION - 1].rstrip() + "…", [f"the text was cut to {MAX_DESCRIPTION} characters"]
    if len(text) < MIN_DESCRIPTION:
        return text, [f"the description needs at least {MIN_DESCRIPTION} characters"]
    return text, []


def build_packet(bundle: Bundle) -> FilingPacket:
    """The packet: from the current approval when there is one, else proposed from the assessment."""
    state = review_state(bundle)
    approved = approval_is_current(bundle) and state is ReviewState.APPROVED
    decision = bundle.reviews[-1] if bundle.reviews else None
    from_decision = decision if decision and decision.outcome is ReviewOutcome.APPROVED_TO_FILE else None
    assessment = bundle.case.assessment
    reason = (from_decision.reason_option if from_decision else None) or suggested_reason(assessment)
    draft = (from_decision.text if from_decision else None) or (assessment.draft if assessment else None) or ""
    description, problems = fit_description(draft)
    attachments = list(from_decision.attachments) if from_decision else suggested_attachments(bundle)
    missing = [a for a in attachments if bundle.manifest.entry(a) is None]
    problems += [f"{a} is not in the bundle" for a in missing]
    attachments = [a for a in attachments if a not in missing]
    policy = policy_for(assessment)
    steps = filing_steps(policy.where_to_file, bundle.case.po) if policy else []
    refund_url, form_url = refund_urls(bundle.case)
    if state is ReviewState.FILED:
        problems.insert(0, "already filed")
    elif state is ReviewState.APPROVAL_STALE:
        problems.insert(0, "the evidence changed after the approval: approve again")
    elif not approved:
        problems.insert(0, f"not approved ({state.value.replace('_', ' ')})")
    return FilingPacket(
        bundle=bundle.name, po=bundle.case.po, transaction_id=bundle.case.refund_transaction_id, state=state,
        approved=approved, reason=reason, description=description, attachments=attachments, steps=steps,
        refund_url=refund_url, form_url=form_url, problems=problems,
    )  # fmt: skip
