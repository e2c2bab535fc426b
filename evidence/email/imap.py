"""Fetch an order's messages from an IMAP server (``imaplib``), read-only, as raw bytes.

* Security: implicit TLS (``ssl``, port 993) or ``starttls`` (port 143, upgraded before login);
  the certificate is verified (system store, or ``cafile`` for a private CA / self-signed test
  server). There is no plaintext mode: the password would cross the network in clear.
* Login with a password or an app password (``SecretStr``: never logged, never in ``repr``).
* Folders are opened with EXAMINE (read-only) and bodies fetched with ``BODY.PEEK[]``, so nothing
  on the server changes (no message is marked as read).
* Search: messages in the date window (``SINCE`` / ``BEFORE``) whose text contains the PO, the
  customer order number or the relay address (``TEXT`` searches headers and body), one folder at
  a time. Gmail users choose ``[Gmail]/All Mail``.
* Each hit is yielded as a ``RawMessage`` with the bytes exactly as the server returned them and
  the server's INTERNALDATE as the fallback time.

Errors (connection refused, TLS failure, bad login, unknown folder) raise ``ImapError`` with a
one-line message that never contains the password.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import Field, SecretStr

from evidence.email.sources import EmailSourceError, RawMessage
from evidence.models import MessageSource, Model

__all__ = ["ImapError", "ImapSource", "fetch_imap", "search_criteria"]

_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


class ImapError(EmailSourceError):
    """The IMAP server could not be used (one line, no secrets)."""


class ImapSource(Model):
    """Where and how to search an IMAP mailbox."""

    host: str
    port: int | None = Field(default=None, ge=1, le=65535, description="default: 993 for ssl, 143 for starttls")
    security: Literal["ssl", "starttls"] = "ssl"
    username: str
    password: SecretStr
    folders: list[str] = Field(default_factory=lambda: ["INBOX"])
    cafile: str | None = Field(default=None, description="CA bundle for a private or self-signed certificate")
    since: date | None = None
    before: date | None = None
    timeout: float = Field(default=30.0, gt=0)

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "ssl" else 143)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_criteria(terms: list[str], since: date | None = None, before: date | None = None) -> str:
    """An IMAP SEARCH key: the date window AND (TEXT term1 OR TEXT term2 ...)."""
    parts: list[str] = []
    if since:
        parts.append(f"SINCE {since.strftime('%d-%b-%Y')}")
    if before:
        parts.append(f"BEFORE {before.strftime('%d-%b-%Y')}")
    texts = [f"TEXT {_quote(t)}" for t in dict.fromkeys(t for t in terms if t)]
    if texts:
        expr = texts[-1]
        for text in reversed(texts[:-1]):
            expr = f"OR {text} {expr}"
        parts.append(f"({expr})" if len(texts) > 1 else expr)
    return " ".join(parts) or "ALL"


def _context(source: ImapSource) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=source.cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _connect(source: ImapSource) -> imaplib.IMAP4:
    where = f"{source.host}:{source.effective_port}"
    try:
        if source.security == "ssl":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                source.host, source.effective_port, ssl_context=_context(source), timeout=source.timeout
            )
        else:
            client = imaplib.IMAP4(source.host, source.effective_port, timeout=source.timeout)
            client.starttls(ssl_context=_context(source))
    except ssl.SSLError as exc:
        raise ImapError(f"IMAP {where}: TLS failed ({exc.reason or exc})") from None
    except OSError as exc:  # refused, unreachable, timed out
        raise ImapError(f"IMAP {where}: cannot connect ({exc.strerror or exc})") from None
    except imaplib.IMAP4.error as exc:
        raise ImapError(f"IMAP {where}: {exc}") from None
    try:
        client.login(source.username, source.password.get_secret_value())
    except imaplib.IMAP4.error:
        _close(client)
        raise ImapError(f"IMAP {where}: login failed for {source.username}") from None
    return client


def _close(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


def _internaldate(meta: bytes) -> datetime | None:
    match = _INTERNALDATE.search(meta)
    if not match:
        return None
    parsed = imaplib.Internaldate2tuple(b'INTERNALDATE "' + match.group(1) + b'"')
    return datetime(*parsed[:6], tzinfo=UTC) if parsed else None


def fetch_imap(source: ImapSource, terms: list[str]) -> Iterator[RawMessage]:
    """Yield every message in ``source.folders`` matching ``terms`` (see ``search_criteria``)."""
    client = _connect(source)
    try:
        for folder in source.folders:
            status, _ = client.select(_quote(folder), readonly=True)
            if status != "OK":
                raise ImapError(f"IMAP {source.host}: no folder {folder!r}")
            criteria = search_criteria(terms, source.since, source.before)
            status, data = client.uid("SEARCH", criteria)
            if status != "OK":
                raise ImapError(f"IMAP {source.host}: search failed in {folder!r}")
            uids = data[0].split() if data and data[0] else []
            for uid in uids:
                status, parts = client.uid("FETCH", uid, "(INTERNALDATE BODY.PEEK[])")
                if status != "OK":
                    raise ImapError(f"IMAP {source.host}: fetch of {folder!r} UID {uid.decode()} failed")
                for part in parts:
                    if isinstance(part, tuple) and len(part) == 2:
                        meta, body = part
                        yield RawMessage(
                            data=bytes(body),
                            origin=f"imap:{source.host}/{folder}/{uid.decode()}",
                            source=MessageSource.IMAP,
                            fallback_time=_internaldate(meta),
                        )
                        break
    except (OSError, imaplib.IMAP4.abort) as exc:
        raise ImapError(f"IMAP {source.host}: connection lost ({exc})") from None
    finally:
        _close(client)
