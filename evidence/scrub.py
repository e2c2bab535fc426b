"""Scrub secrets out of captured HTTP traffic: Playwright traces now, HAR and WARC archives later.

A capture of a signed-in browser holds the keys to the account: the session cookie in every
request (``Cookie``) and in the answer that set it (``Set-Cookie``), bearer tokens, CSRF tokens,
and, when the session was renewed on a traced page, the typed e-mail, password and 2FA code (in
the action log, the DOM snapshots and the sign-in form posts). None of it may reach a bundle.

The model is format-neutral: a request/response with headers and a body (``Exchange``), and a
``Scrubber`` that

* masks credential headers (``Cookie``, ``Set-Cookie``, ``Authorization``,
  ``Proxy-Authorization``, anything named like a CSRF/XSRF or API token), keeping cookie names;
* removes the bodies of sign-in and 2FA form posts (a path with ``/login``, ``/signin``,
  ``/verify``, ``/2fa``, ``/otp``..., or a body with a password / OTP field);
* masks the values of known secrets anywhere in any text: the ones given (password, TOTP
  secret, e-mail, the saved session's cookie values) and the ones it learns from the traffic
  itself (every masked header, cookie, token field or typed code), in their raw, URL-encoded,
  HTML-escaped and JSON-escaped forms.

Learning comes first, masking second, so a cookie first seen in the last request is masked in
the first one too. ``scrub_trace`` walks a Playwright trace zip (``*.trace`` / ``*.network``
JSON lines, ``resources/`` bodies) with it and adds what only traces have: ``fill``/``type``
actions on password or code fields, and input values in DOM snapshots. The result keeps every
JSON-lines entry valid, so ``playwright show-trace`` still opens it.

What it cannot see: pixels. The screencast frames and screenshots inside a trace are images;
a password field shows dots, but a one-time code typed in a text box is readable there (it
expires within a minute). The report counts what was masked by kind; it never holds a value.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

__all__ = ["MASK", "Exchange", "ScrubError", "ScrubReport", "Scrubber", "scrub_exchanges", "scrub_trace"]

MASK = "[scrubbed]"
MIN_LEARNED = 4  # shorter values are never masked by value (they would hit everything)
MIN_ANYWHERE = 8  # values at least this long are masked inside any string; shorter ones as whole tokens

_COOKIE_HEADERS = frozenset({"cookie", "set-cookie", "set-cookie2"})
_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
_TOKEN_HEADER = re.compile(r"csrf|xsrf|token|(^|-)(api-?key|session-?id|secret)$", re.I)
_SIGN_IN_PATH = re.compile(r"/(?:log-?in|sign-?in|verify|2fa|otp|totp|mfa|two-?factor)(?=[/._?;-]|$)", re.I)
# Form / JSON field names whose presence makes a body a sign-in body.
_SECRET_FIELD = re.compile(
    r"password|passwd|passphrase|passcode|^pass$|^pwd$|(?<![a-z])(otp|totp|mfa|2fa)|one.?time|verif\w*.?code|^code$|^pin$",
    re.I,
)
# Field or query parameter names whose values are masked wherever they appear (the body stays).
_TOKEN_FIELD = re.compile(r"csrf|xsrf|authenticity.?token|^_?token$|(access|refresh|id|auth|session).?token|api.?key|^session(id)?$|^sid$|secret", re.I)
# Playwright selectors (``internal:label="Password"s``) of fields whose typed value is a secret.
_SECRET_SELECTOR = re.compile(
    r"password|passwd|passcode|\bpwd\b|one.?time|(?<![a-z])(otp|totp|2fa|mfa)(?![a-z])|verification|security.?code|\bcode\b|\bpin\b|secret",
    re.I,
)
# JSON keys whose string value is a credential wherever they appear (``httpCredentials.password``,
# ``proxy.password``, a token in an options object).
_SECRET_KEY = re.compile(r"^(password|passwd|passphrase|secret|client_?secret|((access|refresh|id|auth|session)_?)?token|api_?key|otp|totp)$", re.I)
_STORAGE_KEYS = frozenset({"cookies", "localStorage", "sessionStorage"})
_TYPING_METHODS = frozenset({"fill", "type", "pressSequentially"})


class ScrubError(ValueError):
    """The capture could not be scrubbed with certainty (unreadable zip, a malformed JSON line)."""


@dataclass
class ScrubReport:
    """What was masked, by kind and count; never the values."""

    counts: Counter[str] = field(default_factory=Counter)
    removed: list[str] = field(default_factory=list)  # entries dropped from an archive (their names)

    def add(self, kind: str, n: int = 1) -> None:
        if n:
            self.counts[kind] += n

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + len(self.removed)

    def summary(self) -> str:
        """``"cookie=27, secret=3, sign-in-body=2"``: kinds sorted, for logs and custody entries."""
        parts = [f"{kind}={n}" for kind, n in sorted(self.counts.items())]
        if self.removed:
            parts.append(f"removed-entries={len(self.removed)}")
        return ", ".join(parts) or "nothing found"


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, as any archive holds them (HAR entry, WARC pair)."""

    method: str
    url: str
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes | None = None


