from __future__ import annotations

from email.header import Header
from pathlib import Path

import pytest

from evidence.email.classify import classify
from evidence.email.parse import parse_email
from evidence.models import MessageKind


def classify_file(data_dir: Path, name: str):  # type: ignore[no-untyped-def]
    return classify(parse_email((data_dir / name).read_bytes()))


def classify_raw(headers: str, body: str = "Thanks for the update.") -> object:
    raw = ("From: someone@example.com\r\nDate: Fri, 2 Oct 2026 14:00:00 +0000\r\n" + headers + "\r\n" + body).encode()
    return classify(parse_email(raw))


@pytest.mark.parametrize(
    ("name", "kind", "reason"),
    [
        ("outlook_ooo_reply.eml", MessageKind.OUT_OF_OFFICE, "X-MS-Exchange-Inbox-Rules-Loop"),
        ("exchange_oof_german.eml", MessageKind.OUT_OF_OFFICE, "Automatische Antwort"),
        ("gmail_vacation.eml", MessageKind.VACATION, "Auto-Submitted: auto-replied"),
        ("zimbra_vacation.eml", MessageKind.OUT_OF_OFFICE, "auto-replied (zimbra; vacation)"),
        ("postfix_vacation.eml", MessageKind.AUTORESPONDER, "Auto-Submitted: auto-replied"),
        ("helpdesk_autoresponder_no_header.eml", MessageKind.AUTORESPONDER, "This is an automated response"),
        ("autoresponder_subject_only.eml", MessageKind.AUTORESPONDER, "automatic-reply subject"),
        ("bounce_dsn.eml", MessageKind.BOUNCE, "report-type=delivery-status"),
        ("bounce_postmaster_no_report.eml", MessageKind.BOUNCE, "Return-Path: <>"),
        ("read_receipt_mdn.eml", MessageKind.READ_RECEIPT, "disposition-notification"),
        ("walmart_system_notice.eml", MessageKind.SYSTEM_NOTICE, "no-reply sender"),
    ],
)
def test_automatic_messages_are_recognised_with_a_reason(
    data_dir: Path, name: str, kind: MessageKind, reason: str
) -> None:
    verdict = classify_file(data_dir, name)
    assert verdict.kind is kind
    assert verdict.automatic
    assert any(reason in r for r in verdict.reasons), verdict.reasons


@pytest.mark.parametrize(
    "name",
    [
        "customer_question.eml",
        "outlook_human.eml",  # Outlook, X-Auto-Response-Suppress + Disposition-Notification-To
        "apple_mail_human.eml",
        "thunderbird_human_latin1.eml",
        "gmail_human_quoting_ooo.eml",  # quotes an out-of-office text: quoted history is ignored
        "mailing_list_bulk_human.eml",  # Precedence: bulk
        "suppress_human.eml",
        "walmart_cc_escalation.eml",
        "shift_jis_customer.eml",
    ],
)
def test_human_mail_from_many_clients_stays_human(data_dir: Path, name: str) -> None:
    verdict = classify_file(data_dir, name)
    assert verdict.kind is MessageKind.HUMAN, verdict.reasons
    assert not verdict.automatic


def test_x_auto_response_suppress_is_noted_but_not_automatic(data_dir: Path) -> None:
    verdict = classify_file(data_dir, "suppress_human.eml")
    assert any("X-Auto-Response-Suppress" in r and "not itself automatic" in r for r in verdict.reasons)


@pytest.mark.parametrize("value", ["bulk", "list", "junk"])
def test_mailing_list_precedence_does_not_make_mail_automatic(value: str) -> None:
    verdict = classify_raw(f"Subject: Re: shipping question\r\nPrecedence: {value}\r\n")
    assert verdict.kind is MessageKind.HUMAN  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "Auto-Submitted: auto-notified",
        "Auto-Submitted: Auto-Replied (vacation)",
        "X-Autoreply: yes",
        "X-Autorespond: Thanks for your mail",
        "X-Autoreply-From: support@example.com",
        "X-Mail-Autoreply: 1",
        "Precedence: auto_reply",
        "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent",
        "X-MS-Exchange-Inbox-Rules-Loop: support@example.com",
    ],
)
def test_each_automatic_header_marks_a_message_automatic(header: str) -> None:
    verdict = classify_raw(f"Subject: Re: your order\r\n{header}\r\n")
    assert verdict.automatic, header  # type: ignore[attr-defined]
    assert any(header.split(":")[0] in r for r in verdict.reasons)  # type: ignore[attr-defined]


