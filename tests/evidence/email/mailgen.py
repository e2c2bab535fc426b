"""Generated mailboxes for the source and memory tests (realistic headers, deterministic)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

RELAY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0@relay.walmart.com"
PO = "4342076435326"
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def message_bytes(n: int, *, po: str | None = None, body_lines: int = 12) -> bytes:
    sent = START + timedelta(minutes=7 * n)
    subject = f"Question about PO {po}" if po else f"Newsletter #{n}: autumn offers"
    sender = RELAY if po else f"news{n % 17}@shop{n % 5}.example"
    body = "\r\n".join(f"Line {i} of message {n}: lorem ipsum dolor sit amet, consectetur." for i in range(body_lines))
    if n % 50 == 3:
        body += "\r\nFrom the desk of the editor (an unquoted From line inside a body)."
        body += "\r\n\r\n>From here on, an mboxrd-quoted line."
    return (
        f"Return-Path: <{sender}>\r\n"
        f"Received: from mx{n % 3}.example by mx.brightgoods.example; {format_datetime(sent)}\r\n"
        f"From: Sender {n} <{sender}>\r\n"
        "To: support@brightgoods.example\r\n"
        f"Subject: {subject}\r\n"
        f"Date: {format_datetime(sent)}\r\n"
        f"Message-ID: <gen-{n}@mailgen.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{body}\r\n"
    ).encode()


def write_mbox(path: Path, count: int, *, matching: frozenset[int] = frozenset({1, 2, 3})) -> Path:
    """An mbox (Gmail Takeout style "From " lines) with ``count`` messages; ``matching`` cite the PO."""
    with path.open("wb") as handle:
        for n in range(count):
            sent = START + timedelta(minutes=7 * n)
            handle.write(f"From 17{n:017d}@xxx {sent:%a %b %d %H:%M:%S} +0000 {sent:%Y}\r\n".encode())
            handle.write(message_bytes(n, po=PO if n in matching else None).replace(b"\r\nFrom the", b"\r\n>From the"))
            handle.write(b"\r\n")
    return path