class Scrubber:
    """Learns secrets from traffic, then masks them. One instance per archive."""

    def __init__(self, secrets: Iterable[str | None] = (), *, report: ScrubReport | None = None) -> None:
        self.report = report or ScrubReport()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.learn(secret)
            if secret and " " in secret.strip():
                self.learn(secret.replace(" ", ""))  # a TOTP secret is often written in groups

    # ------------------------------------------------------------------ learning

    def learn(self, value: str | None) -> None:
        value = (value or "").strip()
        if len(value) >= MIN_LEARNED and value != MASK and value not in self._values:
            self._values.add(value)
            self._pattern = None

    def _learn_header(self, name: str, value: str) -> None:
        lower = name.lower()
        if lower in _COOKIE_HEADERS:
            for part in value.split(";" if lower == "cookie" else "\n"):
                pair = part.split(";")[0]
                if "=" in pair:
                    self.learn(pair.split("=", 1)[1].strip().strip('"'))
        elif lower in _AUTH_HEADERS:
            self.learn(value)
            scheme, _, credentials = value.strip().partition(" ")
            self.learn(credentials)
            if scheme.lower() == "basic":
                try:
                    user, _, password = base64.b64decode(credentials, validate=True).decode("utf-8").partition(":")
                except (binascii.Error, UnicodeDecodeError):
                    return
                self.learn(password)
        elif _TOKEN_HEADER.search(lower):
            self.learn(value)

    def learn_fields(self, body: bytes | str | None, content_type: str | None = None) -> dict[str, str]:
        """The fields of a form or JSON body (learning the values of token fields)."""
        fields = _fields(body, content_type)
        for name, value in fields.items():
            if _TOKEN_FIELD.search(name) or _SECRET_FIELD.search(name):
                self.learn(value)
        return fields

    def learn_url(self, url: str) -> None:
        for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=False):
            if _TOKEN_FIELD.search(name) or _SECRET_FIELD.search(name):
                self.learn(value)

    def learn_exchange(self, exchange: Exchange) -> None:
        for name, value in [*exchange.request_headers, *exchange.response_headers]:
            self._learn_header(name, value)
        self.learn_url(exchange.url)
        self.learn_fields(exchange.request_body, _header(exchange.request_headers, "content-type"))

    # ------------------------------------------------------------------ masking

    def header(self, name: str, value: str) -> str:
        """The value to keep for one header (learning what it masks)."""
        lower = name.lower()
        if lower in _COOKIE_HEADERS:
            self._learn_header(name, value)
            self.report.add(lower)
            if lower == "cookie":
                return "; ".join(f"{p.split('=', 1)[0].strip()}={MASK}" for p in value.split(";") if p.strip())
            lines = []
            for line in value.split("\n"):  # Playwright joins several Set-Cookie values with newlines
                pair, sep, attributes = line.partition(";")
                lines.append(f"{pair.split('=', 1)[0].strip()}={MASK}{sep}{attributes}")
            return "\n".join(lines)
        if lower in _AUTH_HEADERS:
            self._learn_header(name, value)
            self.report.add("authorization")
            scheme, _, credentials = value.strip().partition(" ")
            return f"{scheme} {MASK}" if credentials else MASK
        if _TOKEN_HEADER.search(lower):
            self._learn_header(name, value)
            self.report.add("token-header")
            return MASK
        return value

    def headers(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(name, self.header(name, value)) for name, value in pairs]

    def is_sign_in(self, method: str, url: str, body: bytes | str | None, content_type: str | None = None) -> bool:
        """A request that carries credentials in its body: a sign-in or 2FA form post."""
        if method.upper() in {"GET", "HEAD", "OPTIONS"} or not body:
            return False
        if _SIGN_IN_PATH.search(urlsplit(url).path):
            return True
        return any(_SECRET_FIELD.search(name) for name in _fields(body, content_type))

    def exchange(self, exchange: Exchange) -> Exchange:
        """The exchange with credential headers masked, sign-in bodies removed, secrets masked."""
        content_type = _header(exchange.request_headers, "content-type")
        sign_in = self.is_sign_in(exchange.method, exchange.url, exchange.request_body, content_type)
        request_body, response_body = exchange.request_body, exchange.response_body
        if sign_in:
            self.learn_fields(request_body, content_type)
            self.report.add("sign-in-body", int(request_body is not None) + int(bool(response_body)))
            request_body, response_body = None, None
        return replace(
            exchange,
            url=self.text(exchange.url),
            request_headers=[(n, self.text(v)) for n, v in self.headers(exchange.request_headers)],
            response_headers=[(n, self.text(v)) for n, v in self.headers(exchange.response_headers)],
            request_body=self.data(request_body) if request_body is not None else None,
            response_body=self.data(response_body) if response_body is not None else None,
        )

    def pattern(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._values:
            long_forms: set[str] = set()
            short_forms: set[str] = set()
            for value in self._values:
                (long_forms if len(value) >= MIN_ANYWHERE else short_forms).update(_forms(value))
            alternatives = [re.escape(f) for f in sorted(long_forms, key=len, reverse=True)]
            alternatives += [rf"(?<![A-Za-z0-9]){re.escape(f)}(?![A-Za-z0-9])" for f in sorted(short_forms, key=len, reverse=True)]
            self._pattern = re.compile("|".join(alternatives), re.IGNORECASE)
        return self._pattern

    def text(self, text: str) -> str:
        """``text`` with every known secret masked (counted as ``secret``)."""
        pattern = self.pattern()
        if pattern is None or not text:
            return text
        masked, n = pattern.subn(MASK, text)
        self.report.add("secret", n)
        return masked

    def data(self, data: bytes) -> bytes:
        """A body or archive entry: UTF-8 text (JSON walked string by string) or binary."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return self._binary(data)
        if text[:1] in "{[":
            try:
                value = json.loads(text)
            except ValueError:
                pass
            else:
                masked, changed = self.json_value(value)
                return _dumps(masked).encode("utf-8") if changed else data
        return self.text(text).encode("utf-8")

    def _binary(self, data: bytes) -> bytes:
        # An image or a compressed body: replace a secret's bytes in place (same length, so
        # offsets in the format stay right); a secret is never expected here.
        for value in sorted(self._values, key=len, reverse=True):
            raw = value.encode("utf-8")
            if len(raw) >= MIN_ANYWHERE and raw in data:
                self.report.add("secret", data.count(raw))
                data = data.replace(raw, b"*" * len(raw))
        return data

    def json_value(self, value: Any) -> tuple[Any, bool]:
        """A parsed JSON value with secrets masked in every string (keys too); and whether it changed."""
        if isinstance(value, str):
            masked = self.text(value)
            return masked, masked != value
        if isinstance(value, list):
            changed = False
            for i, item in enumerate(value):
                value[i], c = self.json_value(item)
                changed |= c
            return value, changed
        if isinstance(value, dict):
            changed = False
            for key in list(value):
                item, c = self.json_value(value[key])
                new_key = self.text(key)
                if new_key != key:
                    del value[key]
                    c = True
                value[new_key] = item
                changed |= c
            return value, changed
        return value, False

    # ------------------------------------------------------------------ structure (HAR-like JSON)

    def structure(self, value: Any) -> bool:
        """Mask credentials wherever a JSON document lists them: credential headers
        (``"headers": [{"name", "value"}]`` or ``{name: value}``), cookie and storage values
        (``"cookies"`` / ``"localStorage"`` / ``"sessionStorage"``: ``[{"name", "value"}]``), and
        string values under keys such as ``password``, ``secret``, ``token``, ``apiKey``: HAR
        entries, Playwright's network log, ``storageState`` results, ``addCookies`` calls,
        ``httpCredentials`` / ``proxy`` context options."""
        changed = False
        if isinstance(value, list):
            for item in value:
                changed |= self.structure(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key == "headers" and isinstance(item, list):
                    for header in item:
                        if isinstance(header, dict) and isinstance(header.get("name"), str) and isinstance(header.get("value"), str):
                            masked = self.header(header["name"], header["value"])
                            changed |= masked != header["value"]
                            header["value"] = masked
                elif key == "headers" and isinstance(item, dict):
                    for name, header_value in item.items():
                        if isinstance(header_value, str):
                            masked = self.header(name, header_value)
                            changed |= masked != header_value
                            item[name] = masked
                elif key in _STORAGE_KEYS and isinstance(item, list):  # cookies, local/session storage items
                    for entry in item:
                        if isinstance(entry, dict) and isinstance(entry.get("value"), str) and entry["value"] != MASK:
                            self.learn(entry["value"])
                            entry["value"] = MASK
                            self.report.add("cookie-value" if key == "cookies" else "storage-value")
                            changed = True
                elif _SECRET_KEY.match(key) and isinstance(item, str) and item and item != MASK:
                    self.learn(item)
                    value[key] = MASK
                    self.report.add("credential-field")
                    changed = True
                else:
                    changed |= self.structure(item)
        return changed

    def har_entry(self, entry: dict[str, Any], body: Callable[[str], bytes | None]) -> tuple[bool, list[str]]:
        """One HAR entry (or a Playwright ``resource-snapshot``): structure masked, a sign-in
        post's bodies removed. ``body(name)`` reads a body stored beside it (``_file``/``_sha1``).
        Returns (changed, names of the stored bodies no longer referenced)."""
        changed = self.structure(entry)
        request = entry.get("request") or {}
        url = request.get("url") or ""
        self.learn_url(url)
        post = request.get("postData")
        if not isinstance(post, dict):
            return changed, []
        stored = post.get("_file") or post.get("_sha1")
        raw: bytes | str | None = body(stored) if stored else None
        if raw is None:
            params = [(str(p.get("name")), str(p.get("value"))) for p in post.get("params") or [] if isinstance(p, dict)]
            raw = post.get("text") or urlencode(params)
        mime = post.get("mimeType")
        self.learn_fields(raw, mime)
        if not self.is_sign_in(request.get("method") or "GET", url, raw, mime):
            return changed, []
        dropped = [name for name in (stored,) if name]
        entry["request"]["postData"] = {"mimeType": mime or "", "text": MASK, "params": []}
        self.report.add("sign-in-body")
        content = (entry.get("response") or {}).get("content")
        if isinstance(content, dict):
            answer = content.pop("_file", None) or content.pop("_sha1", None)
            if answer or content.pop("text", None):
                self.report.add("sign-in-body")
            dropped += [answer] if answer else []
        return True, dropped


def scrub_exchanges(exchanges: Iterable[Exchange], secrets: Iterable[str | None] = ()) -> tuple[list[Exchange], ScrubReport]:
    """Scrub a whole archive's exchanges: learn from all of them first, then mask each."""
    items = list(exchanges)
    scrubber = Scrubber(secrets)
    for exchange in items:
        scrubber.learn_exchange(exchange)
    return [scrubber.exchange(e) for e in items], scrubber.report


# --------------------------------------------------------------------------- Playwright traces


def scrub_trace(data: bytes, secrets: Iterable[str | None] = ()) -> tuple[bytes, ScrubReport]:
    """A Playwright trace zip with every secret masked (same entries, same order, still valid
    JSON lines), and what was masked. Raises ``ScrubError`` when it cannot be sure."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        infos = source.infolist()
        contents = {info.filename: source.read(info) for info in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise ScrubError(f"not a readable trace zip: {exc}") from exc
    scrubber = Scrubber(secrets)
    report = scrubber.report
    # Pass 1: structure, learning every secret on the way (headers, cookies, typed values).
    parsed: dict[str, list[Any]] = {}
    dropped: set[str] = set()
    for name, raw in contents.items():
        if not name.endswith((".trace", ".network")):
            continue
        lines = _json_lines(name, raw)
        for item in lines:
            if isinstance(item.value, dict):
                item.changed = _trace_event(scrubber, item.value, contents.get, dropped)
        parsed[name] = lines
    # Pass 2: every known secret masked in every text entry.
    pattern = scrubber.pattern()
    out: dict[str, bytes] = {}
    for name, raw in contents.items():
        if name in parsed:
            rendered = []
            for item in parsed[name]:
                # A line whose text shows no secret (in any escaped form) holds none: keep its bytes.
                if not item.changed and (pattern is None or pattern.search(item.raw) is None):
                    rendered.append(item.raw)
                    continue
                value, _ = scrubber.json_value(item.value)
                rendered.append(_dumps(value))
            out[name] = "".join(line + "\n" for line in rendered).encode("utf-8")
        elif name in dropped and not _still_referenced(name, parsed):
            report.removed.append(name)
        else:
            out[name] = scrubber.data(raw)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in infos:
            if info.filename in out:
                target.writestr(info, out[info.filename], compress_type=info.compress_type)
    return buffer.getvalue(), report


@dataclass
class _Line:
    raw: str
    value: Any
    changed: bool = False


def _json_lines(name: str, raw: bytes) -> list[_Line]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScrubError(f"{name} is not UTF-8") from exc
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            lines.append(_Line(line, json.loads(line)))
        except ValueError as exc:
            raise ScrubError(f"{name} line {number} is not JSON") from exc
    return lines


def _trace_event(scrubber: Scrubber, event: dict[str, Any], read: Callable[[str], bytes | None], dropped: set[str]) -> bool:
    """One trace event: network entries, typed values on secret fields, DOM input values."""
    kind = event.get("type")
    if kind == "resource-snapshot" and isinstance(event.get("snapshot"), dict):
        changed, names = scrubber.har_entry(event["snapshot"], lambda n: read(n) if n.startswith("resources/") else read(f"resources/{n}"))
        dropped.update(n if n.startswith("resources/") else f"resources/{n}" for n in names)
        return changed
    changed = scrubber.structure(event)
    params = event.get("params")
    if kind == "before" and event.get("method") in _TYPING_METHODS and isinstance(params, dict):
        if _SECRET_SELECTOR.search(str(params.get("selector", ""))):
            for key in ("value", "text"):
                if isinstance(params.get(key), str) and params[key] != MASK:
                    scrubber.learn(params[key])
                    params[key] = MASK
                    scrubber.report.add("typed-value")
                    changed = True
    if kind == "frame-snapshot" and isinstance(event.get("snapshot"), dict):
        changed |= _snapshot_inputs(scrubber, event["snapshot"].get("html"))
    return changed


def _snapshot_inputs(scrubber: Scrubber, node: Any) -> bool:
    """DOM snapshot nodes are ``[TAG, {attributes}, ...children]``: mask secret inputs' values."""
    if not isinstance(node, list):
        return False
    changed = False
    if len(node) >= 2 and isinstance(node[0], str) and isinstance(node[1], dict):
        attrs = node[1]
        if node[0].upper() == "INPUT" and _secret_input(attrs):
            for key in ("__playwright_value_", "value"):
                if isinstance(attrs.get(key), str) and attrs[key] and attrs[key] != MASK:
                    scrubber.learn(attrs[key])
                    attrs[key] = MASK
                    scrubber.report.add("input-value")
                    changed = True
        children = node[2:]
    else:
        children = node
    for child in children:
        changed |= _snapshot_inputs(scrubber, child)
    return changed


def _secret_input(attrs: dict[str, Any]) -> bool:
    if str(attrs.get("type", "")).lower() == "password":
        return True
    described = [str(attrs[k]) for k in ("name", "id", "autocomplete", "aria-label", "placeholder") if attrs.get(k)]
    return any(_SECRET_SELECTOR.search(d) or _SECRET_FIELD.search(d) or _TOKEN_FIELD.search(d) for d in described)


def _still_referenced(name: str, parsed: dict[str, list[Any]]) -> bool:
    short = name.removeprefix("resources/")
    return any(short in (item.raw if not item.changed else _dumps(item.value)) for lines in parsed.values() for item in lines)


# --------------------------------------------------------------------------- helpers


def _forms(value: str) -> set[str]:
    """How a value can appear in captured text: raw, URL-encoded, HTML-escaped, JSON-escaped."""
    return {
        value,
        quote(value, safe=""),
        quote_plus(value, safe=""),
        quote(value, safe="@"),
        html.escape(value),
        html.escape(value, quote=False),
        json.dumps(value)[1:-1],
    }


def _fields(body: bytes | str | None, content_type: str | None) -> dict[str, str]:
    """Field name -> value of a urlencoded form or a JSON object body (nested keys flattened)."""
    if not body:
        return {}
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    stripped = text.lstrip()
    if "json" in (content_type or "") or stripped[:1] in "{[":
        try:
            return dict(_json_fields(json.loads(stripped)))
        except ValueError:
            pass
    if "multipart" in (content_type or ""):
        return dict(re.findall(r'name="([^"]+)"\r?\n(?:[^\r\n]+\r?\n)*\r?\n([^\r\n]*)', text))
    if "=" in text and "\n" not in text.strip():
        return dict(parse_qsl(text, keep_blank_values=True))
    return {}


def _json_fields(value: Any) -> Iterable[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str | int | float) and not isinstance(item, bool):
                yield str(key), str(item)
            else:
                yield from _json_fields(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_fields(item)


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for n, v in headers if n.lower() == name), None)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
