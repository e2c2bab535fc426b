"""Not-disputable refunds: the cases a policy excludes (seller-initiated, Keep-It, Extended
Returns, lost in store, a refund that followed a missed reply) and the screen's own "can't be
disputed". One finding per case the policy lists; conventions as in :mod:`evidence.policy.checks`.
"""

from __future__ import annotations

from evidence import formatting
from evidence.models import DisputeState, Finding, TransactionType
from evidence.policy.checks import FAIL, PASS, UNKNOWN, Facts, Titles, _field, _finding, _message
from evidence.policy.model import NotDisputableCase

__all__ = ["check_not_disputable"]


def _reason_texts(facts: Facts) -> list[str]:
    refund = facts.case.refund
    texts = [t for t in (refund.reason, refund.reason_code) if t]
    for ret in facts.case.returns:
        texts += [t for t in (ret.reason, ret.reason_code) if t]
    return texts


def _marked(texts: list[str], markers: list[str]) -> str | None:
    return next((t for t in texts for m in markers if m.casefold() in t.casefold()), None)


def check_not_disputable(facts: Facts) -> list[Finding]:
    """One finding per not-disputable case the policy lists, plus the screen's own verdict."""
    refund, rules = facts.case.refund, facts.policy.not_disputable
    findings: list[Finding] = []
    texts = _reason_texts(facts)
    for kind in rules.cases:
        code = f"not_disputable.{kind.value}"
        if kind is NotDisputableCase.SELLER_INITIATED:
            refs = [_field("refund.refund_channel"), _field("refund.type")]
            if refund.refund_channel is not None:
                status = FAIL if refund.refund_channel.seller_initiated else PASS
                detail = f"Refund channel {refund.refund_channel.value}" + (
                    ": the seller issued this refund itself." if status is FAIL else "."
                )
            elif refund.type is TransactionType.CUSTOMER_CARE_REFUND:
                status, detail = PASS, "A Walmart Customer Care refund (the refund channel is not shown)."
            else:
                status, detail = UNKNOWN, "The refund channel was not captured; cannot tell who issued the refund."
            title = Titles(
                "Not a seller-initiated refund", "Seller-initiated refund", "Who issued the refund is not known"
            )
            findings.append(_finding(code, title, status, detail, refs))
        elif kind is NotDisputableCase.KEEP_IT:
            keep = refund.keep_it or any(r.keep_it for r in facts.case.returns)
            findings.append(
                _finding(
                    code,
                    Titles("Not a Keep-It refund", "Keep-It refund", "Keep-It not known"),
                    FAIL if keep else PASS,
                    "Keep-It refund: the customer kept the item." if keep else "Not a Keep-It refund.",
                    [_field("refund.keep_it")],
                )
            )
        elif kind in (NotDisputableCase.EXTENDED_RETURNS, NotDisputableCase.LOST_IN_STORE):
            markers = (
                rules.extended_returns_markers
                if kind is NotDisputableCase.EXTENDED_RETURNS
                else rules.lost_in_store_markers
            )
            what = (
                "an Extended Returns program return"
                if kind is NotDisputableCase.EXTENDED_RETURNS
                else "a lost-in-store return"
            )
            title = Titles(
                f"Not {what}", what[0].upper() + what[1:], f"Whether it is {what} is not known"
            )
            hit = _marked(texts, markers)
            refs = [_field("refund.reason"), _field("refund.reason_code"), _field("returns")]
            if hit:
                findings.append(_finding(code, title, FAIL, f"Reason {hit!r} marks {what}.", refs))
            elif texts:
                findings.append(
                    _finding(code, title, PASS, f"The reasons ({', '.join(texts)}) do not mark {what}.", refs)
                )
            else:
                findings.append(
                    _finding(code, title, UNKNOWN, "No refund or return reason was captured.", refs)
                )
        elif kind is NotDisputableCase.MISSED_REPLY:
            findings.append(_check_missed_reply(facts, code))
    if refund.dispute.state is DisputeState.NOT_AVAILABLE:
        findings.append(
            _finding(
                "not_disputable.screen",
                Titles(
                    "Seller Center offers a dispute",
                    "Seller Center says it can't be disputed",
                    "Whether Seller Center offers a dispute is not known",
                ),
                FAIL,
                "Seller Center says this transaction can't be disputed.",
                [_field("refund.dispute.state"), *facts.capture_refs("refund-details")],
            )
        )
    return findings


def _check_missed_reply(facts: Facts, code: str) -> Finding:
    title = Titles(
        "No missed reply before the refund",
        "A reply was missed before the refund",
        "Whether a reply was missed before the refund is not known",
    )
    issued = facts.case.refund.issued_at
    if not facts.has_messages:
        return _finding(
            code, title, UNKNOWN, "No messages were captured; cannot rule out a missed reply.", [_field("threads")]
        )
    missed = [
        c
        for c in facts.reply_checks
        if c.inbound_at < issued and c.due_at <= issued and (c.replied_at is None or c.replied_at > c.due_at)
    ]
    # A message from an unidentified sender inside the window may be the reply: then the check is open.
    undecided = [c for c in missed if facts.may_be_reply(c)]
    missed = [c for c in missed if c not in undecided]
    if missed:
        first = missed[0]
        return _finding(
            code,
            title,
            FAIL,
            f"The {formatting.role_label(first.inbound_role)} message of {facts.local(first.inbound_at)} had no "
            f"human reply by {facts.local(first.due_at)}, before the refund on {facts.local(issued)}.",
            [_message(c.inbound_message_id, "missed") for c in missed],
        )
    unknown_refs = [_message(m.message_id, "sender unidentified") for m in facts.unidentified]
    if undecided:
        first = undecided[0]
        return _finding(
            code,
            title,
            UNKNOWN,
            f"{facts.unidentified_hint()}. The {formatting.role_label(first.inbound_role)} message of "
            f"{facts.local(first.inbound_at)} had no reply from an identified seller address by "
            f"{facts.local(first.due_at)}, before the refund on {facts.local(issued)}; one of them may be that reply.",
            [*(_message(c.inbound_message_id, "reply unclear") for c in undecided), *unknown_refs],
        )
    before = [m for m in facts.may_need_reply() if m.sent_at < issued]
    if before:
        return _finding(
            code,
            title,
            UNKNOWN,
            f"{facts.unidentified_hint()}. {len(before)} of them, before the refund (first "
            f"{facts.local(before[0].sent_at)}), got no reply from an identified seller address in time: "
            "if they are inquiries, a reply was missed.",
            unknown_refs,
        )
    return _finding(code, title, PASS, "Every message before the refund was answered in time.", [_field("threads")])
