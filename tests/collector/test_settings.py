"""Settings: defaults, environment, config file, secrets (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.errors import ConfigError
from collector.settings import REAL_SELLER_CENTER, context_options_for, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("COLLECTOR_CONFIG", "COLLECTOR_BASE_URL", "COLLECTOR_PASSWORD", "COLLECTOR_CONCURRENCY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_point_at_the_real_seller_center_with_a_gentle_rate() -> None:
    s = load_settings()
    assert s.base_url == REAL_SELLER_CENTER
    assert s.requests_per_minute == 30
    assert not s.has_credentials


def test_a_local_mock_gets_a_high_default_rate() -> None:
    assert load_settings(base_url="http://127.0.0.1:8123").requests_per_minute > 1000


def test_environment_and_toml_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "collector.toml"
    cfg.write_text('concurrency = 3\noperator = "dana"\nseller_addresses = ["support@x.example"]\n')
    monkeypatch.setenv("COLLECTOR_PASSWORD", "hunter2")
    s = load_settings(config_file=cfg, layout="returns")
    assert (s.concurrency, s.operator, s.layout) == (3, "dana", "returns")
    assert s.seller_addresses == ["support@x.example"]
    assert s.password is not None and s.password.get_secret_value() == "hunter2"


def test_secrets_never_show_in_repr_or_redacted_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_settings(email="ops@x.example", password="hunter2", totp_secret="JBSWY3DPEHPK3PXP")
    assert "hunter2" not in repr(s)
    dumped = str(s.redacted())
    assert "hunter2" not in dumped and "JBSWY3DPEHPK3PXP" not in dumped
    assert s.has_credentials


def test_bad_values_are_one_readable_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid setting concurrency"):
        load_settings(concurrency=0)
    with pytest.raises(ConfigError, match="invalid setting base_url"):
        load_settings(base_url="seller.walmart.com")
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(config_file=Path("/nonexistent/collector.toml"))


def test_session_path_is_per_site_inside_the_data_dir(tmp_path: Path) -> None:
    s = load_settings(base_url="http://127.0.0.1:8123/", data_dir=tmp_path)
    assert s.session_path == tmp_path / "sessions" / "storage-state-127.0.0.1-8123.json"
    opts = context_options_for(s, storage_state=s.session_path)
    assert opts["base_url"] == "http://127.0.0.1:8123"
    assert opts["storage_state"] == str(s.session_path)


def test_a_named_pipe_as_env_file_or_config_is_refused_not_waited_on(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / ".env")  # the working folder (the autouse fixture chdirs there)
    with pytest.raises(ConfigError, match=r"\.env in .* is not a regular file"):
        load_settings()
    (tmp_path / ".env").unlink()
    os.mkfifo(tmp_path / "c.toml")
    with pytest.raises(ConfigError, match="config file is not a regular file"):
        load_settings(tmp_path / "c.toml")
    with pytest.raises(ConfigError, match="config file is not a regular file"):
        load_settings(tmp_path)  # a folder
