"""One function per finding. Each reads a :class:`Facts` and returns a ``Finding`` (or None when the
check does not apply to this refund, e.g. the lost-order steps on a damaged-item refund).

Status meaning, everywhere: ``pass`` = the data supports filing on this point, ``fail`` = it does
not, ``unknown`` = the data needed is missing. A missing field is never a pass. The one
informational finding is ``return_window`` (pass = issued outside the return window, a ground for
full reimbursement; fail = inside it, which blocks nothing).

Unidentified senders (human messages whose role stayed ``unknown``, see
``evidence.email.replies.unidentified_messages``) are never read as "no reply": a missing reply
that one of them could be (sent by the due time), or one of them that could be an unanswered
inquiry, makes the reply findings ``unknown`` with the reason "N messages whose sender could not
be identified as seller or customer: set seller_addresses".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from evidence import formatting
from evidence.email.replies import could_be_reply, could_need_reply, describe_unidentified, unidentified_messages
from evidence.models import (
    DisputeState,
    EvidenceRef,
    Finding,
    FindingStatus,
    Message,
    RefundCase,
    ReplyCheck,
    ReplyStatus,
)
from evidence.policy.deadlines import (
    Deadline,
    appeal_deadline,
    dispute_deadline,
    format_local,
    format_time_left,
    is_open,
)
from evidence.policy.model import Policy

__all__ = [
    "SCREEN_TOLERANCE",
    "Facts",
    "Titles",
    "check_already_disputed",
    "check_appeal",
    "check_automatic_only",
    "check_deadline",
    "check_replies_on_time",
    "check_screen_deadline",
    "effective_deadline",
]

PASS, FAIL, UNKNOWN = FindingStatus.PASS, FindingStatus.FAIL, FindingStatus.UNKNOWN
SCREEN_TOLERANCE = timedelta(minutes=1)
# Words in a seller's (human) message that show a replacement or a refund was offered.
OFFER_WORDS = ("replacement", "replace", "reship", "re-ship", "resend", "new tracking", "refund")


@dataclass
class Facts:
    """What every check reads: the case, the rules, the seller's zone, the injected time."""

    case: RefundCase
    policy: Policy
    tz: ZoneInfo
    now: datetime
    messages: list[Message] = field(default_factory=list)
    reply_checks: list[ReplyCheck] = field(default_factory=list)

    @property
    def has_messages(self) -> bool:
        return bool(self.messages)

    @property
    def unidentified(self) -> list[Message]:
        """Human messages whose sender could not be identified as seller, customer or Walmart."""
        return unidentified_messages(self.messages)

    def unidentified_hint(self) -> str:
        return describe_unidentified(len(self.unidentified))

    def may_be_reply(self, check: ReplyCheck) -> list[Message]:
        """Unidentified messages that may be the reply ``check`` is missing (see ``could_be_reply``)."""
        return could_be_reply(check, self.unidentified)

    def may_need_reply(self) -> list[Message]:
        """Unidentified messages that, were they inquiries, got no seller reply in time."""
        return could_need_reply(
            self.messages,
            self.unidentified,
            reply_window=self.policy.reply_timedelta,
            complaint_window=self.policy.complaint_timedelta,
        )

    def local(self, moment: datetime) -> str:
        return format_local(moment, self.tz)

    def capture_refs(self, *words: str) -> list[EvidenceRef]:
        return [
            EvidenceRef(kind="capture", ref=c.screen, label=c.screenshot)
            for c in self.case.captures
            if any(w in c.screen for w in words)
        ]


def _field(path: str, label: str | None = None) -> EvidenceRef:
    return EvidenceRef(kind="field", ref=path, label=label)


def _message(message_id: str, label: str | None = None) -> EvidenceRef:
    return EvidenceRef(kind="message", ref=message_id, label=label)


@dataclass(frozen=True)
class Titles:
    """A finding's title for each status: a title says what was found, so a failing check never
    keeps its passing title ("No missed reply before the refund" / "A reply was missed before the
    refund" / "Whether a reply was missed is not known")."""

    passed: str
    failed: str
    unknown: str

    def __post_init__(self) -> None:
        if len({self.passed, self.failed, self.unknown}) != 3:
            raise ValueError(f"a finding needs three different titles: {self}")

    def of(self, status: FindingStatus) -> str:
        return {PASS: self.passed, FAIL: self.failed, UNKNOWN: self.unknown}[status]


