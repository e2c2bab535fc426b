"""Sign-in with a password and a 6-digit code; refusals and lockout; the return after expiry."""

from __future__ import annotations

from typing import Any

import pytest

from fixtures.site import Faults, MockSite
from pages import AccountLocked, LoginFailed, LoginPage, PaymentsPage, ServerError


def test_sign_in_with_password_and_code_reaches_the_signed_in_shell(
    page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    seller = site.scenario.seller
    shell = LoginPage.open(page, **kw).sign_in(seller.login_email, seller.password).verify(site.current_totp())
    assert shell.seller_name() == seller.name
    assert shell.go_payments().open_search().query.is_visible()


def test_a_wrong_password_raises_login_failed_with_the_site_message(
    page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    with pytest.raises(LoginFailed, match="Incorrect email or password") as caught:
        LoginPage.open(page, **kw).sign_in(site.scenario.seller.login_email, "not-the-password")
    assert not isinstance(caught.value, AccountLocked)


def test_a_wrong_code_raises_login_failed(page: Any, site: MockSite, kw: dict[str, Any]) -> None:
    seller = site.scenario.seller
    verify = LoginPage.open(page, **kw).sign_in(seller.login_email, seller.password)
    wrong = f"{(int(site.current_totp()) + 500_000) % 1_000_000:06d}"
    with pytest.raises(LoginFailed, match="code is not valid"):
        verify.verify(wrong)


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    seller = site.scenario.seller
    login = LoginPage.open(page, **kw)
    for _ in range(site.scenario.site.lockout_after_failures - 1):
        with pytest.raises(LoginFailed):
            login.sign_in(seller.login_email, "wrong")
    with pytest.raises(AccountLocked, match="locked"):
        login.sign_in(seller.login_email, "wrong")
    with pytest.raises(AccountLocked):
        login.sign_in(seller.login_email, seller.password)


def test_after_an_expired_session_sign_in_returns_to_the_screen_asked_for(
    page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    seller = site.scenario.seller
    page.goto("/payments")
    login = LoginPage(page, **kw).wait_until_ready()
    assert login.session_expired_notice()
    login.sign_in(seller.login_email, seller.password).verify(site.current_totp())
    PaymentsPage(page, **kw).wait_until_ready()
    assert page.url.endswith("/payments")


def test_a_sign_in_form_answered_5xx_is_a_server_error_not_an_expired_session(
    page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    login = LoginPage.open(page, **kw)
    site.set_faults(Faults(error_rate=1.0, seed=1))
    with pytest.raises(ServerError) as caught:
        login.sign_in(site.scenario.seller.login_email, site.scenario.seller.password)
    assert caught.value.transient
