"""Human or automatic? Classify a parsed message, always saying why (domain.md section 6).

Signals, strongest first; every signal that fires is recorded in ``reasons``:

1. Reports: ``multipart/report; report-type=delivery-status`` (a bounce / DSN) and
   ``report-type=disposition-notification`` (a read receipt / MDN, automatic but never a reply).
2. Bounce senders: ``MAILER-DAEMON`` / ``postmaster``, a null ``Return-Path: <>`` together with a
   delivery-failure subject.
3. RFC 3834 ``Auto-Submitted`` with any value other than ``no`` (comments such as
   ``auto-replied (vacation)`` allowed).
4. Vendor headers: ``X-Autoreply``, ``X-Autorespond``, ``X-Autoreply-From``,
   ``X-Mail-Autoreply``, ``Precedence: auto_reply``, Exchange's ``X-MS-Exchange-Inbox-Rules-Loop``
   and ``X-MS-Exchange-Generated-Message-Source``.
5. Subjects in many languages ("Automatic reply:", "Out of Office", "Abwesenheitsnotiz",
   "Réponse automatique", ...) and, for autoresponders that set no header at all, phrases in the
   message's own text (quoted history is ignored).
6. No-reply senders (``noreply@``, ``notifications@``, ...): system notices.

Traps handled on purpose: ``X-Auto-Response-Suppress`` only asks *others* not to auto-reply, so it
does not make a message automatic; ``Precedence: bulk|list|junk`` is set by mailing lists on
human mail, so it does not either. Both are still noted in ``reasons`` so a reviewer sees they
were considered.

The kind is the most specific one found: bounce > read receipt > out-of-office > vacation >
system notice > autoresponder. ``complaint`` is set when the message's own text mentions the
Better Business Bureau or an Attorney General (a 1-hour reply window).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evidence.email.parse import ParsedEmail
from evidence.models import MessageKind

__all__ = ["Classification", "classify", "own_text"]


@dataclass
class Classification:
    kind: MessageKind = MessageKind.HUMAN
    reasons: list[str] = field(default_factory=list)
    complaint: bool = False

    @property
    def automatic(self) -> bool:
        return self.kind is not MessageKind.HUMAN


_PRIORITY = [
    MessageKind.BOUNCE,
    MessageKind.READ_RECEIPT,
    MessageKind.OUT_OF_OFFICE,
    MessageKind.VACATION,
    MessageKind.SYSTEM_NOTICE,
    MessageKind.AUTORESPONDER,
]

_OOO_SUBJECT = re.compile(
    r"^\s*(automatic reply|automatische antwort|out of (the )?office|ooo\b|abwesenheitsnotiz|abwesend|"
    r"absence|fuera de la oficina|fuori ufficio|afwezig|r[ée]ponse automatique d'absence|"
    r"absent du bureau|nieobecno[śs][ćc])",
    re.IGNORECASE,
)
_VACATION_SUBJECT = re.compile(r"^\s*(vacation|on vacation|urlaub|vacances|vacaciones|ferie|holiday)\b", re.I)
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|autoreply|auto:|automated (reply|response)|"
    r"r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|resposta autom[áa]tica|"
    r"automatyczna odpowied[źz]|automatisch antwoord|automatick[áa] odpov[ěe][ďd]|"
    r"自動返信|自动回复|自動回覆)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered mail|delivery status notification|mail delivery (failed|failure|"
    r"subsystem)|returned mail|failure notice|delivery failure|non[- ]?delivery|"
    r"unzustellbar|non remis)",
    re.IGNORECASE,
)
_BODY_AUTO = [
    (re.compile(r"\bthis is an? (automated|automatic|auto-generated)\s+(reply|response|message|e-?mail)", re.I),
     MessageKind.AUTORESPONDER),
    (re.compile(r"\b(i am|i'm|i will be|i'll be)\s+(currently\s+)?(out of (the )?office|away from (the|my) "
                r"(office|desk))", re.I), MessageKind.OUT_OF_OFFICE),
    (re.compile(r"\b(i am|i'm|i will be)\s+(currently\s+)?(on (vacation|holiday|annual leave|leave))", re.I),
     MessageKind.VACATION),
    (re.compile(r"\bthank you for (contacting [\w&' -]{1,40}|your (e-?mail|message|inquiry|request))[^.]{0,80}\."
                r"[^.]{0,120}\b(we will|we'll|someone will|a member of our team will) (get back|respond|reply|"
                r"be in touch)[^.]{0,60}\b(within|as soon as)\b.{0,200}\b(ticket|case|reference) (number|#|no)",
                re.I | re.S), MessageKind.AUTORESPONDER),
    (re.compile(r"\b(please )?do not reply (to|directly to) this (e-?mail|message)", re.I), MessageKind.SYSTEM_NOTICE),
    (re.compile(r"\bthis (mailbox|address) is not monitored\b", re.I), MessageKind.SYSTEM_NOTICE),
]  # fmt: skip
_COMPLAINT = re.compile(
    r"\b(better business bureau|bbb\.org|bbb complaint|complaint (with|to) the bbb|the bbb\b|"
    r"attorneys? general|state attorney|consumer protection (division|office))",
    re.IGNORECASE,
)
_NO_REPLY_LOCAL = re.compile(r"^(no-?reply|do-?not-?reply|donotreply|notifications?|alerts?|mailer|bounces?)\b", re.I)
_QUOTE_START = re.compile(
    r"^(on .{4,200} wrote:|am .{4,200} schrieb .*:|le .{4,200} a [ée]crit ?:|-{2,} ?original message ?-{2,}|"
    r"-{2,} ?forwarded message ?-{2,}|from: .+|von: .+|de ?: .+|_{10,})\s*$",
    re.IGNORECASE,
)


def own_text(body: str) -> str:
    """The message's own words: quoted lines ("> ...") and the quoted history below them removed."""
    out: list[str] = []
    for line in body.splitlines():
        stripped = line.strip()
        if _QUOTE_START.match(stripped):
            break
        if stripped.startswith(">"):
            continue
        out.append(line)
    return "\n".join(out)


