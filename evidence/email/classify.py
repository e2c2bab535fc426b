"""Human or automatic? Classify a parsed message, always saying why (domain.md section 6).

Signals, strongest first; every signal that fires is recorded in ``reasons``:

1. Reports: ``multipart/report; report-type=delivery-status`` (a bounce / DSN) and
   ``report-type=disposition-notification`` (a read receipt / MDN, automatic but never a reply).
2. Bounce senders: ``MAILER-DAEMON`` / ``postmaster``, a null ``Return-Path: <>`` together with a
   delivery-failure subject.
3. RFC 3834 ``Auto-Submitted`` with any value other than ``no`` (comments such as
   ``auto-replied (vacation)`` allowed), and RFC 3834's other signature of an automatic reply: a
   null reverse path (``Return-Path: <>``, qmail's ``<#@[]>``) together with ``Precedence:
   bulk|junk`` on a message that is not a list post. Alone each of those two is weak (lists set
   ``Precedence`` on human posts; a null path alone is no proof).
4. Vendor headers: ``X-Autoreply``, ``X-Autorespond``, ``X-Autoreply-From``,
   ``X-Mail-Autoreply``, ``Precedence: auto_reply``, Exchange's ``X-MS-Exchange-Inbox-Rules-Loop``
   and ``X-MS-Exchange-Generated-Message-Source``.
5. Subjects: the prefixes Outlook/Exchange, Lotus Notes, Yahoo and webmail put in many languages
   ("Automatic reply:", "Respuesta automática:", "自动答复:", "Abwesenheitsnotiz:", "Auto:", ...;
   tables in ``autoreply_signals``) and, for autoresponders that set no header at all, phrases in the
   message's own text (quoted history is ignored). A ``Re:`` / ``AW:`` / ``Fwd:`` before the marker
   is a person answering or forwarding an automatic reply: human.
6. Challenge-response / sender-verification requests (SpamArrest, Boxbe, Mailinblack, BoxTrapper,
   TMDA, ISP filters): autoresponder.
7. No-reply senders (``noreply@``, ``notifications@``, ...): system notices.

Traps handled on purpose: ``X-Auto-Response-Suppress`` only asks *others* not to auto-reply, so it
does not make a message automatic; ``Precedence: bulk|list|junk`` is set by mailing lists on
human mail, so it does not either. Both are still noted in ``reasons`` so a reviewer sees they
were considered.

The kind is the most specific one found: bounce > read receipt > out-of-office > vacation >
system notice > autoresponder. A message known to be automatic only as a generic autoresponder
takes out-of-office or vacation from its own words in several languages ("estamos de
vacaciones"). ``complaint`` is set when the message's own text mentions the Better Business Bureau
or an Attorney General (a 1-hour reply window).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import parseaddr

from evidence.email.autoreply_signals import (
    BODY_AUTOMATIC,
    BODY_AWAY,
    BOXTRAPPER_SUBJECT,
    CHALLENGE_DOMAINS,
    challenge_words,
    in_question,
    is_null_path,
    normalize,
    subject_marker,
)
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

_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered mail|delivery status notification|mail delivery (failed|failure|"
    r"subsystem)|returned mail|failure notice|delivery failure|non[- ]?delivery|"
    r"unzustellbar|non remis|no se puede entregar|n[ãa]o [ée] poss[íi]vel entregar|non recapitabile|onbestelbaar)",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    r"\b(better business bureau|bbb\.org|bbb complaint|complaint (with|to) the bbb|the bbb\b|"
    r"attorneys? general|state attorney|consumer protection (division|office))",
    re.IGNORECASE,
)
_NO_REPLY_LOCAL = re.compile(r"^(no-?reply|do-?not-?reply|donotreply|notifications?|alerts?|mailer|bounces?)\b", re.I)
_QUOTE_START = re.compile(
    r"^(on .{4,200} wrote:|am .{4,200} schrieb .*:|le .{4,200} a [ée]crit ?:|el .{4,200} escribi[óo]:|"
    r"em .{4,200} escreveu:|il .{4,200} ha scritto:|op .{4,200} schreef .{0,200}:|w dniu .{4,200} pisze:|"
    r"-{2,} ?(original message|forwarded message|mensaje original|mensagem original|message d'origine|"
    r"urspr[üu]ngliche nachricht|messaggio originale|oorspronkelijk bericht) ?-{2,}|begin forwarded message:|"
    r"from: .+|von: .+|de ?: .+|da: .+|van: .+|od: .+|_{10,})\s*$",
    re.IGNORECASE,
)
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|res|fw|fwd|wg|tr|rv|enc|odp)\s*(\[\d+\])?\s*:", re.IGNORECASE)
_SUBJECT_WORD = {MessageKind.OUT_OF_OFFICE: "out-of-office", MessageKind.VACATION: "vacation",
                 MessageKind.AUTORESPONDER: "automatic-reply"}  # fmt: skip


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


def _challenge(parsed: ParsedEmail, subject: str, words: str) -> str | None:
    """Why ``parsed`` is a challenge-response (sender verification) request, or None."""
    addresses = [parsed.message.sender, *(parseaddr(parsed.header(n) or "")[1] for n in ("Sender", "Return-Path"))]
    for address in addresses:
        domain = address.rpartition("@")[2].lower()
        service = next((d for d in CHALLENGE_DOMAINS if domain == d or domain.endswith("." + d)), None)
        if service:
            return f"sent by {address}, a challenge-response service ({service})"
    if BOXTRAPPER_SUBJECT.search(subject) and not _REPLY_PREFIX.match(subject):
        return f"BoxTrapper's 'verify#<id>' subject {subject!r}"
    found = challenge_words(words)
    return f"it holds the sender's message and asks them to verify: {found}" if found else None


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
    null_path = is_null_path(return_path)
    if null_path and _BOUNCE_SUBJECT.match(subject):
        hit(MessageKind.BOUNCE, f"null sender (Return-Path: {return_path}) and delivery-failure subject {subject!r}")
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
    list_post = any(parsed.header(name) is not None for name in ("List-Id", "List-Post", "Mailing-List"))
    if precedence in ("auto_reply", "auto-reply"):
        hit(MessageKind.AUTORESPONDER, f"Precedence: {precedence}")
    elif precedence in ("bulk", "junk") and null_path and not list_post:
        hit(MessageKind.AUTORESPONDER, f"null reverse path (Return-Path: {return_path}) with Precedence: {precedence}: "
                                       "RFC 3834's automatic response (a list post has a real bounce address)")
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

    marker = subject_marker(subject)
    if marker and list_post:
        reasons.append(f"subject {subject!r} starts like an automatic reply ({marker.label}), but this is a "
                       "mailing-list post (List-Id): people discuss auto-replies there; not automatic")
    elif marker:
        hit(marker.kind, f"{_SUBJECT_WORD[marker.kind]} subject {subject!r}: {marker.label} ({marker.words!r})")
    elif (inner := _REPLY_PREFIX.match(subject)) and (quoted := subject_marker(subject[inner.end():])):
        reasons.append(f"subject {subject!r} answers or forwards an automatic reply ({quoted.label}): "
                       "the prefix before the marker means a person wrote it; not automatic")

    text = own_text(msg.body_text)
    words = normalize(text[:3000])
    if not found or set(found) == {MessageKind.AUTORESPONDER}:
        lower = words.lower()
        for pattern, kind, needs in BODY_AUTOMATIC:
            match = pattern.search(words) if any(word in lower for word in needs) else None
            if match and kind not in found and not in_question(words, match.start(), match.end()):
                hit(kind, f"automatic-reply wording in the body: {' '.join(match.group(0).split())[:80]!r}")
    challenge = _challenge(parsed, subject, words)
    if challenge:
        hit(MessageKind.AUTORESPONDER, f"challenge-response (sender verification) request: {challenge}")
    elif _NO_REPLY_LOCAL.match(sender_local):
        hit(MessageKind.SYSTEM_NOTICE, f"no-reply sender {msg.sender}")
    if set(found) == {MessageKind.AUTORESPONDER}:
        for pattern, kind in BODY_AWAY:
            match = pattern.search(words)
            if match:
                hit(kind, f"{kind.value.replace('_', ' ')}: the automatic reply's own words say so: "
                          f"{' '.join(match.group(0).split())[:80]!r}")
                break

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
