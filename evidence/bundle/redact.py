"""Redaction for exports: mask the customer's name, address and e-mail address.

What a redacted copy contains, and why:

* ``data/`` (case, assessments, reviews): the order's ``customer_name``, ``customer_email`` and
  ``ship_to`` (name, street lines, city, postal code; state and country stay) are replaced by
  ``[redacted]``; so is the sender name of every customer message, and any message address equal
  to the customer's. Then every occurrence of those values anywhere else in the text (e-mail
  bodies, subjects, the draft dispute) is replaced too (e-mail addresses case-insensitively).
* ``captures/*.html`` snapshots: the same text replacement (raw and HTML-escaped forms).
* ``data/added/`` records of files added in review: masked like ``data/``; the files themselves
  (``added/``: a claim PDF, a photo) are withheld like the e-mails.
* withheld (left out): the original e-mails (``emails/``), screenshots, traces and web archives: their pixels
  and bytes cannot be masked reliably. Their original SHA-256 and size stay in the manifest's
  ``redaction.withheld``, so they remain sealed by hash and the unredacted bundle proves them.
* ``report.html`` is re-rendered from the masked data.

Masking by value is best-effort for free text: whole words only, the full name and each of its
words (3 letters or more) are masked, but a nickname or a misspelling in a message body is not.
The manifest records what kinds were masked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evidence.bundle import serialize
from evidence.bundle.layout import (
    ADDED_DIR,
    ADDED_RECORDS_DIR,
    ASSESSMENTS_DIR,
    CAPTURES_DIR,
    CASE,
    EMAILS_DIR,
    REPORT,
    REVIEWS_DIR,
)
from evidence.bundle.manifest import FileEntry
from evidence.bundle.seal import entries_for
from evidence.models import RefundCase, Role

REPLACEMENT = "[redacted]"
MIN_TERM_LENGTH = 3  # shorter values (initials, "NY") would mask unrelated text


@dataclass
class Redacted:
    files: dict[str, bytes]
    masked: list[str]
    rewritten: list[FileEntry] = field(default_factory=list)
    withheld: list[FileEntry] = field(default_factory=list)


def redact_files(
    files: Mapping[str, bytes], case: RefundCase, media_types: Mapping[str, str] | None = None
) -> Redacted:
    """A masked copy of a bundle's sealed files (``report.html`` excluded: the caller re-renders it)."""
    masked, terms = _terms(case)
    originals = {entry.path: entry for entry in entries_for(files, media_types)}
    out: dict[str, bytes] = {}
    result = Redacted(files=out, masked=masked)
    for path, data in sorted(files.items()):
        if path == REPORT:
            continue
        if _withheld(path):
            result.withheld.append(originals[path])
            continue
        new = data
        if path == CASE:
            new = serialize.dumps(_mask_json(_mask_case(serialize.loads(data, path)), terms))
        elif path.startswith((ASSESSMENTS_DIR + "/", REVIEWS_DIR + "/", ADDED_RECORDS_DIR + "/")):
            new = serialize.dumps(_mask_json(serialize.loads(data, path), terms))
        elif path.startswith(CAPTURES_DIR + "/") and path.endswith((".html", ".htm")):
            new = _mask_text(data.decode("utf-8", errors="replace"), terms, html_too=True).encode("utf-8")
        if new != data:
            result.rewritten.append(originals[path])
        out[path] = new
    return result


def _withheld(path: str) -> bool:
    if path.startswith((EMAILS_DIR + "/", ADDED_DIR + "/")):  # added in review: a claim PDF, a photo
        return True
    return path.startswith(CAPTURES_DIR + "/") and not path.endswith((".html", ".htm", ".json", ".txt"))


def _terms(case: RefundCase) -> tuple[list[str], list[str]]:
    kinds: list[str] = []
    terms: list[str] = []
    order = case.order
    if order is not None:
        if order.customer_name:
            kinds.append("customer_name")
            terms += [order.customer_name, *_name_parts(order.customer_name)]
        if order.ship_to is not None:
            kinds.append("customer_address")
            address = order.ship_to
            terms += [address.name, address.line1, address.line2 or "", address.city, address.postal_code]
        if order.customer_email:
            kinds.append("customer_email")
            terms.append(order.customer_email)
    for thread in case.threads:
        for message in thread.messages:
            if message.role is Role.CUSTOMER:
                if "customer_email" not in kinds:
                    kinds.append("customer_email")
                terms.append(message.sender)
                if message.sender_name:
                    terms += [message.sender_name, *_name_parts(message.sender_name)]
    unique = sorted({t for t in terms if len(t.strip()) >= MIN_TERM_LENGTH}, key=lambda t: (-len(t), t))
    return kinds, unique


def _name_parts(name: str) -> list[str]:
    """The words of a name ("Jane Q. Buyer" -> Jane, Buyer): e-mails often use just one of them."""
    return [part for part in re.findall(r"[^\W\d_][\w'-]*", name) if len(part) >= MIN_TERM_LENGTH]


def _mask_case(data: Any) -> Any:
    order = data.get("order") if isinstance(data, dict) else None
    if isinstance(order, dict):
        for key in ("customer_name", "customer_email"):
            if order.get(key):
                order[key] = REPLACEMENT
        ship_to = order.get("ship_to")
        if isinstance(ship_to, dict):
            for key in ("name", "line1", "city", "postal_code"):
                ship_to[key] = REPLACEMENT
            if ship_to.get("line2"):
                ship_to["line2"] = REPLACEMENT
    for thread in data.get("threads", []) if isinstance(data, dict) else []:
        for message in thread.get("messages", []):
            if message.get("role") == Role.CUSTOMER.value and message.get("sender_name"):
                message["sender_name"] = REPLACEMENT
    return data


def _mask_json(value: Any, terms: list[str]) -> Any:
    if isinstance(value, str):
        return _mask_text(value, terms)
    if isinstance(value, list):
        return [_mask_json(item, terms) for item in value]
    if isinstance(value, dict):
        return {key: _mask_json(item, terms) for key, item in value.items()}
    return value


def _mask_text(text: str, terms: list[str], html_too: bool = False) -> str:
    for term in terms:
        forms = {term, html.escape(term, quote=True), html.escape(term, quote=False)} if html_too else {term}
        for form in sorted(forms, key=len, reverse=True):
            flags = re.IGNORECASE if "@" in term else 0
            # Whole words only: "Ann" must not mask "Annual".
            text = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", REPLACEMENT, text, flags=flags)
    return text
