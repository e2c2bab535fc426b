"""``collector browser-server``: a Playwright browser server for machines that only host browsers.

It starts one Chromium behind Playwright's own server (``playwright launch-server``, the same one
a job starts for its workers: collector/browser_server.py) on ``--host``/``--port``, prints the
``ws://`` endpoint on stdout (one line; the path is the server's secret), and runs until Ctrl-C
or SIGTERM (exit 0). Collectors elsewhere use it with the ``browser_endpoint`` setting
(``COLLECTOR_BROWSER_ENDPOINT=ws://...``): their workers open contexts in this browser instead of
launching Chromium. A server that dies on its own is one line on stderr and exit 1.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from collector.browser_server import BrowserServer, BrowserServerError
from collector.errors import EXIT_FAILED, fail, operator_errors
from collector.settings import launch_options_for, load_settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
STOPPED_BY_SIGNAL = frozenset({0, -signal.SIGTERM, -signal.SIGINT, 128 + signal.SIGTERM, 128 + signal.SIGINT})


def browser_server(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface; only on a trusted network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65_535, help="Port to listen on (0: any free port).")] = 0,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file (browser_path, headless).")] = None,
) -> None:
    """Run a Playwright browser server for collectors on other machines (setting browser_endpoint)."""
    with operator_errors():
        settings = load_settings(config)
        launch = launch_options_for(settings)
    server = BrowserServer(launch, host=host, port=port)
    try:
        endpoint = server.start()
    except BrowserServerError as exc:
        raise fail(str(exc), EXIT_FAILED) from None
    print(endpoint, flush=True)
    if host not in LOOPBACK:
        print("warning: the browser is reachable from the network: anyone with this endpoint drives it",
              file=sys.stderr, flush=True)
    stop = threading.Event()

    def _on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, _on_term)
    status: int | None = None
    try:
        while not stop.is_set() and status is None:
            status = server.wait(timeout=0.5)  # the server's exit, or half a second to look at the stop flag
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
    # Ctrl-C (or `kill` of the process group) reaches the server too: it ends cleanly, status 0
    # or the signal's; any other end (a crash, a kill -9) is a failure.
    if status is not None and status not in STOPPED_BY_SIGNAL:
        raise fail(f"the browser server stopped by itself (exit status {status})", EXIT_FAILED)
    print("Stopped.", file=sys.stderr, flush=True)


def register(app: typer.Typer) -> None:
    app.command("browser-server")(browser_server)
