"""``collector browser-server`` without starting a browser: its options and the kept endpoint path."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from typer.testing import CliRunner

from collector.browser_server import _server_config
from collector.cli import app
from collector.commands.browser_server import kept_ws_path

runner = CliRunner()


def test_same_endpoint_needs_a_fixed_port() -> None:
    result = runner.invoke(app, ["browser-server", "--same-endpoint"])
    assert result.exit_code == 2 and "needs a fixed --port" in result.stderr


def test_the_kept_path_is_private_reused_and_remade_when_damaged(tmp_path: Path) -> None:
    first = kept_ws_path(tmp_path, "0.0.0.0", 3999)
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    kept = tmp_path / "browser-server" / "ws-path-0.0.0.0-3999"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert kept_ws_path(tmp_path, "0.0.0.0", 3999) == first  # a restart: the same endpoint
    assert kept_ws_path(tmp_path, "0.0.0.0", 4000) != first  # another port, another secret
    kept.write_text("not hex")
    remade = kept_ws_path(tmp_path, "0.0.0.0", 3999)
    assert remade != first and re.fullmatch(r"[0-9a-f]{32}", remade)


def test_server_config_listens_where_asked() -> None:
    launch = {"headless": True, "args": ["--no-sandbox"], "executable_path": "/usr/bin/chromium"}
    assert _server_config(launch)["host"] == "127.0.0.1" and "wsPath" not in _server_config(launch)
    config = _server_config(launch, "0.0.0.0", 3999, "ab" * 16)
    assert (config["host"], config["port"], config["wsPath"], config["executablePath"]) == (
        "0.0.0.0", 3999, "/" + "ab" * 16, "/usr/bin/chromium")
