"""No secret survives scrubbing: a synthetic Playwright trace with every place a secret hides."""

from __future__ import annotations

import html
import io
import json
import zipfile
from urllib.parse import quote, quote_plus

import pytest

from evidence.scrub import MASK, Exchange, ScrubError, scrub_exchanges, scrub_trace

EMAIL = "ops@prairiegoods.example"
PASSWORD = "mock-Prairie-2026!&<x>"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SESSION = "f5CUMyE84BNU6YvQrf79fS2Yz_Y9HVJlAxB5805oz10"  # in the saved session file: given
PENDING = "hpyr-CzlnzYhIe5bwaf3wHXbhwFAKwo6"  # the 2FA step's cookie: only in the traffic
RENEWED = "mH_jMKNn6-lgONhNji80TX_789FinsGPG3nwhjyLX7s"  # set by the last answer: only in the traffic
BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMifQ.c2lnbmF0dXJl"
CSRF = "csrf-9b1f0c7d2e4a6b8c"
CODE = "482913"  # the typed one-time code
STORED = "ls-8c1e2f9a0b7d6c5e"  # a token the site keeps in localStorage
HTTP_PASSWORD = "basic-auth-pw-77"  # context option httpCredentials
GIVEN = [EMAIL, PASSWORD, TOTP_SECRET, SESSION]
EVERY_SECRET = [*GIVEN, PENDING, RENEWED, BEARER, CSRF, CODE, STORED, HTTP_PASSWORD]
PO = "4342076435326"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9"


def _headers(**pairs: str) -> list[dict[str, str]]:
    return [{"name": name.replace("_", "-"), "value": value} for name, value in pairs.items()]


def _resource(method: str, url: str, *, request_headers: list[dict[str, str]], response_headers: list[dict[str, str]],
              post: dict | None = None, body_file: str | None = None, cookies: list | None = None) -> dict:
    request = {"method": method, "url": url, "headers": request_headers, "cookies": cookies or [], "queryString": []}
    if post is not None:
        request["postData"] = post
    content = {"size": 10, "mimeType": "text/html"} | ({"_file": body_file} if body_file else {})
    return {"type": "resource-snapshot", "snapshot": {
        "request": request,
        "response": {"status": 200, "headers": response_headers, "cookies": [], "content": content},
        "_monotonicTime": 482913.5,
    }}  # fmt: skip


