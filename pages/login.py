"""Sign-in: ``/login`` (e-mail + password) then ``/login/verify`` (the 6-digit code).

The password and the code are typed into the page and never logged or kept: the page objects
hold no secrets beyond the call that uses them.
"""

from __future__ import annotations

import re
from typing import Unpack

from playwright.sync_api import Locator, Page, expect

from pages.base import Options, Screen, verb
from pages.errors import AccountLocked, LoginFailed, ScreenNotReached
from pages.shell import Shell

__all__ = ["EXPIRED_NOTICE", "LoginPage", "TwoFactorPage"]

EXPIRED_NOTICE = "Your session has expired. Sign in again to continue."
_LOCKED = re.compile(r"account is locked", re.IGNORECASE)
_NOT_EMPTY = re.compile(r"\S")


class _AuthScreen(Screen):
    """Login screens have no shell and no main loading state of their own to wait for."""

    @property
    def _error_page(self) -> Locator:
        """The site's error pages, so a refused form is reported at once, not after a timeout."""
        return self.error_heading.or_(self.rate_heading)

    def _raise_if_interrupted(self) -> None:
        if self.error_heading.count():
            super()._raise_if_interrupted()

    def _failure(self) -> LoginFailed | None:
        alert = self.page.get_by_role("alert").filter(has_text=_NOT_EMPTY)
        if not alert.count():
            return None
        text = " ".join(alert.first.inner_text().split())
        return AccountLocked(text, url=self.page.url) if _LOCKED.search(text) else LoginFailed(text, url=self.page.url)


class LoginPage(_AuthScreen):
    name = "Sign in"
    heading = "Sign in to Seller Center"
    path = "/login"

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        self.email = page.get_by_role("textbox", name="Email")
        self.password = page.get_by_label("Password", exact=True)
        self.sign_in_button = page.get_by_role("button", name="Sign in", exact=True)
        self.notice = page.get_by_role("status").filter(has_text=EXPIRED_NOTICE)

    def session_expired_notice(self) -> bool:
        """True when the page says the session expired (after a bounce from another screen)."""
        return bool(self.notice.count())

    @verb
    def sign_in(self, email: str, password: str) -> TwoFactorPage:
        """Fill and submit step 1; ``LoginFailed`` / ``AccountLocked`` when the site refuses."""
        self._require(self.email, "textbox 'Email'", role="textbox").fill(email, timeout=self.timeout)
        self._require(self.password, "textbox 'Password'", role="textbox").fill(password, timeout=self.timeout)
        # The form posts and the site answers with a new page: waiting for that navigation keeps
        # an alert left over from an earlier attempt from being read as this attempt's answer.
        self._submit(self._require(self.sign_in_button, "button 'Sign in'"), "submitting the sign-in form")
        verify = TwoFactorPage(self.page, tz=self.tz, timeout=self.timeout)
        alert = self.page.get_by_role("alert").filter(has_text=_NOT_EMPTY)
        try:
            expect(verify.landmark.or_(alert).or_(self._error_page).first).to_be_visible(timeout=self.timeout)
        except AssertionError:
            super()._raise_if_interrupted()
            raise ScreenNotReached(self.name, "heading 'Verify it's you' or an alert", self.page.url) from None
        failure = self._failure()
        if failure is not None:
            raise failure
        super()._raise_if_interrupted()  # an error page (5xx, 429) answered the form
        return verify.wait_until_ready()


class TwoFactorPage(_AuthScreen):
    name = "Two-step verification"
    heading = "Verify it's you"

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        self.code = page.get_by_role("textbox", name="6-digit code")
        self.verify_button = page.get_by_role("button", name="Verify", exact=True)

    @verb
    def verify(self, code: str) -> Shell:
        """Submit the code; returns the shell of the page the site lands on (``next`` or Home)."""
        self._require(self.code, "textbox '6-digit code'", role="textbox").fill(code, timeout=self.timeout)
        self._submit(self._require(self.verify_button, "button 'Verify'"), "submitting the code")
        shell = Shell(self.page, tz=self.tz, timeout=self.timeout)
        alert = self.page.get_by_role("alert").filter(has_text=_NOT_EMPTY)
        try:
            expect(shell.nav.or_(alert).or_(self._error_page).first).to_be_visible(timeout=self.timeout)
        except AssertionError:
            super()._raise_if_interrupted()
            raise ScreenNotReached(self.name, "navigation 'Main' or an alert", self.page.url) from None
        failure = self._failure()
        if failure is not None and not shell.nav.count():
            raise failure
        if not shell.nav.count():
            super()._raise_if_interrupted()  # an error page (5xx, 429) answered the code
        return shell.wait_until_ready()
