"""Seller accounts (collector/accounts.py, ``collector --account NAME``), without a browser.

Each account gets its own session file and output folder; secrets come from environment
variables or a private secrets file, never from the accounts file; a bad file or an unknown
account is one line and exit 2; without an account nothing changes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from collector.accounts import load_accounts
from collector.cli import app
from collector.errors import ConfigError
from collector.settings import load_settings
from evidence.bundle import write_bundle
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock

runner = CliRunner()

ACCOUNTS = """
[[account]]
name = "acme"
base_url = "https://seller.walmart.com"
email_env = "ACME_EMAIL"
password_env = "ACME_PASSWORD"
totp_secret_env = "ACME_TOTP"
seller_addresses = ["returns@acme.example"]
seller_timezone = "America/New_York"
requests_per_minute = 12
out = "disputes/acme"

[[account]]
name = "bolt"
base_url = "https://seller.walmart.com"
secrets_file = "secrets/bolt.toml"
mail_folders = ["mail/bolt"]
"""


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("COLLECTOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("COLLECTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ACME_EMAIL", "ops@acme.example")
    monkeypatch.setenv("ACME_PASSWORD", "acme-pass-1")
    monkeypatch.setenv("ACME_TOTP", "JBSWY3DPEHPK3PXP")
    yield


@pytest.fixture
def accounts_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "accounts.toml"  # the default place: <data_dir>/accounts.toml
    path.parent.mkdir(parents=True)
    path.write_text(ACCOUNTS)
    secrets = path.parent / "secrets" / "bolt.toml"
    secrets.parent.mkdir()
    fd = os.open(secrets, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write('email = "ops@bolt.example"\npassword = "bolt-pass-2"\ntotp_secret = "KRSXG5CTMVRXEZLU"\n')
    return path


def test_without_an_account_the_settings_are_as_before(tmp_path: Path, accounts_file: Path) -> None:
    settings = load_settings(base_url="http://127.0.0.1:8123")
    assert settings.account is None
    assert settings.session_path == tmp_path / "data" / "sessions" / "storage-state-127.0.0.1-8123.json"
    assert settings.email is None and settings.seller_addresses == []


def test_an_account_brings_its_settings_and_secrets(accounts_file: Path) -> None:
    acme = load_settings(account="acme")
    assert acme.account == "acme"
    assert acme.email is not None and acme.email.get_secret_value() == "ops@acme.example"
    assert acme.password is not None and acme.password.get_secret_value() == "acme-pass-1"
    assert acme.seller_timezone == "America/New_York" and acme.requests_per_minute == 12
    assert acme.seller_addresses == ["returns@acme.example"]
    assert "acme-pass-1" not in json.dumps(acme.redacted())
    bolt = load_settings(account="bolt")
    assert bolt.password is not None and bolt.password.get_secret_value() == "bolt-pass-2"
    assert bolt.totp_secret is not None and bolt.totp_secret.get_secret_value() == "KRSXG5CTMVRXEZLU"
    assert bolt.mail_folders == [accounts_file.parent / "mail" / "bolt"]  # relative to the accounts file
    # the options given on the command line still win over the account's entries; those not given do not
    assert load_settings(account="acme", max_requests_per_minute=3).requests_per_minute == 3
    assert load_settings(account="acme", max_requests_per_minute=None, concurrency=None).requests_per_minute == 12


def test_two_accounts_on_one_site_keep_separate_sessions(accounts_file: Path) -> None:
    acme, bolt = load_settings(account="acme"), load_settings(account="bolt")
    assert acme.base_url == bolt.base_url
    assert acme.session_path != bolt.session_path
    assert acme.session_path.parent == bolt.session_path.parent
    assert "acme" in acme.session_path.name and "bolt" in bolt.session_path.name
    assert load_settings().session_path not in (acme.session_path, bolt.session_path)


def test_collector_account_env_selects_like_the_option(monkeypatch: pytest.MonkeyPatch, accounts_file: Path) -> None:
    monkeypatch.setenv("COLLECTOR_ACCOUNT", "bolt")
    assert load_settings().account == "bolt"


def test_accounts_file_setting_names_another_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, accounts_file: Path) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text('[[account]]\nname = "zed"\nbase_url = "http://127.0.0.1:9"\n')
    monkeypatch.setenv("COLLECTOR_ACCOUNTS_FILE", str(other))
    assert load_settings(account="zed").base_url == "http://127.0.0.1:9"
    with pytest.raises(ConfigError, match=r"unknown account 'acme' in .*elsewhere.toml \(known: zed\)"):
        load_settings(account="acme")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[account]]\nname = "acme"\npassword = "hunter2"\n', "account acme holds a password value"),
        ('[[account]]\nname = "acme"\ntotp_secret = "JBSWY3DPEHPK3PXP"\n', "account acme holds a totp_secret value"),
        ('[[account]]\nname = "Acme Inc"\n', "account name 'Acme Inc' must be lower-case"),
        ('[[account]]\nname = "a"\n[[account]]\nname = "a"\n', "account a is listed twice"),
        ('[[account]]\nname = "a"\nrequests_per_minute = -1\n', "requests_per_minute"),
        ('[[account]]\nname = "a"\ncolour = "red"\n', "colour"),
        ("[[account]\n", "not valid TOML"),
        ("", "no [[account]] tables"),
    ],
)
def test_a_bad_accounts_file_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_accounts(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert "hunter2" not in str(caught.value) and "JBSWY3DPEHPK3PXP" not in str(caught.value)


def test_a_secrets_file_others_can_read_is_refused(accounts_file: Path) -> None:
    (accounts_file.parent / "secrets" / "bolt.toml").chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others .*chmod 600"):
        load_settings(account="bolt")


def test_a_missing_credentials_variable_is_left_unset(monkeypatch: pytest.MonkeyPatch, accounts_file: Path) -> None:
    monkeypatch.delenv("ACME_PASSWORD")
    acme = load_settings(account="acme")  # `status` or `verify` need no credentials; signing in says what is missing
    assert acme.password is None and not acme.has_credentials


# --------------------------------------------------------------------------- on the command line


def test_cli_unknown_account_is_one_line_exit_2(accounts_file: Path) -> None:
    result = runner.invoke(app, ["--account", "nope", "status"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: unknown account 'nope' in {accounts_file} (known: acme, bolt)"
    ]


def test_cli_accounts_file_with_a_password_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "accounts.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[[account]]\nname = "acme"\npassword = "hunter2"\n')
    result = runner.invoke(app, ["--account", "acme", "status"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "holds a password value" in result.stderr
    assert "hunter2" not in result.output and "Traceback" not in result.output


def test_cli_account_output_folder_is_the_default_out(tmp_path: Path, accounts_file: Path) -> None:
    acme_out = accounts_file.parent / "disputes" / "acme"  # relative to the accounts file
    write_bundle(acme_out / "bundles", example_case(), example_artifacts(), example_context(), clock=fixed_clock)
    result = runner.invoke(app, ["--account", "acme", "status", "--json", "--now", "2026-11-20T21:15Z"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)  # the account's refunds
    # the other account's folder (default: out/<name> in the working folder) holds none of them
    other = runner.invoke(app, ["--account", "bolt", "status"])
    assert other.exit_code != 0 and str(tmp_path / "out" / "bolt") in other.stderr
    # and without an account, `out` in the working folder as always
    plain = runner.invoke(app, ["status"])
    assert plain.exit_code != 0 and str(tmp_path / "out") in plain.stderr and "bolt" not in plain.stderr


def test_cli_account_is_not_kept_for_the_next_command(accounts_file: Path) -> None:
    runner.invoke(app, ["--account", "acme", "status"])  # whatever it finds: the choice ends with the command
    assert load_settings().account is None
    assert load_settings().session_path.name == "storage-state-seller.walmart.com.json"


def test_all_accounts_refuses_an_out_folder_or_an_account(accounts_file: Path) -> None:
    with_out = runner.invoke(app, ["collect", "--all-accounts", "--po", "4342076435326", "--out", "x"])
    assert with_out.exit_code == 2 and "drop --out" in with_out.stderr
    with_account = runner.invoke(app, ["--account", "acme", "track", "--all-accounts"])
    assert with_account.exit_code == 2 and "not both" in with_account.stderr


def test_all_accounts_runs_each_account_in_turn_with_the_worst_exit_code(accounts_file: Path) -> None:
    # nothing to collect: each account says so under its heading (exit 2 each), in the file's order
    result = runner.invoke(app, ["collect", "--all-accounts"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["== account acme", "error", "== account bolt", "error"]
    assert str(accounts_file.parent / "disputes" / "acme") in lines[0]
