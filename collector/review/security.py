"""What every request to the review app must carry, and the headers every answer gets.

* **Host**: ``127.0.0.1:<port>``, ``localhost:<port>`` or the bound host and port; anything else
  (a DNS-rebinding page, a proxy) is refused with 400.
* **Token**: the URL printed at start carries ``?token=<random>``; the first request with it gets
  an ``HttpOnly; SameSite=Strict`` cookie and is redirected to the same address without the token
  (so it is not left in the history or sent on). Every other request needs the cookie: 403.
* **CSRF**: every state-changing request (POST) carries the form field ``csrf`` (a second random
  value, in each form of the pages); a missing or wrong one is refused with 403, as is a request
  whose ``Origin`` is not the app's own.
* **Headers**: a strict Content-Security-Policy (only the app's own stylesheet, script and
  images; no inline script, no remote anything, no framing), ``nosniff``, ``same-origin``
  referrers (nothing sent to other sites), ``no-store``.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

COOKIE = "review_token"
CSRF_FIELD = "csrf"
TOKEN_PARAM = "token"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make form posts send "Origin: null"
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@dataclass
class Guard:
    """The app's secrets and where it listens (``port`` is set once the socket is bound)."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    host: str = "127.0.0.1"
    port: int = 0

    def allowed_hosts(self) -> set[str]:
        names = {"127.0.0.1", "localhost", self.host}
        return {f"{name}:{self.port}" for name in names} | ({f"[::1]:{self.port}"} if self.host == "::1" else set())

    def origins(self) -> set[str]:
        return {f"http://{host}" for host in self.allowed_hosts()}

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}?{urlencode({TOKEN_PARAM: self.token})}"

    def csrf_ok(self, value: object) -> bool:
        return isinstance(value, str) and secrets.compare_digest(value, self.csrf)


def _refuse(status: int, text: str) -> Response:
    return PlainTextResponse(text + "\n", status_code=status, headers=SECURITY_HEADERS)


def make_middleware(guard: Guard) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def dispatch(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.headers.get("host", "") not in guard.allowed_hosts():
            return _refuse(400, "refused: this app answers only on its own address (127.0.0.1/localhost)")
        given = request.query_params.get(TOKEN_PARAM)
        if given is not None:
            if not secrets.compare_digest(given, guard.token):
                return _refuse(403, "refused: wrong token; open the address `collector review` printed")
            rest = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != TOKEN_PARAM]
            target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            response: Response = RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)
            response.set_cookie(COOKIE, guard.token, httponly=True, samesite="strict", path="/")
            return response
        cookie = request.cookies.get(COOKIE, "")
        if not secrets.compare_digest(cookie.encode(), guard.token.encode()):
            return _refuse(403, "refused: no token; open the address `collector review` printed (it has ?token=...)")
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            if origin is not None and origin not in guard.origins():
                return _refuse(403, "refused: the request comes from another site")
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return dispatch
