"""Seller accounts: one collector serving several Walmart seller accounts (an agency, a group).

The accounts file is TOML (setting ``accounts_file``, env ``COLLECTOR_ACCOUNTS_FILE``, else
``<data_dir>/accounts.toml``), one ``[[account]]`` table per seller account::

    [[account]]
    name = "acme"
    base_url = "https://seller.walmart.com"
    email_env = "ACME_EMAIL"            # credentials come from environment variables ...
    password_env = "ACME_PASSWORD"
    totp_secret_env = "ACME_TOTP"
    # secrets_file = "secrets/acme.toml"  # ... or a secrets file (mode 0600): email, password, totp_secret
    seller_addresses = ["returns@acme.example"]
    seller_timezone = "America/New_York"
    requests_per_minute = 20
    out = "/srv/disputes/acme"          # bundles/, jobs/, .collector/ (the case store)
    mail_folders = ["/srv/mail/acme"]

The file names where secrets come from, never the secrets: an account holding a ``password`` (or
``email``, ``totp_secret``, ``imap_password``) value is refused. Selecting an account
(``collector --account NAME ...`` or ``COLLECTOR_ACCOUNT``) turns its entries into settings
(``account_overrides``); the session file is then kept per account (``settings.session_path``).
Without an account selected nothing here is read and the collector works as with one account.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from collector.errors import ConfigError, clip

ACCOUNTS_FILE_NAME = "accounts.toml"
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
# Keys that would hold a secret value in the accounts file itself: refused with what to write instead.
SECRET_KEYS = {
    "email": "email_env",
    "password": "password_env",
    "totp_secret": "totp_secret_env",
    "imap_password": "imap_password_env",
    "secret": "secrets_file",
    "totp": "totp_secret_env",
}
SECRETS_FILE_KEYS = ("email", "password", "totp_secret", "imap_password")


class Account(BaseModel):
    """One seller account as the accounts file describes it (paths resolved against the file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    base_url: str | None = None
    email_env: str | None = None
    password_env: str | None = None
    totp_secret_env: str | None = None
    imap_password_env: str | None = None
    secrets_file: Path | None = None
    mail_folders: list[Path] = Field(default_factory=list)
    imap_host: str | None = None
    imap_port: int | None = Field(default=None, ge=1, le=65_535)
    imap_user: str | None = None
    imap_security: Literal["ssl", "starttls"] | None = None
    imap_folders: list[str] | None = None
    seller_addresses: list[str] = Field(default_factory=list)
    seller_timezone: str | None = None
    requests_per_minute: float | None = Field(default=None, gt=0, le=1_000_000)
    out: Path | None = None

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError(f"account name {clip(value)} must be lower-case letters, digits, - or _ (a file name)")
        return value

    @field_validator("email_env", "password_env", "totp_secret_env", "imap_password_env")
    @classmethod
    def _check_env_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(f"{clip(value)} is not an environment variable name")
        return value

    @property
    def out_dir(self) -> Path:
        """Where the account's bundles, jobs and case store go (``out/<name>`` when not set)."""
        return self.out if self.out is not None else Path("out") / self.name


class AccountsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: list[Account] = Field(default_factory=list)


def accounts_file_for(accounts_file: Path | None, data_dir: Path) -> Path:
    """The accounts file in effect: the setting (or ``COLLECTOR_ACCOUNTS_FILE``), else the data folder's."""
    return accounts_file if accounts_file is not None else data_dir / ACCOUNTS_FILE_NAME


def _refuse_secret_values(tables: list[Any], path: Path) -> None:
    for index, table in enumerate(tables):
        if not isinstance(table, dict):
            continue
        for key, instead in SECRET_KEYS.items():
            if key in table:
                who = table.get("name") if isinstance(table.get("name"), str) else f"#{index + 1}"
                raise ConfigError(
                    f"{path}: account {who} holds a {key} value: the accounts file only names where secrets come "
                    f"from ({instead}, or secrets_file); remove it from the file"
                )


def _resolve(base: Path, path: Path | None) -> Path | None:
    if path is None:
        return None
    path = path.expanduser()
    return path if path.is_absolute() else base / path


def load_accounts(path: Path) -> list[Account]:
    """The accounts in ``path``, validated; a bad file is one ``ConfigError`` line."""
    if not path.is_file():
        what = "is not a regular file" if path.exists() else "not found"
        raise ConfigError(f"accounts file {what}: {path}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the accounts file {path}: {exc.strerror}") from None
    tables = raw.get("account")
    _refuse_secret_values(tables if isinstance(tables, list) else [], path)
    try:
        parsed = AccountsFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{path}: {where}: {message}") from None
    base = path.resolve().parent
    accounts: list[Account] = []
    seen: set[str] = set()
    for account in parsed.account:
        if account.name in seen:
            raise ConfigError(f"{path}: account {account.name} is listed twice")
        seen.add(account.name)
        accounts.append(account.model_copy(update={
            "secrets_file": _resolve(base, account.secrets_file),
            "out": _resolve(base, account.out),
            "mail_folders": [_resolve(base, p) for p in account.mail_folders],
        }))
    if not accounts:
        raise ConfigError(f"{path}: no [[account]] tables")
    return accounts


def find_account(accounts: list[Account], name: str, path: Path) -> Account:
    for account in accounts:
        if account.name == name:
            return account
    known = ", ".join(a.name for a in accounts)
    raise ConfigError(f"unknown account {clip(name)} in {path} (known: {known})")


def _read_secrets_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise ConfigError(f"secrets file not found: {path}")
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"secrets file {path} is readable by others (mode {stat.S_IMODE(mode):o}): chmod 600 it")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise ConfigError(f"secrets file {path} is not valid TOML") from None  # no excerpt: it holds secrets
    unknown = sorted(set(data) - set(SECRETS_FILE_KEYS))
    if unknown:
        raise ConfigError(f"secrets file {path}: unknown key {unknown[0]!r} (known: {', '.join(SECRETS_FILE_KEYS)})")
    for key, value in data.items():
        if not isinstance(value, str):
            raise ConfigError(f"secrets file {path}: {key} must be a string")
    return data