def test_auto_submitted_no_is_human() -> None:
    verdict = classify_raw("Subject: Re: your order\r\nAuto-Submitted: no\r\n")
    assert verdict.kind is MessageKind.HUMAN  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: Where is my order?",
        "Auto reply: Where is my order?",
        "AutoReply: order",
        "Auto: Where is my order?",
        "Out of Office: Where is my order?",
        "Abwesenheitsnotiz: Wo ist meine Bestellung?",
        "Réponse automatique : Où est ma commande ?",
        "Respuesta automática: ¿Dónde está mi pedido?",
        "Risposta automatica: Dov'è il mio ordine?",
        "Automatyczna odpowiedź: Gdzie jest moje zamówienie?",
        "自動返信: ご注文について",
    ],
)
@pytest.mark.parametrize("encoded", [False, True], ids=["8bit", "rfc2047"])
def test_automatic_reply_subjects_in_many_languages(subject: str, encoded: bool) -> None:
    header = Header(subject, "utf-8").encode() if encoded else subject
    verdict = classify_raw(f"Subject: {header}\r\n")
    assert verdict.automatic, subject  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "subject", ["Re: Auto parts order", "Question about automatic renewal", "Re: out of stock?"]
)
def test_subjects_that_only_mention_auto_words_stay_human(subject: str) -> None:
    assert not classify_raw(f"Subject: {subject}\r\n").automatic  # type: ignore[attr-defined]


def test_bbb_complaint_sets_complaint(data_dir: Path) -> None:
    verdict = classify_file(data_dir, "bbb_complaint.eml")
    assert verdict.complaint and not verdict.automatic
    assert any("Better Business Bureau" in r for r in verdict.reasons)


def test_attorney_general_complaint_sets_complaint() -> None:
    verdict = classify_raw("Subject: Refund\r\n", "I am reporting you to the Attorney General of Texas.")
    assert verdict.complaint  # type: ignore[attr-defined]


def test_ordinary_customer_message_is_not_a_complaint(data_dir: Path) -> None:
    assert not classify_file(data_dir, "customer_question.eml").complaint


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("This is an automatic reply. We received your message.", MessageKind.AUTORESPONDER),
        ("Thank you for contacting Bright Goods. We will get back to you within 24 hours.\n"
         "Your ticket number is 48213.", MessageKind.AUTORESPONDER),
        ("Hello,\nI am currently out of the office and will return on Monday.", MessageKind.OUT_OF_OFFICE),
        ("I'm on vacation until October 12 with no access to e-mail.", MessageKind.VACATION),
        ("Your refund was processed. Please do not reply to this email.", MessageKind.SYSTEM_NOTICE),
    ],
)  # fmt: skip
def test_autoresponders_without_any_header_are_caught_by_their_wording(body: str, kind: MessageKind) -> None:
    verdict = classify_raw("Subject: Re: Where is my order?\r\n", body)
    assert verdict.kind is kind  # type: ignore[attr-defined]
    assert any("automatic-reply wording in the body" in r for r in verdict.reasons)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [
        "Thank you for your message. I checked with the carrier and the parcel is at the depot.",
        "I was out of the office yesterday, sorry for the slow answer. A replacement ships today.",
        "> I am currently out of the office.\nNo worries, I'll wait for your answer.",
    ],
)
def test_human_replies_with_similar_words_stay_human(body: str) -> None:
    assert not classify_raw("Subject: Re: Where is my order?\r\n", body).automatic  # type: ignore[attr-defined]
