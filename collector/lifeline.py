"""Browser driver processes die with the collector, even when it is killed outright.

Each worker thread's ``sync_playwright()`` starts a Node.js driver, which starts Chromium. The
driver exits when its stdin pipe closes, which normally happens when the collector dies; as a
second line of defence on Linux, every driver started after ``tie_drivers_to_process()`` runs
under ``setpriv --pdeathsig KILL``, so the kernel kills it when the thread that started it ends
(SIGKILL, OOM killer, a crash), and Chromium, whose control pipe then closes, follows.

It works through Playwright's documented ``PLAYWRIGHT_NODEJS_PATH`` (the Node.js to run the
driver with): a two-line wrapper script in the data folder that execs the bundled Node.js under
``setpriv``. Where ``setpriv`` or the bundled Node.js is missing, or the variable is already
set by the user, nothing changes.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

import structlog

log = structlog.get_logger()
NODE_ENV = "PLAYWRIGHT_NODEJS_PATH"
_ours: str | None = None  # the wrapper this process put in NODE_ENV (re-made if its folder went away)


def _bundled_node() -> Path | None:
    import playwright

    node = Path(playwright.__file__).parent / "driver" / "node"
    return node if node.is_file() and os.access(node, os.X_OK) else None


def tie_drivers_to_process(data_dir: Path) -> bool:
    """Make drivers started from now on die with their starting thread; True when in force."""
    global _ours
    current = os.environ.get(NODE_ENV)
    if current and current == _ours and Path(current).is_file():
        return True  # already in force (a second job in this process)
    if not sys.platform.startswith("linux") or (current and current != _ours):
        return False  # the user's own Node.js setting wins
    setpriv = shutil.which("setpriv")
    node = _bundled_node()
    if setpriv is None or node is None:
        return False
    wrapper = data_dir / "bin" / "playwright-node"
    script = f"#!/bin/sh\nexec {shlex.quote(setpriv)} --pdeathsig KILL -- {shlex.quote(str(node))} \"$@\"\n"
    try:
        wrapper.parent.mkdir(parents=True, exist_ok=True)
        if not wrapper.is_file() or wrapper.read_text() != script:
            tmp = wrapper.with_name(f".{wrapper.name}.{os.getpid()}")
            tmp.write_text(script)
            tmp.chmod(0o755)
            tmp.replace(wrapper)
    except OSError as exc:  # a read-only data folder: run without the safety net
        log.warning("lifeline.unavailable", error=str(exc))
        if current and current == _ours:  # our old wrapper is gone: let Playwright use its own Node.js
            del os.environ[NODE_ENV]
        return False
    os.environ[NODE_ENV] = _ours = str(wrapper)
    return True
