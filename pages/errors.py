"""Typed errors raised by the page objects.

Every error a page object raises derives from ``PageError`` and carries what a person (or the
collector's retry logic) needs: the screen, what was looked for, the URL. ``transient`` marks the
errors worth retrying (a 5xx page, a 429, a dropped connection); the collector's tenacity policy
retries only those. Everything else ("PO not found", "older than 90 days", a layout that does not
match) is final: retrying would give the same answer.
"""

from __future__ import annotations

__all__ = [
    "AccountLocked",
    "ConnectionLost",
    "ElementMissing",
    "LoginFailed",
    "NotARefund",
    "OrderNotFound",
    "OrderTooOld",
    "PageError",
    "RateLimited",
    "ScreenNotReached",
    "ServerError",
    "SessionExpired",
    "UnreadableValue",
]


class PageError(Exception):
    """Root of the page-object errors. ``transient`` errors may succeed when retried."""

    transient: bool = False

    def __init__(self, message: str, *, screen: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.screen = screen
        self.url = url


class SessionExpired(PageError):
    """The site bounced to ``/login?expired=1``: sign in again, then resume."""

    def __init__(self, *, screen: str | None = None, url: str | None = None) -> None:
        where = f" while opening {screen}" if screen else ""
        super().__init__(f"The Seller Center session expired{where} (redirected to {url}).", screen=screen, url=url)


class ScreenNotReached(PageError):
    """The screen's landmark never appeared (or it never finished loading)."""

    def __init__(self, screen: str, looked_for: str, url: str | None, *, seen: str | None = None) -> None:
        detail = f"; the page shows {seen}" if seen else ""
        super().__init__(f"{screen} did not load: {looked_for} not found at {url}{detail}.", screen=screen, url=url)
        self.looked_for = looked_for


class ElementMissing(PageError):
    """An element the page object relies on is not on the screen: the layout probably changed."""

    def __init__(
        self, screen: str, looked_for: str, url: str | None, *, available: list[str] | None = None, kind: str = ""
    ) -> None:
        message = f"{looked_for} not found on {screen}"
        if available is not None:
            shown = ", ".join(f"'{a}'" for a in available) if available else "none"
            message += f"; the screen has {kind or 'elements'}: {shown}"
        message += f" - the site layout may have changed (at {url})"
        super().__init__(message, screen=screen, url=url)
        self.looked_for = looked_for
        self.available = available or []


class OrderNotFound(PageError):
    """The search found no order with this PO / customer order number."""

    def __init__(self, number: str, *, screen: str | None = None, url: str | None = None) -> None:
        super().__init__(f"No order found for {number}.", screen=screen, url=url)
        self.number = number


class OrderTooOld(PageError):
    """The order is older than the screen's 90-day search horizon."""

    def __init__(self, number: str, *, screen: str | None = None, url: str | None = None) -> None:
        super().__init__(
            f"{number} is older than the 90-day search horizon of {screen or 'the search screen'}.",
            screen=screen,
            url=url,
        )
        self.number = number


class NotARefund(PageError):
    """A details screen was read as a refund but shows another transaction type."""


class UnreadableValue(PageError):
    """Screen text that does not parse as the value expected (a date, an amount, an enum)."""

    def __init__(self, what: str, text: str, expected: str, *, screen: str | None = None, url: str | None = None):
        where = f" on {screen}" if screen else ""
        super().__init__(f"Cannot read {what}{where}: {text!r} is not {expected}.", screen=screen, url=url)
        self.text = text


class ServerError(PageError):
    """A 5xx answer or the "Something went wrong" page."""

    transient = True

    def __init__(self, message: str, *, status: int | None = None, screen: str | None = None, url: str | None = None):
        super().__init__(message, screen=screen, url=url)
        self.status = status


class RateLimited(PageError):
    """HTTP 429: wait ``retry_after`` seconds (when the site said) before trying again."""

    transient = True

    def __init__(self, retry_after: float | None, *, screen: str | None = None, url: str | None = None) -> None:
        wait = f"; retry after {retry_after:g} s" if retry_after is not None else ""
        super().__init__(f"Seller Center is rate limiting requests (HTTP 429){wait}.", screen=screen, url=url)
        self.retry_after = retry_after


class ConnectionLost(PageError):
    """The connection dropped before an answer arrived."""

    transient = True


class LoginFailed(PageError):
    """Wrong e-mail/password or a wrong 2FA code; ``reason`` is the site's alert text."""

    def __init__(self, reason: str, *, url: str | None = None) -> None:
        super().__init__(f"Sign-in failed: {reason}", screen="Sign in", url=url)
        self.reason = reason


class AccountLocked(LoginFailed):
    """Too many failed sign-ins: the account is locked for a while. Never retried."""
