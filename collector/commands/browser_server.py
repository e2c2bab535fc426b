"""``collector browser-server``: a Playwright browser server for machines that only host browsers.

It starts one Chromium behind Playwright's own server (``playwright launch-server``, the same one
a job starts for its workers: collector/browser_server.py) on ``--host``/``--port``, prints the
``ws://`` endpoint on stdout (one line; the path is the server's secret), and runs until Ctrl-C
or SIGTERM (exit 0). Collectors elsewhere use it with the ``browser_endpoint`` setting
(``COLLECTOR_BROWSER_ENDPOINT=ws://...``): their workers open contexts in this browser instead of
launching Chromium. A server that dies on its own is one line on stderr and exit 1. With
``--same-endpoint`` (and a fixed ``--port``) a restarted server keeps its endpoint, so workers whose
order failed on the dead one reconnect when the order is retried.
"""

from __future__ import annotations

import re
import secrets
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from collector.browser_server import BrowserServer, BrowserServerError
from collector.errors import EXIT_FAILED, EXIT_USAGE, fail, operator_errors
from collector.session import write_private
from collector.settings import launch_options_for, load_settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
STOPPED_BY_SIGNAL = frozenset({0, -signal.SIGTERM, -signal.SIGINT, 128 + signal.SIGTERM, 128 + signal.SIGINT})


def browser_server(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface; only on a trusted network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65_535, help="Port to listen on (0: any free port).")] = 0,
    same_endpoint: Annotated[bool, typer.Option("--same-endpoint", help="Keep the endpoint across restarts (needs --port): its secret path is kept in the data folder (mode 0600).")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file (browser_path, headless).")] = None,
) -> None:
    """Run a Playwright browser server for collectors on other machines (setting browser_endpoint)."""
    if same_endpoint and port == 0:
        raise fail("--same-endpoint needs a fixed --port (the endpoint is host, port and path)", EXIT_USAGE)
    with operator_errors():
        settings = load_settings(config)
        launch = launch_options_for(settings)
        ws_path = kept_ws_path(settings.data_dir, host, port) if same_endpoint else None
    server = BrowserServer(launch, host=host, port=port, ws_path=ws_path)
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


def kept_ws_path(data_dir: Path, host: str, port: int) -> str:
    """The endpoint's secret path for this host and port: made once (32 hex digits), then reused, so
    a restarted server (systemd, a crash) has the endpoint the workers already know."""
    path = data_dir / "browser-server" / f"ws-path-{host}-{port}"
    if path.is_file():
        kept = path.read_text(encoding="ascii").strip()
        if re.fullmatch(r"[0-9a-f]{32}", kept):
            return kept
    made = secrets.token_hex(16)
    write_private(path, made.encode("ascii"))
    return made


def register(app: typer.Typer) -> None:
    app.command("browser-server")(browser_server)