def _finding(
    code: str, title: Titles, status: FindingStatus, detail: str, evidence: list[EvidenceRef]
) -> Finding:
    return Finding(code=code, title=title.of(status), status=status, detail=detail, evidence=evidence)


# --------------------------------------------------------------------------- deadlines


def effective_deadline(facts: Facts) -> tuple[datetime | None, str | None, Deadline]:
    """The deadline to act on: the earlier of the policy's and the screen's, whether they agree within
    ``SCREEN_TOLERANCE`` or not (the policy's on a tie). Returns (at, basis, policy's)."""
    computed = dispute_deadline(facts.case.refund, facts.policy, facts.tz)
    shown = facts.case.refund.dispute.window_ends_at
    candidates = [
        (at, basis)
        for at, basis in ((computed.at, computed.basis), (shown, "as shown by Seller Center"))
        if at is not None
    ]
    if not candidates:
        return None, computed.basis, computed
    at, basis = min(candidates, key=lambda c: c[0])
    return at, basis, computed


def check_deadline(facts: Facts) -> Finding:
    at, basis, computed = effective_deadline(facts)
    dispute = facts.case.refund.dispute
    refs = [_field(computed.field or "refund.issued_at"), _field("refund.dispute.window_ends_at")]
    refs += facts.capture_refs("refund-details", "transaction-details")
    title = Titles("Dispute window open", "Dispute window closed", "Dispute deadline not known")
    if dispute.state is DisputeState.WINDOW_PASSED and (at is None or is_open(at, facts.now)):
        return _finding(
            "deadline",
            title,
            FAIL,
            "Seller Center says the dispute window for this refund has passed.",
            [_field("refund.dispute.state"), *refs],
        )
    if at is None:
        return _finding(
            "deadline",
            title,
            UNKNOWN,
            f"No deadline can be computed: {computed.missing} and the screen shows no window end.",
            refs,
        )
    final = " A late dispute is denied and the denial is final." if facts.policy.dispute_window.late_is_final else ""
    if computed.at is None:
        final += f" The policy's deadline cannot be computed ({computed.missing}); using the screen's."
    when = f"{facts.local(at)} ({basis})"
    if is_open(at, facts.now):
        return _finding(
            "deadline", title, PASS, f"Open: {format_time_left(at - facts.now)}, until {when}.{final}", refs
        )
    return _finding(
        "deadline", title, FAIL, f"The dispute window closed {when}; {format_time_left(at - facts.now)}.", refs
    )


def check_screen_deadline(facts: Facts) -> Finding | None:
    """Only when Seller Center shows a window end and the policy gives one: do they agree?"""
    computed = dispute_deadline(facts.case.refund, facts.policy, facts.tz)
    shown = facts.case.refund.dispute.window_ends_at
    if shown is None or computed.at is None:
        return None  # nothing to compare; check_deadline says which one it used
    refs = [_field("refund.dispute.window_ends_at"), _field(computed.field or "refund.issued_at")]
    title = Titles(
        "Seller Center and the policy agree on the deadline",
        "Seller Center and the policy give different deadlines",
        "Seller Center's deadline not compared",
    )
    gap = abs(shown - computed.at)
    earlier = "Seller Center's" if shown < computed.at else "the policy's"
    if shown == computed.at:
        return _finding(
            "deadline.screen",
            title,
            PASS,
            f"Seller Center and {facts.policy.id} both give {facts.local(shown)}.",
            refs,
        )
    if gap <= SCREEN_TOLERANCE:
        # e.g. the screen's "11:59 PM" and the policy's midnight: the same deadline, read to the
        # minute; the earlier is used (effective_deadline), so acting on it is never late by either
        return _finding(
            "deadline.screen",
            title,
            PASS,
            f"Seller Center shows {facts.local(shown)}; {facts.policy.id} gives {facts.local(computed.at)} "
            f"({computed.basis}); they agree within a minute; the earlier, {earlier}, is used.",
            refs,
        )
    return _finding(
        "deadline.screen",
        title,
        FAIL,
        f"Seller Center shows {facts.local(shown)} but {facts.policy.id} gives {facts.local(computed.at)} "
        f"({computed.basis}); {format_time_left(gap).removesuffix(' left')} apart. Using the earlier ({earlier}).",
        refs,
    )


