"""What automatic replies look like in real mail: subject markers, wording, challenge-response requests.

``classify`` (evidence/email/classify.py) decides; this module only holds the tables and the small
matchers, each returning the words that matched and a label naming the rule, so that every automatic
decision can say why (``collector emails inspect`` prints it).

* **Subject markers** are matched at the very start of the subject (after NFKC normalization, so
  decomposed accents, no-break spaces and full-width colons read as usual), optionally after gateway
  tags such as ``[EXTERNAL]`` (``classify`` ignores markers on mailing-list posts). A reply or forward prefix
  (``Re:``, ``RE:``, ``AW:``, ``RES:``, ``Fwd:``) before the marker means a person answered or
  forwarded an automatic reply: that message stays human. Words a person might also start a subject
  with ("Ausente", "Vacation", "Holiday", "Absent") count only followed by a colon or alone.
* **Challenge-response** (sender verification: SpamArrest, Boxbe, Mailinblack, BoxTrapper, TMDA,
  ISP filters) is recognised by the service's domain, BoxTrapper's ``verify#<id>`` subject, or the
  request's own words: it asks *you* (second person) to prove you are a person / verify, **and** says
  your message is held or mentions an approved-senders list or the service, **and** tells you how (a
  link, or "reply to this message"). A person describing a challenge they got misses one of the three.
* **Wording in a question** ("¿esta es una respuesta automática?") does not count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from evidence.models import MessageKind

__all__ = [
    "BODY_AUTOMATIC",
    "BODY_AWAY",
    "CHALLENGE_DOMAINS",
    "SubjectMarker",
    "challenge_words",
    "in_question",
    "is_null_path",
    "normalize",
    "subject_marker",
]

OOO = MessageKind.OUT_OF_OFFICE
VACATION = MessageKind.VACATION
AUTO = MessageKind.AUTORESPONDER


def normalize(text: str) -> str:
    """NFKC: composed accents (Outlook for Mac sends 'a' + U+0301), plain spaces and colons."""
    return unicodedata.normalize("NFKC", text)


# ------------------------------------------------------------------------------------------- subjects
_WORD_END = r"(?![^\W_])"  # the marker is a whole word (or phrase)
_COLON = r"\s*(?::|$)"  # ... or must be followed by a colon, or be the whole subject
_ALONE = r"\s*[!.]?\s*$"  # ... or must be the whole subject
_TAGS = r"(?:\[[^\]\n]{1,40}\]\s*)*"  # "[EXTERNAL] ", "[SPAM?] " put in front by a receiving gateway

# (marker, kind, who writes it, what must follow). Order matters: the first match wins.
_SUBJECT_MARKERS: list[tuple[str, MessageKind, str, str]] = [
    # Yahoo Mail's vacation response has a fixed subject (before "Respuesta automática", which it contains)
    (r"yahoo!?\s?auto\s?response|respuesta autom[aá]tica de yahoo!?|r[eé]ponse automatique de yahoo!?|"
     r"yahoo!?\s?-?\s?message d'absence|resposta autom[aá]tica do yahoo!?", VACATION,
     "Yahoo Mail vacation response", ""),
    # Outlook / Exchange 2007+ / Microsoft 365 / Outlook.com: "Automatic reply:" in the mailbox's language
    (r"automatic reply", OOO, "Outlook/Exchange automatic reply (English)", _WORD_END),
    (r"respuesta autom[aá]tica", OOO, "Outlook/Exchange automatic reply (Spanish)", _WORD_END),
    (r"resposta autom[aá]tica", OOO, "Outlook/Exchange automatic reply (Portuguese)", _WORD_END),
    (r"r[eé]ponse automatique", OOO, "Outlook/Exchange automatic reply (French)", _WORD_END),
    (r"automatische antwort", OOO, "Outlook/Exchange automatic reply (German)", _WORD_END),
    (r"risposta automatica", OOO, "Outlook/Exchange automatic reply (Italian)", _WORD_END),
    (r"automatisch antwoord", OOO, "Outlook/Exchange automatic reply (Dutch)", _WORD_END),
    (r"automatyczna odpowied[źz]|odpowied[źz] automatyczna", OOO, "Outlook/Exchange automatic reply (Polish)", _WORD_END),
    (r"自动答复|自动回复", OOO, "Outlook/Exchange automatic reply (Chinese, simplified)", ""),
    (r"自動回覆|自動回復", OOO, "Outlook/Exchange automatic reply (Chinese, traditional)", ""),
    (r"自動応答|自動返信", OOO, "Outlook/Exchange automatic reply (Japanese)", ""),
    (r"자동\s?회신|자동\s?응답", OOO, "Outlook/Exchange automatic reply (Korean)", ""),
    (r"automatiskt svar|automatisk svar|automaattinen vastaus|automatick[aá] odpov[eě][dď]|automatikus v[aá]lasz|"
     r"r[aă]spuns automat|автоматический ответ|автоматична відповідь|otomatik yan[ıi]t|αυτόματη απάντηση", OOO,
     "Outlook/Exchange automatic reply (Nordic, Czech, Hungarian, Romanian, Russian, Ukrainian, Turkish, Greek)",
     _WORD_END),
    # Exchange 2003 "Out of Office AutoReply:", Lotus Notes, and the subjects people give their own notices
    (r"out of (?:the )?office", OOO, "out of office (Exchange 2003, Notes, webmail)",
     r"(?=$|\s*[:\-–—(|,]|\s+(?:auto|notification|notice|reply|message|until|till|through|from|on|back|\d))"),
    (r"abwesenheitsnotiz|abwesenheitsmeldung", OOO, "out of office (German; Exchange 2003 'Abwesenheitsnotiz:')",
     _WORD_END),
    (r"fuera de (?:la )?oficina", OOO, "out of office (Spanish)", _WORD_END),
    (r"fora do escrit[oó]rio|aus[eê]ncia tempor[aá]ria", OOO, "out of office (Portuguese)", _WORD_END),
    (r"absence du bureau|notification d'absence|message d'absence|r[eé]ponse en cas d'absence", OOO,
     "out of office (French)", _WORD_END),
    (r"fuori (?:sede|ufficio)|risposta di assenza", OOO, "out of office (Italian)", _WORD_END),
    (r"buiten kantoor|afwezigheidsbericht|afwezigheidsmelding", OOO, "out of office (Dutch)", _WORD_END),
    (r"poza biurem", OOO, "out of office (Polish)", _WORD_END),
    (r"ausente|absent|abwesend|afwezig|assente|nieobecn[ya]|ooo|oof", OOO, "absence word followed by a colon", _COLON),
    # vacation
    (r"vacation (?:auto-?reply|reply|response|notice|message)|holiday (?:auto-?reply|notice)", VACATION,
     "vacation notice", _WORD_END),
    (r"(?:on )?vacation|vacaciones|vacances|urlaub|f[eé]rias|ferie|holiday", VACATION,
     "vacation word as the whole subject", _ALONE),
    # generic autoresponders
    (r"\[?auto[- ]?(?:reply|response|respond|responder|answer|antwort)\]?|autoreply|autoresponse|"
     r"automated (?:reply|response)|automatic response|automatically generated response", AUTO,
     "automatic-reply marker", _WORD_END),
    (r"auto", AUTO, "'Auto:' prefix (RFC 5230 Sieve vacation default, Lotus Notes 'AUTO:')", r"\s*:"),
]
_COMPILED = [(re.compile(rf"^\s*{_TAGS}({body}){tail}", re.IGNORECASE), kind, label)
             for body, kind, label, tail in _SUBJECT_MARKERS]  # fmt: skip


@dataclass(frozen=True)
class SubjectMarker:
    kind: MessageKind
    words: str
    label: str


def subject_marker(subject: str) -> SubjectMarker | None:
    """The automatic-reply marker ``subject`` starts with (after any ``[TAG]``), if any."""
    text = normalize(subject)
    for pattern, kind, label in _COMPILED:
        match = pattern.match(text)
        if match:
            return SubjectMarker(kind, match.group(1), label)
    return None


# ----------------------------------------------------------------------------- null reverse path
_NULL_PATHS = {"<>", "< >", "<#@[]>"}  # qmail writes the null sender as <#@[]>


def is_null_path(return_path: str | None) -> bool:
    return (return_path or "").strip() in _NULL_PATHS


# ------------------------------------------------------------------------------------------ wording
# The message's own words (quoted history removed) that make it automatic with no header at all.
BODY_AUTOMATIC: list[tuple[re.Pattern[str], MessageKind, tuple[str, ...]]] = [
    # (pattern, kind, words one of which must be in the lower-cased text for the pattern to be tried)
    (re.compile(r"\bthis is an? (automated|automatic|auto-generated)\s+(reply|response|message|e-?mail)", re.I), AUTO,
     ("this is a",)),
    (re.compile(r"\bthis (message|e-?mail) was (created|generated|sent) automatically\b", re.I), AUTO, ("automatically",)),
    (re.compile(r"\b(esta|este) es (una|un) (respuesta|mensaje|correo) autom[aá]tic[oa]", re.I), AUTO, ("es un",)),
    (re.compile(r"\besta [eé] uma (resposta|mensagem) autom[aá]tica", re.I), AUTO, ("uma resposta", "uma mensagem")),
    (re.compile(r"\bceci est (une|un) (r[eé]ponse|message) automatique", re.I), AUTO, ("ceci est",)),
    (re.compile(r"\bdies ist eine automatische (antwort|nachricht|e-?mail)", re.I), AUTO, ("dies ist",)),
    (re.compile(r"\b(questa [eè] una risposta automatica|questo [eè] un messaggio automatico)", re.I), AUTO,
     ("automatic",)),
    (re.compile(r"\b(i am|i'm|i will be|i'll be)\s+(currently\s+)?(out of (the )?office|away from (the|my) "
                r"(office|desk))", re.I), OOO, ("office", "desk")),
    (re.compile(r"\b(i am|i'm|i will be)\s+(currently\s+)?(on (vacation|holiday|annual leave|leave))", re.I), VACATION,
     ("vacation", "holiday", "leave")),
    (re.compile(r"\bthank you for (contacting [\w&' -]{1,40}|your (e-?mail|message|inquiry|request))[^.]{0,80}\."
                r"[^.]{0,120}\b(we will|we'll|someone will|a member of our team will) (get back|respond|reply|"
                r"be in touch)[^.]{0,60}\b(within|as soon as)\b.{0,200}\b(ticket|case|reference) (number|#|no)",
                re.I | re.S), AUTO, ("thank you for",)),
    (re.compile(r"\b(please )?do not reply (to|directly to) this (e-?mail|message)", re.I), MessageKind.SYSTEM_NOTICE,
     ("not reply",)),
    (re.compile(r"\bthis (mailbox|address) is not monitored\b", re.I), MessageKind.SYSTEM_NOTICE, ("not monitored",)),
]  # fmt: skip

# Words that say *which* automatic reply a message already known to be automatic is. They are too
# common in people's own mail ("estoy de vacaciones, ¿pueden retener el paquete?") to make a message
# automatic by themselves.
BODY_AWAY: list[tuple[re.Pattern[str], MessageKind]] = [
    (re.compile(r"\b(estoy|estar[eé]|no estoy en la|me encuentro) (fuera de la oficina|ausente)|"
                r"\b(estou|estarei) (fora do escrit[oó]rio|ausente)|\bje (suis|serai) absente?\b|"
                r"\bich bin\b[^.\n]{0,40}\b(nicht im b[uü]ro|au[sß]er haus|abwesend)|\bsono fuori (sede|ufficio)|"
                r"\bik ben\b[^.\n]{0,40}\bafwezig|\bjestem poza biurem|不在办公室|不在辦公室|不在にしております", re.I), OOO),
    (re.compile(r"\b(estoy|estamos|estar[eé]|estaremos) de vacaciones|\b(estou|estamos|estarei|estaremos) de f[eé]rias|"
                r"\b(je suis|nous sommes) en (vacances|cong[eé])|\b(ich bin|wir sind) im urlaub|\bsono in ferie|"
                r"\b(i am|i'm|we are|we're) (away )?on (vacation|holiday)", re.I), VACATION),
]  # fmt: skip

# --------------------------------------------------------------------------- challenge-response
CHALLENGE_DOMAINS = ("spamarrest.com", "boxbe.com", "mailinblack.com", "bluebottle.com", "spamenmoins.com")
BOXTRAPPER_SUBJECT = re.compile(r"\bverify#\S+", re.I)

_HELD = re.compile(
    # the message was held / is waiting (second person: "your message")
    r"\b(your|the|this) (e-?mail|message|mail)\b[^.\n]{0,60}?\b(has been|have been|was|were|is being|is|are|will be) "
    r"(held|quarantined|blocked|on hold|placed on hold|put on hold|queued|waiting|pending|awaiting|"
    r"placed in (a|the|my) (queue|quarantine))|"
    r"\b(only|will only) (accept|receive|deliver)s? (e-?mail|messages|mail) from (approved|known|verified|authori[sz]ed)|"
    r"\b(approved|allowed|authori[sz]ed|safe|white|guest|trusted|accepted)[ -]?(senders? )?list\b|"
    r"\b(su|tu) (mensaje|correo|e-?mail)( electr[oó]nico)? (ha sido|fue|est[aá]|queda|se encuentra) "
    r"(retenido|bloqueado|en espera|pendiente|en cuarentena)|"
    r"\blista (blanca|de (remitentes|contactos) (autorizados|aprobados|permitidos|confiables|seguros))|"
    r"\b(sua mensagem|seu e-?mail) (foi|est[aá]|ficou) (retid[ao]|bloquead[ao]|em espera|pendente|aguardando|"
    r"em quarentena)|"
    r"\blista (branca|de remetentes (autorizados|aprovados|permitidos|confi[aá]veis|seguros))|"
    r"\bvotre (message|e-?mail|courriel|mail) (a [eé]t[eé]|est) (bloqu[eé]|retenu|mis en attente|en attente|"
    r"plac[eé] en quarantaine|en quarantaine)|\bliste (blanche|d'exp[eé]diteurs (autoris[eé]s|approuv[eé]s))|"
    r"\bihre (nachricht|e-?mail|mail) (wurde|ist|wird) (zur[uü]ckgehalten|angehalten|blockiert|in quarant[aä]ne)|"
    r"\b(whitelist|wei[sß]e liste)\b",
    re.I,
)
_VERIFY = re.compile(
    # ... and asks the sender (second person) to prove they are a person, verify, click or reply
    r"\b(verify|confirm|prove|show|certify)\b[^.\n]{0,30}\b(you are|you're|that you are) (a |an )?"
    r"(real|human|person|live|legitimate|not a (robot|spammer|machine|computer|bot))|"
    r"\bverify (yourself|your identity)\b|"
    r"\b(click|follow|visit) (on )?(the|this) (link|button|url)( below)?[^.\n]{0,60}\b"
    r"(verify|confirm|release|deliver|authori[sz]e|approve)|"
    r"\breply to this (message|e-?mail)[^.\n]{0,60}\bsubject( line)? intact|"
    r"\b(add|added) (yourself |you )?to (my|the|our) (approved|allowed|authori[sz]ed|safe|white|guest|trusted)[ -]?"
    r"(senders? )?list|"
    r"\bto release (your|the) message\b|\b(has|have) not (yet )?been (verified|confirmed|approved)\b|"
    r"\b(verifi|confirm|demuestr|comprueb)\w*[^.\n]{0,30}\bque (usted )?(es|eres) (una persona|un humano|humano|"
    r"un ser humano|un remitente leg[ií]timo)|"
    r"\b(haga|haz|hacer) clic en (el|este) (enlace|v[ií]nculo|bot[oó]n)[^.\n]{0,60}\b(verific|confirm|entreg|autoriz)|"
    r"\b(confirm|verifi|comprov)\w*[^.\n]{0,30}\bque (voc[eê] )?[eé] (uma pessoa|um humano|humano|um ser humano|"
    r"um remetente leg[ií]timo)|"
    r"\bclique (no|neste) (link|bot[aã]o)[^.\n]{0,60}\b(verific|confirm|entreg|autoriz|liber)|"
    r"\bun clic pour d[eé]livrer|\bn'[eê]tes pas un robot|\bauthentifi\w+ votre adresse|"
    r"\bconfirmer que vous [eê]tes (une personne|un humain|un [eê]tre humain)|"
    r"\b(best[aä]tigen|verifizieren) sie[^.\n]{0,40}\bdass sie (ein mensch|eine (reale|echte) person|"
    r"kein (roboter|spammer|bot))|"
    r"\bklicken sie auf (den|diesen) (link|button|knopf)[^.\n]{0,60}\b(best[aä]tig|zustell|freigeb|verifizier)",
    re.I,
)
_ACTION = re.compile(
    # ... and tells them how: a link, or answer this very message
    r"https?://\S+|\brepl(y|ying) to this (message|e-?mail)|\buse your mailer's \W?reply|"
    r"\bsend an empty (message|e-?mail)|"
    r"\bresponda (a )?(este|esta) (mensaje|correo|mensagem)|\br[eé]pondez [aà] ce (message|courriel)|"
    r"\bantworten sie auf diese",
    re.I,
)
_SERVICE = re.compile(
    r"\b(spam ?arrest|boxbe|mailinblack|boxtrapper|tmda|choicemail|sendio|bluebottle|spamenmoins|"
    r"challenge[- ]response)\b",
    re.I,
)


def in_question(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] sits in a question: its sentence opens with '¿' or ends with '?'."""
    before = re.split(r"[.!?\n]", text[:start])[-1]
    after = re.match(r"[^.!?\n]*[.!?\n]?", text[end:])
    return "¿" in before or bool(after and after.group(0).endswith("?"))


_ACTION_WORDS = ("http", "repl", "send an empty", "respond", "pondez", "antworten")


def challenge_words(text: str) -> str | None:
    """The words showing ``text`` is a challenge-response request, or None (see the module doc)."""
    lower = text.lower()
    if not any(word in lower for word in _ACTION_WORDS):  # cheap: most mail has neither a link nor "reply"
        return None
    verify = _VERIFY.search(text)
    if not verify:
        return None
    context = _HELD.search(text) or _SERVICE.search(text)
    if not context or not _ACTION.search(text):
        return None
    return f"{' '.join(context.group(0).split())!r} + {' '.join(verify.group(0).split())!r}"
