"""Unit cases for the automatic-reply signals added for real mail (autoreply_signals + classify).

The labelled corpus (test_corpus.py) covers whole messages; these pin single rules and the traps
found by probing the rules with messages that are not in the corpus.
"""

from __future__ import annotations

import unicodedata
from email.header import Header

import pytest

from evidence.email.autoreply_signals import challenge_words, in_question, is_null_path, subject_marker
from evidence.email.classify import Classification, classify
from evidence.email.parse import parse_email
from evidence.models import MessageKind


def verdict(subject: str, body: str = "Hola", headers: str = "") -> Classification:
    raw = ("From: a@b.example\r\nDate: Fri, 2 Oct 2026 14:00:00 +0000\r\nSubject: " + Header(subject, "utf-8").encode()
           + "\r\n" + headers + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()  # fmt: skip
    return classify(parse_email(raw))


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Respuesta automática: Pedido", MessageKind.OUT_OF_OFFICE),
        ("RESPUESTA AUTOMÁTICA: PEDIDO", MessageKind.OUT_OF_OFFICE),
        (unicodedata.normalize("NFD", "Resposta automática: Pedido"), MessageKind.OUT_OF_OFFICE),
        ("Réponse automatique\u00a0: commande", MessageKind.OUT_OF_OFFICE),
        ("Odpowiedź automatyczna: zamówienie", MessageKind.OUT_OF_OFFICE),
        ("自动答复：订单", MessageKind.OUT_OF_OFFICE),
        ("自動応答: ご注文", MessageKind.OUT_OF_OFFICE),
        ("[EXTERNAL] Automatic reply: order", MessageKind.OUT_OF_OFFICE),
        ("Ausente: pedido", MessageKind.OUT_OF_OFFICE),
        ("Fora do escritório", MessageKind.OUT_OF_OFFICE),
        ("Out of Office AutoReply: order", MessageKind.OUT_OF_OFFICE),
        ("Respuesta automática de Yahoo!", MessageKind.VACATION),
        ("Vacaciones", MessageKind.VACATION),
        ("[Auto-Reply] order", MessageKind.AUTORESPONDER),
        ("AUTO: Jane Doe is out of the office (returning 10/12)", MessageKind.AUTORESPONDER),
    ],
)
def test_subject_markers_by_client_and_language(subject: str, kind: MessageKind) -> None:
    marker = subject_marker(subject)
    assert marker is not None and marker.kind is kind, subject


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Respuesta automática: Pedido",  # a person answering an auto-reply
        "RV: Respuesta automática: Pedido",
        "AW: Abwesenheitsnotiz: Bestellung",
        "Fwd: Automatic reply: order",
        "Holiday gift never arrived",  # were out-of-office / vacation before
        "Absence of tracking number",
        "Vacation pack missing sunscreen",
        "On vacation - can you hold the delivery?",
        "Vacaciones: ¿envían durante las fiestas?",
        "Ausente en la entrega",
        "Fora do prazo de entrega",
        "Out of stock?",
        "Auto parts order",
        "Automatic renewal charge",
    ],
)
def test_subjects_people_write_stay_human(subject: str) -> None:
    assert verdict(subject).kind is MessageKind.HUMAN, subject


def test_a_reply_to_an_auto_reply_says_why_it_is_human() -> None:
    v = verdict("Re: Respuesta automática: ¿Dónde está mi pedido?")
    assert not v.automatic
    assert any("answers or forwards an automatic reply" in r for r in v.reasons), v.reasons


def test_markers_on_mailing_list_posts_do_not_count() -> None:
    v = verdict("Out of office: how do you phrase yours?", headers="List-Id: <sellers.lists.example>\r\nPrecedence: list\r\n")
    assert not v.automatic
    assert any("mailing-list post" in r for r in v.reasons)


@pytest.mark.parametrize(
    ("headers", "automatic"),
    [
        ("Return-Path: <>\r\nPrecedence: bulk\r\n", True),
        ("Return-Path: <>\r\nPrecedence: junk\r\n", True),
        ("Return-Path: <#@[]>\r\nPrecedence: junk\r\n", True),  # qmail's null sender
        ("Return-Path: <>\r\n", False),  # alone: weak
        ("Return-Path: <list-bounces@lists.example>\r\nPrecedence: bulk\r\n", False),  # a list post
        ("Return-Path: <>\r\nPrecedence: list\r\n", False),
        ("Return-Path: <>\r\nPrecedence: bulk\r\nList-Id: <a.lists.example>\r\n", False),
    ],
)
def test_null_reverse_path_with_precedence(headers: str, automatic: bool) -> None:
    v = verdict("Re: pedido", "Gracias por su correo.", headers)
    assert v.automatic is automatic, v.reasons
    if automatic:
        assert any(r.startswith("null reverse path") for r in v.reasons)