# --------------------------------------------------------------------------- disputes and appeals


def check_already_disputed(facts: Facts) -> Finding:
    dispute, case = facts.case.refund.dispute, facts.case.dispute_case
    refs = [_field("refund.dispute.state"), *facts.capture_refs("refund-details", "dispute")]
    title = Titles("Not disputed yet", "Already disputed", "Whether it was disputed is not known")
    if case is not None:
        refs.append(_field("dispute_case.case_id", case.case_id))
        return _finding(
            "dispute.already_filed",
            title,
            FAIL,
            f"Already disputed on {facts.local(case.submitted_at)} (case {case.case_id}, status "
            f"{case.status.value}); a new dispute would be reviewed as an appeal.",
            refs,
        )
    if dispute.state is DisputeState.DISPUTED:
        when = facts.local(dispute.disputed_at) if dispute.disputed_at else "an unknown date"
        return _finding(
            "dispute.already_filed",
            title,
            FAIL,
            f"Seller Center shows it disputed on {when} (case {dispute.case_id or 'not shown'}); "
            "a new dispute would be reviewed as an appeal.",
            refs,
        )
    return _finding("dispute.already_filed", title, PASS, "No dispute has been filed for this refund.", refs)


def check_appeal(facts: Facts) -> Finding | None:
    deadline = appeal_deadline(facts.case.dispute_case, facts.policy, facts.tz)
    if deadline is None:
        return None
    refs = [_field(deadline.field or "dispute_case.decision_at"), *facts.capture_refs("dispute")]
    title = Titles("Appeal window open", "Appeal window closed", "Appeal deadline not known")
    if deadline.at is None:
        return _finding(
            "appeal.deadline", title, UNKNOWN, f"Cannot compute the appeal deadline: {deadline.missing}.", refs
        )
    when = f"{facts.local(deadline.at)} ({deadline.basis})"
    if is_open(deadline.at, facts.now):
        return _finding(
            "appeal.deadline",
            title,
            PASS,
            f"The dispute was denied; appeal by {when}: {format_time_left(deadline.at - facts.now)}.",
            refs,
        )
    return _finding(
        "appeal.deadline", title, FAIL, f"The appeal window closed {when}; a late appeal is dismissed.", refs
    )


# --------------------------------------------------------------------------- replies


