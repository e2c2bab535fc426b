"""``collect --distributed`` and ``collector worker`` refusing what they cannot do (no database)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from collector.cli import app

runner = CliRunner()
PO = "4342076435326"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("COLLECTOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("COLLECTOR_DATA_DIR", str(tmp_path / "data"))
    yield


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["collect", "--distributed", "--po", PO], {}, "--distributed needs the database_url setting"),
        (["collect", "--distributed", "--resume", "job-0123456789ab"], {"COLLECTOR_DATABASE_URL": "postgresql://u@127.0.0.1:1/x"},
         "--resume JOB resumes a local job"),
        (["collect", "--distributed", "--scan-since", "lately"], {"COLLECTOR_DATABASE_URL": "postgresql://u@127.0.0.1:1/x"},
         "--scan-since: not a duration or a time"),
        (["collect", "--distributed", "--po", PO, "--key", "k.pem"], {"COLLECTOR_DATABASE_URL": "postgresql://u@127.0.0.1:1/x"},
         "--key does not travel with the tasks"),
        (["worker"], {}, "no database_url configured"),
        (["worker"], {"COLLECTOR_DATABASE_URL": "postgresql://u:pw-s3cret@127.0.0.1:1/x"}, "cannot reach the task queue"),
        (["collect", "--po", PO], {"COLLECTOR_DATABASE_URL": "mysql://u@h/x"}, "not a postgresql:// URL"),
    ],
)
def test_one_line_and_exit_2(args: list[str], env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "pw-s3cret" not in result.output and "Traceback" not in result.output