def test_null_path_spellings() -> None:
    assert is_null_path("<>") and is_null_path(" <> ") and is_null_path("<#@[]>")
    assert not is_null_path("<a@b>") and not is_null_path(None)


@pytest.mark.parametrize(
    "body",
    [
        "Your email is being held until you confirm you are a human. Click the link below:\nhttps://cr.example/v?id=1",
        "I use a challenge-response filter. Please verify that you are a real person by replying to this message.",
        "Tu mensaje está pendiente. Haz clic en el enlace para confirmar que eres una persona: https://x.example/c",
        "Seu e-mail está aguardando. Confirme que você é uma pessoa: https://x.example/c",
        "Votre message est en attente. Un clic pour délivrer votre email : https://x.example/c",
        "Ihre Nachricht wurde zurückgehalten. Bitte bestätigen Sie, dass Sie ein Mensch sind: https://x.example/c",
    ],
)
def test_challenge_requests_are_automatic(body: str) -> None:
    v = verdict("Re: pedido 123", body)
    assert v.kind is MessageKind.AUTORESPONDER
    assert any(r.startswith("challenge-response (sender verification)") for r in v.reasons)


@pytest.mark.parametrize(
    "body",
    [
        # describes a challenge: no link, no "reply to this message"
        "Recibí un mensaje que dice que su mensaje ha sido retenido. ¿Me pueden confirmar que es una persona real?",
        "When I wrote to you I got a Boxbe message asking me to verify that I am a real person.",
        "Your message was received and your replacement is pending. Please confirm you are the account holder.",
        "Our filter held your message. Add us to your approved senders list: https://example.com/help",
        "I tried to click the link below to confirm the delivery but it does not work.",
    ],
)
def test_people_mentioning_verification_stay_human(body: str) -> None:
    assert verdict("Re: pedido 123", body).kind is MessageKind.HUMAN, body
    assert challenge_words(body) is None


@pytest.mark.parametrize(
    ("sender", "subject"),
    [("Dana <notifications@boxbe.com>", "Re: order (Action Required)"),
     ("Claire <noreply@invitations.mailinblack.com>", "Re: commande"),
     ("dana@home.example", "Your email requires verification verify#bt-1759416001-88213")],
)  # fmt: skip
def test_challenge_services_by_domain_and_boxtrapper_subject(sender: str, subject: str) -> None:
    raw = f"From: {sender}\r\nSubject: {subject}\r\n\r\nHello.".encode()
    v = classify(parse_email(raw))
    assert v.kind is MessageKind.AUTORESPONDER  # not a system notice, although the sender is noreply@
    assert any("challenge-response" in r for r in v.reasons)


def test_a_reply_to_a_boxtrapper_challenge_is_not_one() -> None:
    assert verdict("Re: Your email requires verification verify#bt-1759416001-88213", "Done.").kind is MessageKind.HUMAN


def test_automatic_wording_in_a_question_does_not_count() -> None:
    assert verdict("Re: pedido", "Hola, ¿esta es una respuesta automática? Necesito una persona.").kind is MessageKind.HUMAN
    assert verdict("Re: pedido", "Esta es una respuesta automática. Le contestaremos pronto.").automatic
    text = "Is this real? This is an automatic reply."
    assert not in_question(text, text.index("This is"), len(text))


@pytest.mark.parametrize(
    ("headers", "body", "kind"),
    [
        ("Auto-Submitted: auto-replied\r\n", "Estamos de férias até 10/10.", MessageKind.VACATION),
        ("Auto-Submitted: auto-replied\r\n", "Estoy fuera de la oficina hasta el lunes.", MessageKind.OUT_OF_OFFICE),
        ("", "Estamos de vacaciones hasta el 12, ¿pueden retener el paquete?", MessageKind.HUMAN),  # words alone: no
    ],
)
def test_away_words_only_refine_a_message_already_automatic(headers: str, body: str, kind: MessageKind) -> None:
    assert verdict("Re: pedido", body, headers).kind is kind


def test_quoted_history_in_other_languages_is_ignored() -> None:
    body = ("Olá, alguém pode me responder?\n\nEm sex., 2 de out. de 2026 às 14:00, Loja <l@x.example> escreveu:\n"
            "Esta é uma resposta automática.")  # fmt: skip
    assert verdict("RES: pedido", body).kind is MessageKind.HUMAN
