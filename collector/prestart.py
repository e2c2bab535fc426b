"""A job's browser server started while Python still imports the rest of the collector.

``collector collect`` spends about a second importing its modules (typer, pydantic, structlog,
Playwright, the evidence pipeline) before the job starts its browser server, which takes about
0.6 s more to come up. Started first, from the settings the environment gives (the same
``load_settings()`` the command calls, without its options), the server comes up meanwhile on
the other core; the job takes it over (``adopt``) only when its own settings launch the very same
browser (``server_key``), else it is stopped and the job starts its own, as before.

Only for a plain local ``collector collect`` run as a program: not with ``--config``,
``--account`` or ``--all-accounts`` (settings known only later), ``--distributed`` or a
``browser_endpoint`` (no local server), ``--help``; never when the collector is imported as a
library (tests, the benchmark). ``COLLECTOR_PRESTART=0`` turns it off. Nothing fails because of
it: a problem here (bad settings, no browser) is left for the command to report.
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from collector.browser_server import BrowserServer
    from collector.settings import CollectorSettings

COMMANDS = frozenset({"collect"})
# Options after which the settings the command uses are not the environment's alone.
NOT_WITH = frozenset({"--config", "--account", "--all-accounts", "--distributed", "--help", "-h",
                      "--install-completion", "--show-completion", "--version"})
ENV = "COLLECTOR_PRESTART"

_early: BrowserServer | None = None
_key: tuple[Any, ...] | None = None


def server_key(settings: CollectorSettings) -> tuple[Any, ...]:
    """What decides which browser a job's server launches, and how (``launch_options_for``)."""
    return (settings.browser_path, os.environ.get("COLLECTOR_BROWSER_PATH"), settings.headless,
            str(settings.data_dir.resolve()))


def _as_program(argv0: str) -> bool:
    """Run as the ``collector`` program (its console script, or ``python -m collector``)."""
    return Path(argv0).name == "collector" or argv0.endswith(os.path.join("collector", "__main__.py"))


def wanted(argv: list[str]) -> bool:
    """Whether ``argv`` (without the program) is a plain ``collect``."""
    command = next((a for a in argv if not a.startswith("-")), None)
    return command in COMMANDS and not any(a.split("=", 1)[0] in NOT_WITH for a in argv)


def start_early(argv: list[str] | None = None) -> None:
    """Start the job's browser server now, when this run is a plain ``collect``."""
    global _early, _key
    argv = sys.argv if argv is None else argv
    if not argv or os.environ.get(ENV, "1") == "0" or not _as_program(argv[0]) or not wanted(argv[1:]):
        return
    try:
        from collector.browser_server import BrowserServer
        from collector.lifeline import tie_drivers_to_process
        from collector.settings import launch_options_for, load_settings

        settings = load_settings()
        if settings.browser_endpoint or not settings.shared_browser or settings.distributed:
            return
        tie_drivers_to_process(settings.data_dir)  # as run_job does: the server dies with this process
        server = BrowserServer(launch_options_for(settings))
        server.spawn()
    except Exception:  # noqa: BLE001 - the command reports bad settings or a missing browser itself
        return
    _early, _key = server, server_key(settings)
    atexit.register(_stop_unused)


def adopt(settings: CollectorSettings) -> BrowserServer | None:
    """The server started early, when it launched the browser ``settings`` ask for (the caller
    then owns it); else None (and a server started for other settings is stopped)."""
    global _early
    server, _early = _early, None
    if server is None:
        return None
    if _key == server_key(settings):
        return server
    server.stop()
    return None


def _stop_unused() -> None:
    if _early is not None:  # the command ended before a job took it (bad input, an error)
        _early.stop()
