"""Renewing an expired session mid-job: retried like any other step, counted per real sign-in."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from collector import session as session_mod
from collector.errors import LoginError
from collector.retry import RetryPolicy
from collector.session import SessionKeeper
from collector.settings import load_settings
from pages.errors import ServerError


class _Page:
    context = object()


class _Instant(threading.Event):
    def wait(self, timeout: float | None = None) -> bool:
        return False


@pytest.fixture
def keeper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[SessionKeeper, list[bool]]:
    settings = load_settings(base_url="http://127.0.0.1:9", data_dir=tmp_path, email="a@b.c", password="pw", totp_secret="JBSWY3DPEHPK3PXP")
    calls: list[bool] = []
    outcomes: list[Any] = [ServerError("Seller Center answered HTTP 503 on Two-step verification.", status=503), None]

    def fake_sign_in(page: object, s: object, *, fresh: bool = False) -> None:
        calls.append(fresh)
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(session_mod, "sign_in_on", fake_sign_in)
    monkeypatch.setattr(session_mod, "save_storage_state", lambda context, path: None)
    return SessionKeeper(settings, RetryPolicy(attempts=3, stop_event=_Instant())), calls


def test_a_5xx_on_the_code_form_is_retried_from_a_fresh_sign_in_page(keeper: tuple[SessionKeeper, list[bool]]) -> None:
    k, calls = keeper
    retries: list[str] = []
    assert k.renew(_Page(), 0, on_retry=retries.append) is True  # type: ignore[arg-type]
    assert calls == [False, True]  # the retry opens the sign-in page anew
    assert retries == ["server_error"]
    assert (k.generation, k.renewals) == (1, 1)


def test_workers_reopening_after_someone_else_renewed_are_not_counted_as_sign_ins(keeper: tuple[SessionKeeper, list[bool]]) -> None:
    k, calls = keeper
    assert k.renew(_Page(), 0) is True  # type: ignore[arg-type]
    assert k.renew(_Page(), 0) is False  # type: ignore[arg-type]  # a second worker that saw generation 0
    assert k.renew(_Page(), 0) is False  # type: ignore[arg-type]
    assert k.renewals == 1


def test_a_refused_sign_in_is_not_retried_and_stops_every_later_renewal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(base_url="http://127.0.0.1:9", data_dir=tmp_path, email="a@b.c", password="pw", totp_secret="JBSWY3DPEHPK3PXP")
    calls: list[int] = []

    def refused(page: object, s: object, *, fresh: bool = False) -> None:
        calls.append(1)
        raise LoginError("sign-in refused by Seller Center: wrong password")

    monkeypatch.setattr(session_mod, "sign_in_on", refused)
    k = SessionKeeper(settings, RetryPolicy(attempts=5, stop_event=_Instant()))
    with pytest.raises(LoginError):
        k.renew(_Page(), 0)  # type: ignore[arg-type]
    with pytest.raises(LoginError):
        k.renew(_Page(), 0)  # type: ignore[arg-type]
    assert len(calls) == 1
