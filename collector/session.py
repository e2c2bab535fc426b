"""The Seller Center session: sign in, save it, check it, renew it mid-run.

The saved session is Playwright's *storage state* (cookies + local storage) in the data folder
(``settings.session_path``). It is a credential: the file is created with mode 0600 by
``os.open`` (never chmod-ed afterwards), written to a temporary name and renamed into place, and
never logged.

- ``login_interactive``: a headed browser on Seller Center; the operator signs in (2FA included);
  once the shell (``navigation`` "Main") shows, the session is saved.
- ``login_with_credentials``: headless, with e-mail, password and the TOTP secret from the
  settings (the mock, CI).
- ``check_session``: is the saved session still signed in? (one API request)
- ``SessionKeeper``: shared by the workers; when one of them meets ``SessionExpired`` it signs in
  again on its own page (once for everybody: a generation counter tells the others it is done).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from collector.browser import in_own_thread
from collector.errors import LoginError, SessionMissing
from collector.settings import (
    CollectorSettings,
    connected_browser,
    context_options_for,
    launch_options_for,
)

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import BrowserContext, Page

    from collector.retry import RetryPolicy

log = structlog.get_logger()


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by the owner only (0600 from creation), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_storage_state(context: BrowserContext, path: Path) -> None:
    state: dict[str, Any] = context.storage_state()
    write_private(path, json.dumps(state).encode("utf-8"))
    log.info("session.saved", path=str(path), cookies=len(state.get("cookies", [])))


def totp_code(settings: CollectorSettings) -> str:
    import pyotp

    if settings.totp_secret is None:
        raise LoginError("no TOTP secret configured (COLLECTOR_TOTP_SECRET)")
    try:
        return pyotp.TOTP(settings.totp_secret.get_secret_value().replace(" ", "")).now()
    except Exception:  # noqa: BLE001 - pyotp raises binascii/ValueError variants on a bad secret
        raise LoginError("the configured TOTP secret is not valid base32") from None


def sign_in_on(page: Page, settings: CollectorSettings, *, fresh: bool = False) -> None:
    """Sign in on ``page`` with the configured credentials (it may already sit on the login page;
    ``fresh`` opens the sign-in page anew, as a retry after an error page must)."""
    from pages.errors import LoginFailed
    from pages.login import LoginPage

    if settings.email is None or settings.password is None:
        raise LoginError("no credentials configured (COLLECTOR_EMAIL, COLLECTOR_PASSWORD, COLLECTOR_TOTP_SECRET)")
    timeout = settings.navigation_timeout_s * 1000
    on_login = not fresh and page.url.split("?")[0].rstrip("/").endswith("/login")
    login = LoginPage(page, tz=settings.seller_timezone, timeout=timeout).wait_until_ready() if on_login else LoginPage.open(
        page, tz=settings.seller_timezone, timeout=timeout
    )
    try:
        two_factor = login.sign_in(settings.email.get_secret_value(), settings.password.get_secret_value())
        two_factor.verify(totp_code(settings))
    except LoginFailed as exc:
        raise LoginError(f"sign-in refused by Seller Center: {exc.reason}") from None


@in_own_thread
def login_with_credentials(settings: CollectorSettings, endpoint: str | None = None) -> Path:
    """Headless sign-in with the configured credentials (on the browser server at ``endpoint``, else
    the ``browser_endpoint`` one, else a Chromium of its own); saves and returns the session path."""
    with connected_browser(settings, endpoint or settings.browser_endpoint) as browser:
        context = browser.new_context(**context_options_for(settings))
        page = context.new_page()
        sign_in_on(page, settings)
        save_storage_state(context, settings.session_path)
    log.info("session.signed_in", mode="credentials")
    return settings.session_path


@in_own_thread
def login_interactive(settings: CollectorSettings) -> Path:
    """A headed browser for the operator to sign in; saves the session once the shell shows."""
    from playwright.sync_api import expect, sync_playwright

    from playwright.sync_api import Error as PlaywrightError

    headed = settings.model_copy(update={"headless": False})
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(**launch_options_for(headed, p.chromium))
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LoginError(
                f"cannot open a browser window ({first[:120]}); on a machine without a display set "
                "COLLECTOR_EMAIL, COLLECTOR_PASSWORD and COLLECTOR_TOTP_SECRET to sign in headless"
            ) from None
        try:
            context = browser.new_context(**context_options_for(headed))
            page = context.new_page()
            page.goto(settings.base_url)
            try:
                expect(page.get_by_role("navigation", name="Main")).to_be_visible(
                    timeout=settings.login_timeout_s * 1000
                )
            except AssertionError:
                raise LoginError(
                    f"not signed in after {settings.login_timeout_s:.0f} s: run `collector login` again"
                ) from None
            save_storage_state(context, settings.session_path)
        finally:
            browser.close()
    log.info("session.signed_in", mode="interactive")
    return settings.session_path


@in_own_thread
def check_session(settings: CollectorSettings, endpoint: str | None = None) -> bool:
    """True when the saved session is still signed in, False when the site says it is not: one
    API request (``pages.shell.signed_in``), not a screen. A 5xx / 429 / dropped answer raises the
    page objects' transient error instead of answering False (``ensure_session`` retries it). With
    ``endpoint`` (the job's browser server) the check uses that browser instead of launching one
    of its own."""
    from pages.shell import signed_in

    if not settings.session_path.is_file():
        return False
    with connected_browser(settings, endpoint) as browser:
        context = browser.new_context(**context_options_for(settings, storage_state=settings.session_path))
        return signed_in(context.request)


def ensure_session(settings: CollectorSettings, endpoint: str | None = None) -> Path:
    """A working saved session before a job starts: checked (on the browser at ``endpoint`` when
    given), renewed with credentials, or an error."""
    from collector.retry import RetryPolicy

    policy = RetryPolicy(settings.retry_attempts, settings.retry_initial_wait_s, settings.retry_max_wait_s)
    if settings.session_path.is_file() and policy.call(lambda: check_session(settings, endpoint), step="session.check"):
        return settings.session_path
    if settings.has_credentials:
        return policy.call(lambda: login_with_credentials(settings, endpoint), step="login")
    reason = "the saved Seller Center session has expired" if settings.session_path.is_file() else "no saved Seller Center session"
    raise SessionMissing(reason)


class SessionKeeper:
    """Renews the shared saved session once when several workers see it expire together.

    The sign-in runs under the job's retry policy: a 5xx, 429 or dropped connection on the
    sign-in or code form is retried (from a freshly opened sign-in page); a refused sign-in is
    not (it stops the job before the account locks). ``renewals`` counts real sign-ins only.
    """

    def __init__(self, settings: CollectorSettings, retry: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.retry = retry
        self.path = settings.session_path
        self.generation = 0
        self.renewals = 0
        self.failed: LoginError | None = None
        self._lock = threading.Lock()

    @property
    def can_renew(self) -> bool:
        return self.settings.has_credentials

    def renew(self, page: Page, seen_generation: int, on_retry: Callable[[str], None] | None = None) -> bool:
        """Sign in on ``page`` unless another worker already did since ``seen_generation``.

        True when this call signed in; False when another worker had already renewed the session
        (the caller just opens a new context from the saved file)."""
        with self._lock:
            if self.failed is not None:
                raise self.failed  # one refused sign-in is enough: never walk into a lockout
            if self.generation != seen_generation:
                return False
            attempts = 0

            def attempt() -> None:
                nonlocal attempts
                attempts += 1
                sign_in_on(page, self.settings, fresh=attempts > 1)

            try:
                if self.retry is not None:
                    self.retry.call(attempt, step="sign-in", on_retry=on_retry)
                else:
                    attempt()
            except LoginError as exc:
                self.failed = exc
                raise
            save_storage_state(page.context, self.path)
            self.generation += 1
            self.renewals += 1
            log.warning("session.renewed", generation=self.generation)
            return True