def check_replies_on_time(facts: Facts) -> Finding:
    title = Titles(
        "Every customer and Customer Care message answered by a person in time",
        "Not every message was answered by a person in time",
        "Replies in time not known",
    )
    if not facts.has_messages:
        return _finding(
            "replies.on_time",
            title,
            UNKNOWN,
            "No messages were captured, so replies cannot be shown; collect the mailbox and Inbox.",
            [_field("threads")],
        )
    unanswered_unknown = facts.may_need_reply()
    unknown_refs = [_message(m.message_id, "sender unidentified") for m in facts.unidentified]
    if not facts.reply_checks:
        if unanswered_unknown:
            return _finding(
                "replies.on_time", title, UNKNOWN, _unanswered_unknown(facts, unanswered_unknown), unknown_refs
            )
        return _finding(
            "replies.on_time", title, PASS, "No customer or Customer Care message needed a reply.", [_field("threads")]
        )
    bad = [
        c
        for c in facts.reply_checks
        if c.status in (ReplyStatus.LATE, ReplyStatus.UNANSWERED, ReplyStatus.AUTOMATIC_ONLY)
    ]
    undecided = [c for c in bad if facts.may_be_reply(c)]
    bad = [c for c in bad if c not in undecided]
    pending = [c for c in facts.reply_checks if c.status is ReplyStatus.PENDING]
    refs = [_message(c.inbound_message_id, c.status.value) for c in facts.reply_checks]
    refs += [_message(c.reply_message_id, "reply") for c in facts.reply_checks if c.reply_message_id]
    refs += unknown_refs
    if bad:
        parts = [
            f"{formatting.role_label(c.inbound_role)} message of {facts.local(c.inbound_at)}: {_describe(c, facts)}"
            for c in bad
        ]
        return _finding("replies.on_time", title, FAIL, "; ".join(parts) + ".", refs)
    if undecided:
        parts = [
            f"the {formatting.role_label(c.inbound_role)} message of {facts.local(c.inbound_at)} has no reply "
            f"from an identified seller address by {facts.local(c.due_at)}, but {len(facts.may_be_reply(c))} of them came in between "
            "and may be that reply"
            for c in undecided
        ]
        detail = f"{facts.unidentified_hint()}. " + "; ".join(parts) + "."
        return _finding("replies.on_time", title, UNKNOWN, detail, refs)
    if pending:
        parts = [
            f"{formatting.role_label(c.inbound_role)} message of {facts.local(c.inbound_at)} needs a reply by "
            f"{facts.local(c.due_at)}"
            for c in pending
        ]
        return _finding("replies.on_time", title, UNKNOWN, "; ".join(parts) + ".", refs)
    if unanswered_unknown:
        return _finding("replies.on_time", title, UNKNOWN, _unanswered_unknown(facts, unanswered_unknown), refs)
    slowest = max(c.latency_hours or 0 for c in facts.reply_checks)
    return _finding(
        "replies.on_time",
        title,
        PASS,
        f"Every inbound message ({len(facts.reply_checks)}) got a human reply in time "
        f"(slowest {formatting.latency(slowest)}).",
        refs,
    )


def _unanswered_unknown(facts: Facts, open_: list[Message]) -> str:
    first = open_[0]
    return (
        f"{facts.unidentified_hint()}. {len(open_)} of them (first {facts.local(first.sent_at)}, from {first.sender}) "
        "got no reply from an identified seller address in time: if they are inquiries, they were not answered."
    )


def _describe(check: ReplyCheck, facts: Facts) -> str:
    if check.status is ReplyStatus.LATE:
        return f"answered {formatting.latency(check.latency_hours)} later, after the {check.window_hours:g} h window"
    if check.status is ReplyStatus.AUTOMATIC_ONLY:
        return f"only automatic answers, no human reply by {facts.local(check.due_at)}"
    return f"no reply by {facts.local(check.due_at)}"


def check_automatic_only(facts: Facts) -> Finding:
    title = Titles(
        "No inquiry was answered only by an automatic reply",
        "Inquiries answered only by automatic replies",
        "Automatic-only replies not ruled out",
    )
    if not facts.has_messages:
        return _finding("replies.automatic_only", title, UNKNOWN, "No messages were captured.", [_field("threads")])
    auto = [c for c in facts.reply_checks if c.automatic_reply_ids]
    only = [c for c in auto if c.status is ReplyStatus.AUTOMATIC_ONLY]
    refs = [_message(i, "automatic") for c in auto for i in c.automatic_reply_ids]
    undecided = [c for c in only if facts.may_be_reply(c)]
    only = [c for c in only if c not in undecided]
    if undecided and not only:
        refs += [_message(m.message_id, "sender unidentified") for c in undecided for m in facts.may_be_reply(c)]
        return _finding(
            "replies.automatic_only",
            title,
            UNKNOWN,
            f"{facts.unidentified_hint()}. {len(undecided)} message(s) got only automatic replies from identified "
            "seller addresses; a message from an unidentified sender in their window may be the human reply.",
            refs,
        )
    if only:
        return _finding(
            "replies.automatic_only",
            title,
            FAIL,
            f"{len(only)} message(s) got only automatic replies, which are not quality responses.",
            refs,
        )
    if auto:
        return _finding(
            "replies.automatic_only",
            title,
            PASS,
            f"{len(auto)} automatic {'reply was' if len(auto) == 1 else 'replies were'} followed by a human reply; "
            "only the human replies count.",
            refs,
        )
    return _finding("replies.automatic_only", title, PASS, "No automatic replies were sent.", refs)