def _trace_zip() -> bytes:
    actions = [
        {"version": 8, "type": "context-options", "options": {
            "baseURL": "http://127.0.0.1:8000", "httpCredentials": {"username": "ops", "password": HTTP_PASSWORD}}},
        {"type": "before", "callId": "c@1", "method": "fill", "class": "Frame",
         "params": {"selector": 'internal:role=textbox[name="Email"i]', "value": EMAIL}},
        {"type": "before", "callId": "c@2", "method": "fill", "class": "Frame",
         "params": {"selector": 'internal:label="Password"s', "value": PASSWORD}},
        {"type": "log", "callId": "c@2", "time": 1.0, "message": f"  fill({json.dumps(PASSWORD)})"},
        {"type": "before", "callId": "c@3", "method": "fill", "class": "Frame",
         "params": {"selector": 'internal:role=textbox[name="6-digit code"i]', "value": CODE}},
        {"type": "log", "callId": "c@3", "time": 482913, "message": f'  fill("{CODE}")'},
        {"type": "before", "callId": "c@4", "method": "fill", "class": "Frame",
         "params": {"selector": 'internal:label="Search by PO"s', "value": PO}},
        {"type": "frame-snapshot", "snapshot": {"callId": "c@3", "html": [
            "HTML", {}, ["BODY", {}, ["FORM", {"action": "/login/verify"},
                ["INPUT", {"__playwright_value_": CODE, "name": "code", "autocomplete": "one-time-code"}],
                ["INPUT", {"__playwright_value_": PASSWORD, "type": "password", "name": "password"}],
                ["INPUT", {"__playwright_value_": PO, "name": "q"}], ["P", {}, f"Signed in as {EMAIL}"]]]]}},
        {"type": "after", "callId": "c@9", "result": {"state": {"cookies": [
            {"name": "sc_session", "value": RENEWED, "domain": "127.0.0.1"}],
            "origins": [{"origin": "http://127.0.0.1:8000", "localStorage": [{"name": "auth", "value": STORED}]}]}}},
    ]  # fmt: skip
    network = [
        _resource("GET", f"http://127.0.0.1:8000/transactions?q={PO}",
                  request_headers=_headers(Cookie=f"sc_session={SESSION}; theme=dark", Authorization=f"Bearer {BEARER}",
                                           X_CSRF_Token=CSRF, Accept="text/html"),
                  response_headers=_headers(Content_Type="text/html"), body_file="resources/page.html",
                  cookies=[{"name": "sc_session", "value": SESSION}]),
        _resource("POST", "http://127.0.0.1:8000/login",
                  request_headers=_headers(Content_Type="application/x-www-form-urlencoded"),
                  response_headers=_headers(Set_Cookie=f"sc_pending={PENDING}; Path=/; HttpOnly", Location="/login/verify"),
                  post={"mimeType": "application/x-www-form-urlencoded", "text": "",
                        "params": [{"name": "email", "value": EMAIL}, {"name": "password", "value": PASSWORD}],
                        "_file": "resources/login.dat"}),
        _resource("POST", "http://127.0.0.1:8000/login/verify",
                  request_headers=_headers(Cookie=f"sc_pending={PENDING}"),
                  response_headers=_headers(Set_Cookie=f"sc_session={RENEWED}; Path=/; HttpOnly"),
                  post={"mimeType": "application/x-www-form-urlencoded", "text": f"code={CODE}", "params": []}),
        _resource("POST", "http://127.0.0.1:8000/api/notes",
                  request_headers=_headers(Content_Type="application/json"), response_headers=[],
                  post={"mimeType": "application/json", "text": json.dumps({"note": f"PO {PO}", "csrf_token": CSRF})}),
    ]
    resources = {
        # A page that shows the e-mail, echoes the cookies into a script and the password escaped.
        "resources/page.html": (f"<p>{EMAIL}</p><script>var s='{SESSION}', r='{quote(RENEWED)}';</script>"
                                f"<input value=\"{html.escape(PASSWORD)}\"><td>{PO}</td>"
                                f"<a href=\"otpauth://totp/SC:ops?secret={TOTP_SECRET}\">2FA</a>").encode(),
        "resources/login.dat": f"email={quote_plus(EMAIL)}&password={quote_plus(PASSWORD)}".encode(),
        "resources/data.json": json.dumps({"user": EMAIL, "po": PO, "amount": 482913, "echo": STORED}).encode(),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("trace.trace", "".join(json.dumps(a) + "\n" for a in actions))
        z.writestr("trace.network", "".join(json.dumps(n) + "\n" for n in network))
        z.writestr("trace.stacks", json.dumps({"files": ["/work/pages/login.py"], "stacks": []}))
        z.writestr(zipfile.ZipInfo("screencast/page@1-1.jpeg"), JPEG)
        for name, data in resources.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), html.escape(secret), json.dumps(secret)[1:-1]}


def _entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.fixture(scope="module")
def scrubbed() -> tuple[dict[str, bytes], object]:
    data, report = scrub_trace(_trace_zip(), GIVEN)
    return _entries(data), report


