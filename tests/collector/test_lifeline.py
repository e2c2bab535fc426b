"""Browser drivers tied to the collector's life (Linux): the wrapper Playwright runs them with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from collector import lifeline

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/usr/bin/setpriv").exists(),
                                reason="Linux with setpriv")


@pytest.fixture(autouse=True)
def _own_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lifeline.NODE_ENV, raising=False)
    monkeypatch.setattr(lifeline, "_ours", None)


def test_a_driver_started_through_the_wrapper_dies_when_its_parent_is_killed(tmp_path: Path) -> None:
    import signal
    import time

    assert lifeline.tie_drivers_to_process(tmp_path) is True
    wrapper = Path(os.environ[lifeline.NODE_ENV])
    assert wrapper.parent == tmp_path / "bin"
    # A parent that starts a long-running node through the wrapper (as Playwright starts its driver),
    # prints its pid, and is then killed outright.
    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; c = subprocess.Popen([sys.argv[1], '-e', 'setTimeout(() => {}, 120000)']);"
         " print(c.pid, flush=True); c.wait()", str(wrapper)],
        stdout=subprocess.PIPE, text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not Path(f"/proc/{child}/cmdline").read_text().split("\0")[0].endswith("/node"):
        time.sleep(0.05)  # until sh and setpriv have exec-ed node (the death signal is set by then)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
        try:
            os.waitpid(child, os.WNOHANG)  # not ours to reap; harmless when it is not our child
        except ChildProcessError:
            pass
        if "Z" in (Path(f"/proc/{child}/stat").read_text().split(")")[1].split()[0] if Path(f"/proc/{child}/stat").exists() else "Z"):
            break
        time.sleep(0.1)  # the test polls the OS; nothing in the product waits like this
    alive = Path(f"/proc/{child}/stat").exists() and "Z" not in Path(f"/proc/{child}/stat").read_text().split(")")[1].split()[0]
    assert not alive, "node outlived its killed parent"


def test_a_users_own_node_setting_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(lifeline.NODE_ENV, "/opt/node/bin/node")
    assert lifeline.tie_drivers_to_process(tmp_path) is False
    assert os.environ[lifeline.NODE_ENV] == "/opt/node/bin/node"


def test_a_wrapper_whose_folder_went_away_is_made_again(tmp_path: Path) -> None:
    assert lifeline.tie_drivers_to_process(tmp_path / "first")
    first = Path(os.environ[lifeline.NODE_ENV])
    first.unlink()
    assert lifeline.tie_drivers_to_process(tmp_path / "second")
    assert Path(os.environ[lifeline.NODE_ENV]).is_file()
