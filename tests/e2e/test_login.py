"""End to end: `collector login` with credentials, and `collector login --check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.site import MockSite
from tests.e2e.conftest import collector_env, run_collector

pytestmark = pytest.mark.slow


def test_login_saves_a_private_session_that_check_accepts(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    env = collector_env(site, data_dir)
    result = run_collector(["login"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    session = data_dir / "sessions" / f"storage-state-127.0.0.1-{site.port}.json"
    assert session.stat().st_mode & 0o777 == 0o600
    assert site.scenario.seller.password not in result.stdout + result.stderr

    check = run_collector(["login", "--check"], env, tmp_path)
    assert check.returncode == 0 and "works" in check.stdout

    site.reset()  # the mock forgets every session: the saved one no longer signs in
    stale = run_collector(["login", "--check"], env, tmp_path)
    assert stale.returncode == 1 and "run `collector login`" in stale.stdout


def test_login_with_a_wrong_password_is_one_line_and_exit_2(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    env = collector_env(site, data_dir) | {"COLLECTOR_PASSWORD": "not-the-password"}
    result = run_collector(["login"], env, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "sign-in refused by Seller Center: Incorrect email or password." in result.stderr


def test_login_without_credentials_or_display_says_what_to_do(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    env = {k: v for k, v in collector_env(site, data_dir).items()
           if k not in ("COLLECTOR_EMAIL", "COLLECTOR_PASSWORD", "COLLECTOR_TOTP_SECRET", "DISPLAY", "WAYLAND_DISPLAY")}
    result = run_collector(["login"], env, tmp_path, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot open a browser window" in result.stderr and "COLLECTOR_TOTP_SECRET" in result.stderr