def _texts(data: bytes) -> list[str]:
    """Where a secret could be read: every string of a JSON (lines) entry, else the whole text
    (numbers that happen to equal the 6-digit code are numbers, not the code)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [data.decode("latin-1")]
    try:
        values = [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError:
        return [text]
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                found.append(key)
                walk(item)

    walk(values)
    return found


def test_no_secret_is_left_in_any_entry_in_any_form(scrubbed: tuple[dict[str, bytes], object]) -> None:
    entries, _ = scrubbed
    assert len(entries) >= 6
    left = [(name, secret) for name, data in entries.items() for text in _texts(data) for secret in EVERY_SECRET
            if any(form in text for form in _forms(secret))]  # fmt: skip
    assert left == []
    # The same check finds every secret in the trace as it was recorded.
    original = _entries(_trace_zip())
    found = {secret for data in original.values() for text in _texts(data) for secret in EVERY_SECRET
             if any(form in text for form in _forms(secret))}  # fmt: skip
    assert found == set(EVERY_SECRET)


def test_the_trace_keeps_its_shape_and_what_is_not_secret(scrubbed: tuple[dict[str, bytes], object]) -> None:
    entries, _ = scrubbed
    original = _entries(_trace_zip())
    assert list(entries) == [n for n in original if n != "resources/login.dat"]  # same order; the login body gone
    for name in ("trace.trace", "trace.network"):
        lines = entries[name].decode().splitlines()
        assert len(lines) == len(original[name].decode().splitlines())
        events = [json.loads(line) for line in lines]  # every line still JSON
        assert all(isinstance(e, dict) and "type" in e for e in events)
    json.loads(entries["trace.stacks"])
    assert entries["screencast/page@1-1.jpeg"] == JPEG
    network = [json.loads(line)["snapshot"] for line in entries["trace.network"].decode().splitlines()]
    cookie = next(h["value"] for h in network[0]["request"]["headers"] if h["name"] == "Cookie")
    assert cookie == f"sc_session={MASK}; theme={MASK}"  # which cookies were sent stays readable
    set_cookie = next(h["value"] for h in network[2]["response"]["headers"] if h["name"] == "Set-Cookie")
    assert set_cookie == f"sc_session={MASK}; Path=/; HttpOnly"
    assert next(h["value"] for h in network[0]["request"]["headers"] if h["name"] == "Authorization") == f"Bearer {MASK}"
    assert network[1]["request"]["postData"]["params"] == [] and "_file" not in network[1]["request"]["postData"]
    assert json.loads(network[3]["request"]["postData"]["text"])["note"] == f"PO {PO}"  # not a sign-in: kept
    assert network[0]["_monotonicTime"] == 482913.5  # a number that looks like the code is a number still
    trace = entries["trace.trace"].decode()
    assert f'"value":"{PO}"' in trace.replace(" ", "")  # the PO typed in the search box is evidence, kept
    assert PO in entries["resources/page.html"].decode()
    assert json.loads(entries["resources/data.json"]) == {"user": MASK, "po": PO, "amount": 482913, "echo": MASK}


def test_the_report_counts_kinds_and_never_holds_a_value(scrubbed: tuple[dict[str, bytes], object]) -> None:
    _, report = scrubbed
    counts = report.counts  # type: ignore[attr-defined]
    assert counts["cookie"] == 2 and counts["set-cookie"] == 2 and counts["authorization"] == 1
    assert counts["token-header"] == 1 and counts["sign-in-body"] == 2 and counts["typed-value"] == 2
    assert counts["input-value"] == 2 and counts["cookie-value"] == 2 and counts["secret"] > 0
    assert counts["storage-value"] == 1 and counts["credential-field"] == 1
    assert report.removed == ["resources/login.dat"]  # type: ignore[attr-defined]
    summary = report.summary()  # type: ignore[attr-defined]
    assert "sign-in-body=2" in summary and not [s for s in EVERY_SECRET if s in summary]


def test_a_trace_that_cannot_be_read_is_refused_not_passed_through() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("trace.network", f'{{"type":"resource-snapshot","snapshot":{{"cookie":"{SESSION}"\n')
    with pytest.raises(ScrubError, match="trace.network line 1"):
        scrub_trace(buffer.getvalue(), GIVEN)
    with pytest.raises(ScrubError, match="not a readable trace zip"):
        scrub_trace(b"PK\x03\x04 truncated", GIVEN)


def test_exchanges_from_any_archive_are_scrubbed_the_same_way() -> None:
    sign_in = Exchange("POST", "https://seller.example/api/v2/signin",
                       request_headers=[("Content-Type", "application/json")],
                       request_body=json.dumps({"username": "ops", "passwd": PASSWORD}).encode(),
                       response_headers=[("Set-Cookie", f"sid={RENEWED}; Secure")],
                       response_body=json.dumps({"token": BEARER}).encode())  # fmt: skip
    later = Exchange("GET", f"https://seller.example/api/orders?po={PO}&access_token={BEARER}",
                     request_headers=[("Cookie", f"sid={RENEWED}"), ("Proxy-Authorization", "Basic b3BzOmh1bnRlcjI=")],
                     response_body=f'<p>{PO}</p><a href="/x?sid={RENEWED}">x</a>'.encode())  # fmt: skip
    (first, second), report = scrub_exchanges([sign_in, later], [PASSWORD])
    assert first.request_body is None and first.response_body is None  # a sign-in: both bodies removed
    assert first.response_headers == [("Set-Cookie", f"sid={MASK}; Secure")]
    assert second.request_headers == [("Cookie", f"sid={MASK}"), ("Proxy-Authorization", f"Basic {MASK}")]
    assert BEARER not in second.url and PO in second.url
    assert second.response_body == f'<p>{PO}</p><a href="/x?sid={MASK}">x</a>'.encode()
    assert report.counts["sign-in-body"] == 2 and "hunter2" not in report.summary()
