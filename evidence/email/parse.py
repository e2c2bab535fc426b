"""Raw e-mail bytes -> a normalized ``Message`` (plus the parsed headers the classifier needs).

Mail is hostile and often broken, so ``parse_email`` never raises on content: every problem it
meets (an unknown charset, an undecodable encoded word, a malformed or missing date, a multipart
with no boundary, a truncated part) is handled with a fallback and described in
``Message.notes``. The normalized view holds:

* headers decoded (RFC 2047 encoded words in any charset Python knows; raw 8-bit headers read
  as UTF-8, else windows-1252);
* ``body_text``: the first ``text/plain`` body part, or the plain view of the HTML one;
* ``body_html``: the first ``text/html`` body part, **sanitized** (never the raw markup);
* ``attachments``: every other part with a file name or ``Content-Disposition: attachment``,
  with its size and sha256 (the bytes themselves stay inside the raw message);
* ``sent_at``: the ``Date`` header in UTC; if it is missing or unreadable, the newest
  ``Received`` date, then the caller's ``fallback_time`` (file mtime, IMAP INTERNALDATE), then
  the Unix epoch, always with a note.

The raw bytes are never changed: ``ParsedEmail.raw`` is exactly what was read, and
``Message.raw_sha256`` is its hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from email.message import Message as EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from evidence.models import Attachment, Message, MessageSource
from evidence.sanitize import html_to_text, sanitize_html

__all__ = ["ParsedEmail", "decode_header_value", "parse_email"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Labels that lie: iso-8859-1 / us-ascii mail is very often really windows-1252 (as in browsers).
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
                    "ascii": "cp1252", "x-sjis": "shift_jis", "sjis": "shift_jis", "unknown-8bit": "utf-8"}  # fmt: skip


@dataclass
class ParsedEmail:
    """One parsed message: the normalized ``message``, the original bytes and the header object."""

    message: Message
    raw: bytes
    headers: EmailMessage = field(repr=False)
    origin: str = ""  # where it was read: a file path, "mbox:<path>#<n>", "imap:<host>/<folder>/<uid>"
    content_types: list[str] = field(default_factory=list)  # every part's media type, in order

    def header(self, name: str) -> str | None:
        """A header decoded to text (the first one when repeated), or None."""
        value = _raw(self.headers, name)
        return None if value is None else decode_header_value(value)

    def header_all(self, name: str) -> list[str]:
        return [decode_header_value(v) for v in _raw_all(self.headers, name)]


def _raw_all(msg: EmailMessage, name: str) -> list[str]:
    """Header values as stored, raw 8-bit bytes read as UTF-8 / cp1252 (``msg.get`` would mangle them)."""
    lname = name.lower()
    return [_fix_8bit(value if isinstance(value, str) else str(value)) for key, value in msg.raw_items()
            if key.lower() == lname]  # fmt: skip


def _raw(msg: EmailMessage, name: str) -> str | None:
    values = _raw_all(msg, name)
    return values[0] if values else None


def _fix_8bit(value: str) -> str:
    """Headers with raw 8-bit bytes arrive as surrogate escapes: read them as UTF-8 or cp1252."""
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)")


def _decode_word(match: re.Match[str], notes: list[str]) -> str:
    charset, encoding, text = match.group(1).split("*", 1)[0], match.group(2).upper(), match.group(3)
    try:
        if encoding == "B":
            data = base64.b64decode(text + "=" * (-len(text) % 4), validate=False)
        else:
            data = binascii.a2b_qp(text.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        notes.append(f"broken encoded word kept as written: {match.group(0)[:60]!r}")
        return match.group(0)
    return _decode_bytes(data, charset, notes)


def decode_header_value(value: str, notes: list[str] | None = None) -> str:
    """Decode RFC 2047 encoded words (any charset Python knows) mixed with plain or 8-bit text.

    An unknown charset or a broken word falls back (UTF-8 with replacement characters, or the
    word as written) and, when ``notes`` is given, says so there.
    """
    value = _fix_8bit(value)
    if "=?" in value:
        local: list[str] = []
        value = _BETWEEN_WORDS.sub(r"\1", value)  # whitespace between encoded words is not text
        value = _ENCODED_WORD.sub(lambda m: _decode_word(m, local), value)
        if local and notes is not None:
            notes.extend(f"header: {n}" for n in local if f"header: {n}" not in notes)
    return " ".join(value.split())


def _decode_bytes(data: bytes, charset: str | None, notes: list[str]) -> str:
    name = (charset or "us-ascii").strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return data.decode(name)
    except UnicodeDecodeError:
        if name == "cp1252":  # undefined cp1252 bytes (0x81, 0x8d, ...): latin-1 maps every byte
            return data.decode("latin-1")
        notes.append(f"body is not valid {charset}; decoded with replacement characters")
        return data.decode(name, "replace")
    except (LookupError, ValueError):  # unknown name, or a name no codec can have (NUL, ...)
        notes.append(f"unknown charset {charset!r}; decoded as UTF-8 with replacement characters")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    text = " ".join(value.split())
    for candidate in (text, re.sub(r"\s*\([^)]*\)\s*$", "", text)):
        try:
            parsed = parsedate_to_datetime(candidate)
        except (TypeError, ValueError, IndexError, OverflowError):
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:  # some tools write ISO 8601
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _sent_at(msg: EmailMessage, fallback_time: datetime | None, notes: list[str]) -> datetime:
    raw_date = _raw(msg, "Date")
    parsed = _parse_date(raw_date)
    if parsed is not None:
        if parsed.tzinfo is not None and parsed.utcoffset() is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    problem = "no Date header" if raw_date is None else f"unreadable Date header {str(raw_date)[:60]!r}"
    received = [_parse_date(str(r).rsplit(";", 1)[-1]) for r in _raw_all(msg, "Received") if ";" in r]
    received_dates = [r for r in received if r is not None]
    if received_dates:
        notes.append(f"{problem}; used the newest Received date")
        return max(received_dates).astimezone(UTC)
    if fallback_time is not None:
        notes.append(f"{problem}; used the time the source recorded (file or server time)")
        return fallback_time.astimezone(UTC)
    notes.append(f"{problem}; no other date available, used 1970-01-01T00:00:00Z")
    return _EPOCH


def _clean_id(value: str | None) -> str | None:
    if not value:
        return None
    match = re.search(r"<([^<>\s]+)>", value)
    if match:
        return match.group(1)
    token = value.strip().split()[0] if value.strip() else ""
    return token.strip("<>") or None


def _references(msg: EmailMessage) -> list[str]:
    ids: list[str] = []
    for value in _raw_all(msg, "References"):
        found = re.findall(r"<([^<>\s]+)>", str(value))
        ids.extend(found or [t.strip("<>") for t in str(value).split() if "@" in t])
    return list(dict.fromkeys(ids))


def _addresses(values: list[str]) -> list[str]:
    out = []
    for _, addr in getaddresses([_fix_8bit(v) for v in values]):
        if addr and "@" in addr:
            out.append(addr.strip().lower())
    return list(dict.fromkeys(out))


def _payload_bytes(part: EmailMessage, notes: list[str]) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001 - a broken transfer encoding must not stop the parse
        notes.append(f"part {part.get_content_type()} could not be decoded ({type(exc).__name__}); kept raw")
        raw = part.get_payload()
        return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    if payload is None:
        return b""
    return payload if isinstance(payload, bytes) else str(payload).encode("utf-8", "replace")


def _describe_defects(msg: EmailMessage, notes: list[str]) -> None:
    for part in msg.walk():
        for defect in getattr(part, "defects", []) or []:
            name = type(defect).__name__
            text = {
                "NoBoundaryInMultipartDefect": "multipart message without a boundary: read as a single text part",
                "StartBoundaryNotFoundDefect": "multipart boundary never found: read as a single text part",
                "CloseBoundaryNotFoundDefect": "multipart closing boundary missing: message may be truncated",
                "MultipartInvariantViolationDefect": "multipart structure is broken",
                "MissingHeaderBodySeparatorDefect": "no blank line between headers and body",
                "InvalidBase64PaddingDefect": "base64 body with bad padding (decoded as far as possible)",
                "InvalidBase64CharactersDefect": "base64 body with invalid characters (ignored)",
                "InvalidBase64LengthDefect": "base64 body with a truncated last block",
            }.get(name, f"MIME problem: {name}")
            note = f"{part.get_content_type()}: {text}"
            if note not in notes:
                notes.append(note)


def _filename(part: EmailMessage, notes: list[str]) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - RFC 2231 parameters can be arbitrarily broken
        name = None
    return decode_header_value(str(name), notes) if name else None


def _synthetic_id(raw: bytes) -> str:
    return f"sha256-{hashlib.sha256(raw).hexdigest()[:32]}@synthetic.invalid"


def parse_email(
    raw: bytes,
    *,
    source: MessageSource = MessageSource.MAILBOX,
    origin: str = "",
    fallback_time: datetime | None = None,
) -> ParsedEmail:
    """Parse one message. Never raises for bad content; problems go to ``message.notes``.

    The message is not yet classified nor given a role: ``evidence.email.classify`` and
    ``evidence.email.roles`` do that (``evidence.email.load_message`` runs all three).
    """
    try:
        return _parse(raw, source, origin, fallback_time)
    except Exception as exc:  # noqa: BLE001 - last resort: the stdlib parser has unguarded corners
        msg = EmailMessage()
        note = f"message could not be parsed ({type(exc).__name__}: {str(exc)[:80]}); only the raw bytes are kept"
        message = Message(
            message_id=_synthetic_id(raw), source=source, sent_at=(fallback_time or _EPOCH).astimezone(UTC),
            sender="unknown@invalid", raw_sha256=hashlib.sha256(raw).hexdigest(), notes=[note],
        )  # fmt: skip
        return ParsedEmail(message=message, raw=raw, headers=msg, origin=origin)


def _parse(raw: bytes, source: MessageSource, origin: str, fallback_time: datetime | None) -> ParsedEmail:
    notes: list[str] = []
    msg = message_from_bytes(raw, policy=email_policy.compat32)
    _describe_defects(msg, notes)

    message_id = _clean_id(_raw(msg, "Message-ID")) or None
    if message_id is None:
        message_id = _synthetic_id(raw)
        notes.append("no Message-ID header; using a synthetic id derived from the message bytes")

    sender_name, sender = parseaddr(_fix_8bit(_raw(msg, "From") or ""))
    if not sender:
        sender = parseaddr(_raw(msg, "Sender") or _raw(msg, "Return-Path") or "")[1]
        notes.append("no usable From address")
    subject = decode_header_value(_raw(msg, "Subject") or "", notes)

    text_body: str | None = None
    html_body: str | None = None
    attachments: list[Attachment] = []
    content_types: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        content_types.append(ctype)
        if part.is_multipart():
            continue
        if ctype.startswith("multipart/"):  # no usable boundary: the whole body is one text part
            ctype = "text/plain"
        disposition = (_raw(part, "Content-Disposition") or "").split(";")[0].strip().lower()
        filename = _filename(part, notes)
        payload = _payload_bytes(part, notes)
        is_body = disposition != "attachment" and filename is None
        if is_body and ctype == "text/plain" and text_body is None:
            text_body = _decode_bytes(payload, part.get_content_charset(), notes)
        elif is_body and ctype == "text/html" and html_body is None:
            html_body = _decode_bytes(payload, part.get_content_charset(), notes)
        elif not is_body or not ctype.startswith(("text/", "message/delivery-status", "message/disposition")):
            if is_body and ctype.startswith("message/"):
                continue  # attached messages are walked into; their parts are listed themselves
            attachments.append(
                Attachment(
                    filename=filename or f"part-{len(content_types)}.{ctype.split('/')[-1][:10] or 'bin'}",
                    media_type=ctype,
                    size=len(payload),
                    sha256=hashlib.sha256(payload).hexdigest(),
                )
            )

    body_text = text_body if text_body is not None else (html_to_text(html_body) if html_body else "")
    message = Message(
        message_id=message_id,
        source=source,
        sent_at=_sent_at(msg, fallback_time, notes),
        sender=sender.strip().lower() or "unknown@invalid",
        sender_name=decode_header_value(sender_name, notes) or None,
        recipients=_addresses(_raw_all(msg, "To") + _raw_all(msg, "Cc")),
        subject=subject,
        body_text=body_text.replace("\r\n", "\n").strip("\n"),
        body_html=sanitize_html(html_body) if html_body else None,
        attachments=attachments,
        in_reply_to=_clean_id(_raw(msg, "In-Reply-To")),
        references=_references(msg),
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        notes=notes,
    )
    return ParsedEmail(message=message, raw=raw, headers=msg, origin=origin, content_types=content_types)
