"""`collector collect` starts its browser server while Python imports the rest (collector/prestart.py).

What a user would notice if it broke: a job that fails or hangs because it took a server started
for other settings, or a Chromium left running after a command that never started a job.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from collector import prestart
from fixtures.site import MockSite
from tests.e2e.conftest import collector_env, run_collector, save_signed_in_session, settings_for


@pytest.mark.parametrize(("argv", "expected"), [
    (["collect", "--po", "1"], True),
    (["-v", "collect", "--orders", "x.txt"], True),
    (["collect", "--config", "c.toml", "--po", "1"], False),
    (["--account", "shop-2", "collect", "--po", "1"], False),
    (["collect", "--all-accounts", "--po", "1"], False),
    (["collect", "--distributed", "--po", "1"], False),
    (["collect", "--help"], False),
    (["jobs", "list"], False),
    (["demo"], False),
])
def test_only_a_plain_collect_starts_the_server_early(argv: list[str], expected: bool) -> None:
    assert prestart.wanted(argv) is expected


def _servers_of(data_dir: Path) -> list[str]:
    """Running browser servers whose config lives in this data folder."""
    found = subprocess.run(["pgrep", "-af", "launch-server"], capture_output=True, text=True, check=False).stdout
    return [line for line in found.splitlines() if str(data_dir) in line]


def _started_events(out: Path) -> list[dict[str, object]]:
    events = []
    for log in (out / "jobs").glob("*/job.log.jsonl"):
        events += [e for e in map(json.loads, log.read_text().splitlines()) if e["event"] == "browser_server.started"]
    return events


def test_the_job_takes_over_the_server_started_early(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    save_signed_in_session(site, settings_for(site, data_dir))
    po = site.scenario.orders[0].po
    out = tmp_path / "out"
    done = run_collector(["collect", "--po", po, "--out", str(out), "--progress", "plain"],
                         collector_env(site, data_dir), tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [e["early"] for e in _started_events(out)] == [True]  # one server, the early one
    assert not _servers_of(data_dir)
    assert not list((data_dir / "browser").glob("collector-browser-*.json"))  # its config file removed


class _Server:
    stopped = False

    def stop(self) -> None:
        self.stopped = True


def test_a_server_started_for_other_browser_settings_is_stopped_not_taken(site: MockSite, data_dir: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(site, data_dir)
    early = _Server()
    monkeypatch.setattr(prestart, "_early", early)
    monkeypatch.setattr(prestart, "_key", prestart.server_key(settings_for(site, data_dir, headless=False)))
    assert prestart.adopt(settings) is None  # the job starts its own
    assert early.stopped
    assert prestart.adopt(settings) is None  # and it is nobody's any more


def test_a_server_started_for_these_settings_is_taken(site: MockSite, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(site, data_dir)
    early = _Server()
    monkeypatch.setattr(prestart, "_early", early)
    monkeypatch.setattr(prestart, "_key", prestart.server_key(settings))
    assert prestart.adopt(settings) is early and not early.stopped


def test_a_command_that_stops_before_its_job_leaves_no_browser(site: MockSite, tmp_path: Path, data_dir: Path) -> None:
    done = run_collector(["collect", "--orders", str(tmp_path / "no-such-file.txt"), "--out", str(tmp_path / "out")],
                         collector_env(site, data_dir), tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "no-such-file.txt" in done.stderr
    assert (data_dir / "browser").is_dir()  # the early server's folder: one was started
    assert not _servers_of(data_dir)
    assert not list((data_dir / "browser").glob("collector-browser-*.json"))
