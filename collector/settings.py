"""The collector's settings: one model, validated once at start and passed down.

Values come from, highest priority first: keyword arguments (what the CLI options set), the
environment (``COLLECTOR_`` prefix, e.g. ``COLLECTOR_BASE_URL``, ``COLLECTOR_PASSWORD``), a
``.env`` file in the working directory, and a TOML config file (``COLLECTOR_CONFIG`` or
``--config``; top-level keys are the field names below). Credentials are ``SecretStr`` so that
neither ``repr`` nor the log ever shows them.

``launch_options_for`` and ``context_options_for`` are the one place that turns settings into
Playwright keyword arguments; the workers, ``collector login``, the demo, the benchmark and the
tests all use them.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from collector.browser import find_browser, launch_options
from collector.errors import ConfigError, clip

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import Browser, BrowserType, Playwright

APP_NAME = "cc-refund-collector"
REAL_SELLER_CENTER = "https://seller.walmart.com"
CONFIG_ENV = "COLLECTOR_CONFIG"
# Requests per minute when nothing is set: gentle on the real site, quick on a local mock.
REMOTE_DEFAULT_RPM = 30.0
LOCAL_DEFAULT_RPM = 6000.0

# The --config file of the current load_settings call (the environment variable is the fallback).
_CONFIG_FILE: ContextVar[str | None] = ContextVar("collector_config_file", default=None)
# The seller account chosen by `collector --account NAME` (COLLECTOR_ACCOUNT is the fallback).
ACCOUNT_ENV = "COLLECTOR_ACCOUNT"
_ACCOUNT: ContextVar[str | None] = ContextVar("collector_account", default=None)

LayoutChoice = Literal["auto", "payments-2022", "transactions-2024", "returns"]
TraceMode = Literal["off", "on", "retain-on-failure"]


def default_data_dir() -> Path:
    """The per-user data folder, as platformdirs would pick it (without the dependency)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME


def _default_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "operator"


