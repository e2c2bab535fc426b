"""The review app refuses what it must: no token, a wrong token, a wrong CSRF token, another Host,
another Origin; it serves only sealed files, and every answer carries a strict CSP."""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from collector.review.security import COOKIE
from collector.review.server import Running
from evidence.bundle import read_bundle
from evidence.bundle.index import bundle_folders

NAME = "4342076435326_CCR-88121_v1"


def request(app: Running, method: str, path: str, *, host: str | None = None, cookie: bool = True,
            body: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", app.guard.port, timeout=10)
    sent = {"Host": host or f"127.0.0.1:{app.guard.port}", **(headers or {})}
    if cookie:
        sent["Cookie"] = f"{COOKIE}={app.guard.token}"
    data = None
    if body is not None:
        data = urlencode(body)
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=data, headers=sent)
    response = conn.getresponse()
    response.read_body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


def test_the_printed_url_sets_a_strict_cookie_and_drops_the_token(review_app: Running) -> None:
    parts = urlsplit(review_app.url)
    assert parts.hostname == "127.0.0.1" and "token=" in parts.query
    response = request(review_app, "GET", f"/?{parts.query}", cookie=False)
    assert response.status == 303 and response.getheader("Location") == "/"
    cookie = response.getheader("Set-Cookie")
    assert f"{COOKIE}={review_app.guard.token}" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = request(review_app, "GET", "/")
    assert page.status == 200 and b"Refunds to review" in page.read_body


@pytest.mark.parametrize(
    ("path", "cookie", "status"),
    [("/", False, 403), ("/?token=wrong", False, 403), (f"/b/{NAME}/", False, 403), ("/static/review.css", False, 403)],
)
def test_requests_without_the_token_are_refused(review_app: Running, path: str, cookie: bool, status: int) -> None:
    response = request(review_app, "GET", path, cookie=cookie)
    assert response.status == status
    assert b"Refunds to review" not in response.read_body and b"PO 4342076435326" not in response.read_body


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1:1", "localhost.evil.example"])
def test_another_host_header_is_refused_even_with_the_token(review_app: Running, host: str) -> None:
    response = request(review_app, "GET", "/", host=host)
    assert response.status == 400


def test_localhost_with_the_port_is_accepted(review_app: Running) -> None:
    assert request(review_app, "GET", "/", host=f"localhost:{review_app.guard.port}").status == 200


@pytest.mark.parametrize(
    ("csrf", "headers"),
    [(None, {}), ("wrong", {}), ("", {}), ("RIGHT", {"Origin": "https://evil.example"})],
)
def test_a_decision_without_the_right_csrf_token_or_from_another_origin_is_refused(
    review_app: Running, bundles: Path, csrf: str | None, headers: dict[str, str]
) -> None:
    body = {"reviewer": "mallory", "note": "no"}
    if csrf is not None:
        body["csrf"] = review_app.guard.csrf if csrf == "RIGHT" else csrf
    response = request(review_app, "POST", f"/b/{NAME}/reject", body=body, headers=headers)
    assert response.status == 403
    assert all(read_bundle(path).reviews == [] for path in bundle_folders(bundles))


def test_a_decision_with_the_token_and_csrf_is_recorded(review_app: Running, bundles: Path) -> None:
    body = {"reviewer": "Ann Reviewer", "note": "duplicate", "csrf": review_app.guard.csrf}
    response = request(review_app, "POST", f"/b/{NAME}/reject", body=body,
                       headers={"Origin": f"http://127.0.0.1:{review_app.guard.port}"})  # fmt: skip
    assert response.status == 303 and response.getheader("Location").startswith(f"/b/{NAME}/?saved=rejected")
    assert read_bundle(bundles / NAME).reviews[-1].note == "duplicate"


def test_every_answer_carries_a_strict_csp(review_app: Running) -> None:
    for path in ("/", f"/b/{NAME}/", f"/b/{NAME}/packet", "/static/review.js"):
        response = request(review_app, "GET", path)
        assert response.status == 200, path
        csp = response.getheader("Content-Security-Policy")
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        assert response.getheader("Referrer-Policy") == "same-origin"


def test_only_sealed_files_are_served_and_never_as_a_page_that_runs(review_app: Running, bundles: Path) -> None:
    (bundles / NAME / "stray.html").write_text("<script>alert(1)</script>")
    assert request(review_app, "GET", f"/b/{NAME}/stray.html").status == 404
    assert request(review_app, "GET", f"/b/{NAME}/../{NAME}/manifest.json").status == 404
    assert request(review_app, "GET", f"/b/{NAME}/manifest.json").status == 404  # not a listed file
    email = request(review_app, "GET", f"/b/{NAME}/emails/0001.eml")
    assert email.status == 200 and email.getheader("Content-Type").startswith("text/plain")
    snapshot = request(review_app, "GET", f"/b/{NAME}/captures/01-refund-details.html")
    assert snapshot.status == 200 and snapshot.getheader("Content-Security-Policy").startswith("sandbox")
    image = request(review_app, "GET", f"/b/{NAME}/captures/01-refund-details.png")
    assert image.getheader("Content-Type") == "image/png" and image.read_body.startswith(b"\x89PNG")


def test_a_tampered_bundle_is_shown_as_such_and_no_decision_is_sealed_over_it(review_app: Running, bundles: Path) -> None:
    (bundles / NAME / "emails/0001.eml").write_bytes(b"rewritten history")
    page = request(review_app, "GET", f"/b/{NAME}/")
    assert page.status == 200 and b"This bundle fails verification" in page.read_body
    body = {"reviewer": "Ann", "note": "no", "csrf": review_app.guard.csrf}
    refused = request(review_app, "POST", f"/b/{NAME}/reject", body=body)
    assert refused.status == 400 and b"Not saved" in refused.read_body
    assert read_bundle(bundles / NAME).reviews == []
