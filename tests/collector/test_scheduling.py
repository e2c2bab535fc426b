"""docs/scheduling.md's systemd units and cron line: the units pass `systemd-analyze verify`
with no warning (an unknown key is only a warning there, so any output fails), and every
collector option they use exists."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "docs" / "systemd"
SERVICE, TIMER = UNITS / "cc-refund-collector.service", UNITS / "cc-refund-collector.timer"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign] - keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_the_units_parse_and_the_timer_starts_the_service() -> None:
    service, timer = _unit(SERVICE), _unit(TIMER)
    assert service["Service"]["Type"] == "oneshot" and service["Service"]["KillSignal"] == "SIGTERM"
    assert timer["Timer"]["OnUnitActiveSec"] == "30min" and timer["Install"]["WantedBy"] == "timers.target"
    assert SERVICE.stem == TIMER.stem  # a timer starts the service of its own name


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".config" / "cc-refund-collector").mkdir(parents=True)
    (home / ".config" / "cc-refund-collector" / "env").write_text("COLLECTOR_BASE_URL=http://127.0.0.1:9\n")
    collector = home / ".local" / "bin" / "collector"
    collector.write_text("#!/bin/sh\nexit 0\n")
    collector.chmod(0o755)
    for unit in (SERVICE, TIMER):  # %h is the user's home in a user unit
        (tmp_path / unit.name).write_text(unit.read_text().replace("%h", str(home)))
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", SERVICE.name, TIMER.name], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def _options(command: str) -> list[str]:
    return re.findall(r"(?<![\w-])--[a-z][a-z-]*", command)


def test_the_commands_in_the_units_and_the_cron_line_exist() -> None:
    exec_start = _unit(SERVICE)["Service"]["ExecStart"]
    cron = next(line for line in (REPO / "docs" / "scheduling.md").read_text().splitlines() if line.startswith("*/30 "))
    help_text = CliRunner().invoke(app, ["watch", "--help"], terminal_width=200).stdout
    for command in (exec_start, cron):
        assert " watch --once " in command
        for option in _options(command.split(" watch ", 1)[1]):
            assert re.search(rf"{re.escape(option)}\b", help_text), option