class CollectorSettings(BaseSettings):
    """Everything a collector job needs to know before it starts."""

    model_config = SettingsConfigDict(
        env_prefix="COLLECTOR_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
        allow_inf_nan=False,  # "inf" or "nan" is never a timeout or a rate: refused at start
    )

    base_url: str = REAL_SELLER_CENTER
    data_dir: Path = Field(default_factory=default_data_dir)
    account: str | None = Field(default=None, description="the seller account in use (collector --account; collector/accounts.py)")
    accounts_file: Path | None = Field(default=None, description="TOML list of seller accounts (default: <data_dir>/accounts.toml)")
    database_url: SecretStr | None = Field(
        default=None, description="postgresql://... : the case store on PostgreSQL (shared by machines) instead of SQLite"
    )
    distributed: bool = Field(
        default=False, description="collect enqueues one task per order for `collector worker` processes (needs database_url)"
    )
    worker_stalled_after_s: float = Field(
        default=30.0, ge=2, le=3_600, description="a worker silent this long is gone: its order goes back to the queue"
    )
    email: SecretStr | None = None
    password: SecretStr | None = None
    totp_secret: SecretStr | None = None
    browser_path: str | None = None
    browser_endpoint: str | None = Field(
        default=None, description="ws:// endpoint of a Playwright browser server the workers connect to"
    )
    shared_browser: bool = Field(default=True, description="one browser for every worker (off: one each)")
    browser_client: Literal["thin", "driver"] = Field(
        default="thin",
        description="how a worker talks to a browser server: thin = straight over its WebSocket (no driver "
        "process per worker, collector/thin_client.py); driver = a Playwright driver each (always with traces on)",
    )
    headless: bool = True
    concurrency: int = Field(default=2, ge=1, le=16)
    layout: LayoutChoice = "auto"
    trace: TraceMode = "off"
    archive: bool = Field(default=True, description="a scrubbed web archive (WACZ) of the screens in every bundle (collector/archive.py)")
    max_requests_per_minute: float | None = Field(
        default=None, gt=0, le=1_000_000, description="page and API requests per minute the browsers may send, all workers together"
    )
    # Upper bounds: Playwright's timers are JavaScript's (at most ~24 days; beyond, they fire at once).
    navigation_timeout_s: float = Field(default=30.0, gt=0, le=86_400)
    action_timeout_s: float = Field(default=10.0, gt=0, le=86_400)
    login_timeout_s: float = Field(default=600.0, gt=0, le=86_400, description="how long `collector login` waits for the operator")
    retry_attempts: int = Field(default=5, ge=1, le=20)
    retry_initial_wait_s: float = Field(default=0.5, ge=0, le=3_600)
    retry_max_wait_s: float = Field(default=30.0, ge=0, le=3_600)
    order_requeues: int = Field(
        default=6, ge=0, le=50, description="times an order that failed transiently goes back to the queue in one run"
    )
    # e-mail sources merged with the Seller Center Inbox
    mail_folders: list[Path] = Field(default_factory=list, description=".eml folders, mbox files or Maildirs")
    imap_host: str | None = None
    imap_port: int | None = Field(default=None, ge=1, le=65_535)
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_security: Literal["ssl", "starttls"] = "ssl"
    imap_folders: list[str] = Field(default_factory=lambda: ["INBOX"])
    seller_addresses: list[str] = Field(default_factory=list)
    seller_timezone: str = Field(default="America/Chicago", description="IANA zone the seller's screens show")
    policy_id: str | None = None
    operator: str = Field(default_factory=_default_operator)
    signing_key: Path | None = Field(
        default=None, description="Ed25519 private key (collector keys new): collect, demo and review sign bundles with it"
    )
    # alerts (collector/alerts): e-mail through SMTP and/or a JSON webhook; nothing set, no alerts
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65_535)
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="starttls (port 587), ssl (port 465), none (a local relay only)"
    )
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    alert_email_from: str | None = None
    alert_email_to: list[str] = Field(default_factory=list)
    alert_webhook_url: SecretStr | None = Field(default=None, description="JSON POST; Slack-compatible 'text' field")
    alert_hours: list[float] = Field(
        default_factory=lambda: [12.0, 4.0], description="warn when a deadline is this many hours away (each once)"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        config = _CONFIG_FILE.get() or os.environ.get(CONFIG_ENV)
        if config:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config)))
        return tuple(sources)

    @field_validator("browser_endpoint")
    @classmethod
    def _check_endpoint(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise ValueError(f"not a ws:// or wss:// endpoint: {value[:60]!r}")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("postgresql", "postgres") or not (parts.hostname or parts.query):
            raise ValueError(f"not a postgresql:// URL (scheme {parts.scheme or 'none'!r})")  # the URL may hold a password
        return value

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value.rstrip("/")

    @field_validator("data_dir")
    @classmethod
    def _check_data_dir(cls, value: Path) -> Path:
        # The folder is created when a session is saved; a file in the way would only fail then.
        for folder in (value, *value.parents):
            if folder.exists():
                if not folder.is_dir():
                    below = "" if folder == value else f" (so {value} cannot be created)"
                    raise ValueError(f"{folder} is a file, not a folder{below}")
                break
        return value

    @field_validator("seller_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a tzdata folder name such as "America"
            raise ValueError(f"unknown time zone {clip(value)} (expected an IANA name such as America/Chicago)") from None
        return value

    @field_validator("policy_id")
    @classmethod
    def _check_policy_id(cls, value: str | None) -> str | None:
        if not value:
            return None  # empty: the version in effect on each refund's issue date
        from evidence.policy import default_registry  # loads the packaged policy files: only when set

        known = default_registry().ids
        if value not in known:
            raise ValueError(f"unknown policy id {clip(value)} (known: {', '.join(known)})")
        return value

    # ------------------------------------------------------------------ derived values

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"

    @property
    def is_local(self) -> bool:
        return self.host in ("localhost", "127.0.0.1", "::1") or self.host.endswith(".localhost")

    @property
    def requests_per_minute(self) -> float:
        if self.max_requests_per_minute is not None:
            return self.max_requests_per_minute
        return LOCAL_DEFAULT_RPM if self.is_local else REMOTE_DEFAULT_RPM

    @property
    def session_path(self) -> Path:
        """Where the saved browser session (Playwright storage state) lives: one per site, and per
        seller account when one is selected (two accounts on one site never share a session)."""
        port = urlsplit(self.base_url).port
        name = self.host + (f"-{port}" if port else "")
        if self.account:
            name = f"{self.account}@{name}"
        return self.data_dir / "sessions" / f"storage-state-{name}.json"

    @property
    def has_credentials(self) -> bool:
        return bool(self.email and self.password and self.totp_secret)

    def redacted(self) -> dict[str, Any]:
        """The settings as loggable data: every secret replaced by a marker."""
        data = self.model_dump(mode="json")
        for key in ("email", "password", "totp_secret", "imap_password", "smtp_password", "alert_webhook_url", "database_url"):
            if data.get(key) is not None:
                data[key] = "**********"
        return data


def select_account(name: str | None) -> None:
    """``collector --account NAME``: every later ``load_settings`` in this context uses that account."""
    _ACCOUNT.set(name or None)


def selected_account() -> str | None:
    """The account chosen by ``--account`` or, failing that, ``COLLECTOR_ACCOUNT`` (None: no account)."""
    return _ACCOUNT.get() or os.environ.get(ACCOUNT_ENV) or None


def load_settings(config_file: Path | None = None, **overrides: Any) -> CollectorSettings:
    """Build and validate the settings once; a bad value is one readable ``ConfigError``.

    With a seller account selected (``select_account``, ``COLLECTOR_ACCOUNT`` or an ``account``
    keyword), its entries in the accounts file come in under the keyword arguments (see
    ``collector.accounts``)."""
    account = overrides.pop("account", None) or selected_account()
    overrides = {k: v for k, v in overrides.items() if v is not None}  # an option not given leaves the account's value
    settings = _load(config_file, overrides)
    account = account or settings.account  # `account = "..."` in the config file selects one too
    if not account:
        return settings
    from collector.accounts import account_overrides, accounts_file_for, find_account, load_accounts

    path = accounts_file_for(settings.accounts_file, settings.data_dir)
    chosen = find_account(load_accounts(path), account, path)
    return _load(config_file, {**account_overrides(chosen), **overrides})


def _load(config_file: Path | None, overrides: dict[str, Any]) -> CollectorSettings:
    overrides = {k: v for k, v in overrides.items() if v is not None}
    via = ""
    if config_file is None and os.environ.get(CONFIG_ENV):  # the variable is checked like --config
        config_file, via = Path(os.environ[CONFIG_ENV]), f" ({CONFIG_ENV})"
    if config_file is not None and not config_file.is_file():
        what = "is not a regular file" if config_file.exists() else "not found"
        raise ConfigError(f"config file {what}: {config_file}{via}")
    dotenv = Path(".env")
    if dotenv.exists() and not dotenv.is_file():  # a named pipe would be waited on forever
        raise ConfigError(f".env in {Path.cwd()} is not a regular file: remove it or run from another folder")
    token = _CONFIG_FILE.set(str(config_file) if config_file is not None else None)
    try:
        return CollectorSettings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "settings"
        message = err["msg"].removeprefix("Value error, ")
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ConfigError(f"invalid setting {where}: {message}{more}") from None
    except Exception as exc:  # noqa: BLE001 - a broken TOML/.env file surfaces as various errors
        raise ConfigError(f"cannot read the settings: {exc}") from None
    finally:
        _CONFIG_FILE.reset(token)


def launch_options_for(settings: CollectorSettings, chromium: BrowserType | None = None) -> dict[str, Any]:
    """Keyword arguments for ``BrowserType.launch``."""
    choice = find_browser(chromium, explicit=settings.browser_path)
    return launch_options(choice, headless=settings.headless, home=settings.data_dir / "browser")


@contextmanager
def connected_browser(settings: CollectorSettings, endpoint: str | None = None, *, traces: bool = False) -> Iterator[Browser]:
    """A browser for this thread, disconnected (or closed) on leaving: on the browser server at
    ``endpoint`` through a thin client (no driver process of its own) unless the ``browser_client``
    setting says "driver" or ``traces`` are to be saved (a thin client cannot zip a trace); else
    through this thread's own ``sync_playwright()`` as ``open_browser``."""
    if endpoint and settings.browser_client == "thin" and not traces:
        from collector import thin_client

        if thin_client.AVAILABLE:
            client = thin_client.ThinConnection(endpoint, settings.navigation_timeout_s)
            try:
                browser = client.open()
            except thin_client.ThinClientUnsupported as exc:
                structlog.get_logger().warning("browser.thin_client_unsupported", reason=str(exc),
                                               using="a Playwright driver")
            else:
                try:
                    yield browser
                finally:
                    client.close()
                return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = open_browser(p, settings, endpoint)
        try:
            yield browser
        finally:
            browser.close()


def open_browser(p: Playwright, settings: CollectorSettings, endpoint: str | None = None) -> Browser:
    """A connection to the browser server at ``endpoint`` (the job's own or a remote one), else a
    Chromium of this thread's own. Closing a connected browser only disconnects from it."""
    if endpoint:
        return p.chromium.connect(endpoint, timeout=settings.navigation_timeout_s * 1000)
    return p.chromium.launch(**launch_options_for(settings, p.chromium))


def context_options_for(settings: CollectorSettings, *, storage_state: Path | None = None) -> dict[str, Any]:
    """Keyword arguments for ``Browser.new_context`` (a fresh context per order)."""
    options: dict[str, Any] = {
        "base_url": settings.base_url,
        "viewport": {"width": 1280, "height": 900},
        "locale": "en-US",
        "timezone_id": settings.seller_timezone,
        "accept_downloads": True,
    }
    if storage_state is not None:
        options["storage_state"] = str(storage_state)
    return options