def _report_type(parsed: ParsedEmail) -> str:
    if parsed.headers.get_content_type() != "multipart/report":
        return ""
    return (parsed.headers.get_param("report-type") or "").strip().lower() if parsed.headers else ""


def classify(parsed: ParsedEmail) -> Classification:
    """Classify ``parsed`` as human or one automatic kind, with the reasons (see module doc)."""
    found: dict[MessageKind, None] = {}
    reasons: list[str] = []

    def hit(kind: MessageKind, reason: str) -> None:
        found.setdefault(kind, None)
        reasons.append(reason)

    msg = parsed.message
    subject = msg.subject
    sender_local = msg.sender.split("@", 1)[0]

    report = _report_type(parsed)
    if report == "delivery-status" or "message/delivery-status" in parsed.content_types:
        hit(MessageKind.BOUNCE, "delivery status notification (multipart/report; report-type=delivery-status)")
    if report == "disposition-notification" or "message/disposition-notification" in parsed.content_types:
        hit(MessageKind.READ_RECEIPT, "read receipt (disposition-notification): automatic, not a reply")
    if sender_local.lower() in ("mailer-daemon", "postmaster"):
        hit(MessageKind.BOUNCE, f"sent by {sender_local} (mail system)")
    return_path = (parsed.header("Return-Path") or "").strip()
    if return_path in ("<>", "< >") and _BOUNCE_SUBJECT.match(subject):
        hit(MessageKind.BOUNCE, f"null sender (Return-Path: <>) and delivery-failure subject {subject!r}")
    elif _BOUNCE_SUBJECT.match(subject) and MessageKind.BOUNCE in found:
        reasons.append(f"delivery-failure subject {subject!r}")

    auto_submitted = parsed.header("Auto-Submitted")
    if auto_submitted is not None:
        value = re.split(r"[\s(;]", auto_submitted.strip().lower(), maxsplit=1)[0]
        if value and value != "no":
            kind = MessageKind.AUTORESPONDER
            if value == "auto-replied" and "vacation" in auto_submitted.lower():
                kind = MessageKind.VACATION
            elif value in ("auto-generated", "auto-notified"):
                kind = MessageKind.SYSTEM_NOTICE
            hit(kind, f"Auto-Submitted: {auto_submitted} (RFC 3834: any value but 'no' is automatic)")
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoreply-From", "X-Mail-Autoreply"):
        value = parsed.header(name)
        if value is not None and value.strip().lower() not in ("no", "false", "0"):
            hit(MessageKind.AUTORESPONDER, f"{name}: {value} (vendor autoresponder header)")
    precedence = (parsed.header("Precedence") or "").strip().lower()
    if precedence in ("auto_reply", "auto-reply"):
        hit(MessageKind.AUTORESPONDER, f"Precedence: {precedence}")
    elif precedence in ("bulk", "list", "junk"):
        reasons.append(f"Precedence: {precedence} alone does not mark mail automatic (mailing lists set it on human mail)")
    if parsed.header("X-MS-Exchange-Inbox-Rules-Loop") is not None:
        hit(MessageKind.AUTORESPONDER, "X-MS-Exchange-Inbox-Rules-Loop (generated by an Exchange mailbox rule)")
    generated = parsed.header("X-MS-Exchange-Generated-Message-Source")
    if generated is not None:
        hit(MessageKind.AUTORESPONDER, f"X-MS-Exchange-Generated-Message-Source: {generated}")
    suppress = parsed.header("X-Auto-Response-Suppress")
    if suppress is not None:
        reasons.append(f"X-Auto-Response-Suppress: {suppress} only asks others not to auto-reply; not itself automatic")

    if _OOO_SUBJECT.match(subject):
        hit(MessageKind.OUT_OF_OFFICE, f"out-of-office subject {subject!r}")
    elif _VACATION_SUBJECT.match(subject):
        hit(MessageKind.VACATION, f"vacation subject {subject!r}")
    elif _AUTO_SUBJECT.match(subject):
        hit(MessageKind.AUTORESPONDER, f"automatic-reply subject {subject!r}")

    text = own_text(msg.body_text)
    if not found or set(found) == {MessageKind.AUTORESPONDER}:
        for pattern, kind in _BODY_AUTO:
            match = pattern.search(text[:3000])
            if match:
                hit(kind, f"automatic-reply wording in the body: {' '.join(match.group(0).split())[:80]!r}")
                break
    if _NO_REPLY_LOCAL.match(sender_local):
        hit(MessageKind.SYSTEM_NOTICE, f"no-reply sender {msg.sender}")

    if found:
        kinds = set(found)
        # An Exchange/header autoresponder that says "out of office" is an out-of-office reply.
        kind = next(k for k in _PRIORITY if k in kinds)
    else:
        kind = MessageKind.HUMAN
        if not reasons:
            reasons.append("no automatic-reply header, subject or wording")
    complaint_match = _COMPLAINT.search(f"{subject}\n{text}")
    complaint = bool(complaint_match) and kind is MessageKind.HUMAN
    if complaint and complaint_match:
        reasons.append(f"complaint to an authority mentioned: {complaint_match.group(0)!r} (1-hour reply window)")
    return Classification(kind=kind, reasons=reasons, complaint=complaint)