def _secret_from_env(variable: str | None) -> str | None:
    if variable is None:
        return None
    # Unset: left out (status or verify need no credentials; signing in says none are configured).
    return os.environ.get(variable) or None


def account_overrides(account: Account) -> dict[str, Any]:
    """The account's entries as settings keyword arguments (secrets read from where they are named)."""
    values: dict[str, Any] = {"account": account.name}
    secrets = _read_secrets_file(account.secrets_file) if account.secrets_file is not None else {}
    for key, variable in (("email", account.email_env), ("password", account.password_env),
                          ("totp_secret", account.totp_secret_env), ("imap_password", account.imap_password_env)):
        value = _secret_from_env(variable) or secrets.get(key)
        if value is not None:
            values[key] = value
    plain = {
        "base_url": account.base_url, "imap_host": account.imap_host, "imap_port": account.imap_port,
        "imap_user": account.imap_user, "imap_security": account.imap_security, "imap_folders": account.imap_folders,
        "seller_timezone": account.seller_timezone, "max_requests_per_minute": account.requests_per_minute,
    }
    values.update({k: v for k, v in plain.items() if v is not None})
    if account.mail_folders:
        values["mail_folders"] = account.mail_folders
    if account.seller_addresses:
        values["seller_addresses"] = account.seller_addresses
    return values


def account_in_use() -> Account:
    """The selected account's entry (the settings validated with it): for the CLI's defaults."""
    from collector.settings import load_settings

    settings = load_settings()
    if settings.account is None:
        raise ConfigError("no seller account selected (collector --account NAME, or COLLECTOR_ACCOUNT)")
    path = accounts_file_for(settings.accounts_file, settings.data_dir)
    return find_account(load_accounts(path), settings.account, path)
