"""One browser for every worker: a Playwright browser server, local or remote.

Playwright's sync API objects never cross threads, so each worker thread runs its own
``sync_playwright()``; before, each also launched its own Chromium (about 320 MiB a worker).
Now the job starts one Chromium behind Playwright's own browser server
(``playwright launch-server``, the driver CLI's wrapper of ``browserType.launchServer``) and every
worker *connects* to it (``BrowserType.connect``): one browser process, one browser context per
worker inside it.

The same seam takes a remote endpoint: with the ``browser_endpoint`` setting (``ws://...``) no
server is started and the workers connect there (a browser host, a container; see
docs/collector.md). ``collector browser-server`` (collector/commands/browser_server.py) starts
one of these for other machines: the same server on a host and port of the operator's choosing.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Self

import structlog

log = structlog.get_logger()
ENDPOINT = re.compile(rb"ws://[^\s]+/[0-9a-f]{32}")
START_TIMEOUT_S = 60.0


class BrowserServerError(RuntimeError):
    """The browser server did not start: the message says what it printed."""


def _server_config(launch: dict[str, Any], host: str = "127.0.0.1", port: int = 0,
                   ws_path: str | None = None) -> dict[str, Any]:
    """``BrowserType.launch`` keyword arguments -> ``launchServer`` options (loopback, any port by
    default; the endpoint's path a fresh secret unless ``ws_path``, 32 hex digits, is given)."""
    config: dict[str, Any] = {"headless": launch.get("headless", True), "args": list(launch.get("args", [])),
                              "host": host, "port": port}
    if ws_path is not None:
        config["wsPath"] = "/" + ws_path
    if launch.get("executable_path"):
        config["executablePath"] = launch["executable_path"]
    if launch.get("env"):
        config["env"] = launch["env"]
    return config


class BrowserServer:
    """A Chromium behind ``playwright launch-server`` on loopback, for this process's workers."""

    def __init__(self, launch: dict[str, Any], *, start_timeout_s: float = START_TIMEOUT_S,
                 host: str = "127.0.0.1", port: int = 0, ws_path: str | None = None) -> None:
        self.launch = launch
        self.host = host
        self.port = port
        self.ws_path = ws_path
        self.start_timeout_s = start_timeout_s
        self.endpoint: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._config: Path | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> str:
        """Start the server (unless ``spawn`` did already) and wait for its endpoint."""
        early = self._proc is not None  # spawned before (collector/prestart.py)
        if self._proc is None:
            self.spawn()
        self.endpoint = self._read_endpoint()
        assert self._proc is not None
        log.info("browser_server.started", endpoint=self.endpoint, pid=self._proc.pid, early=early)
        return self.endpoint

    def spawn(self) -> None:
        """Start the server's process without waiting for it to come up (``start`` waits)."""
        from playwright._impl._driver import compute_driver_executable, get_driver_env

        node, cli = compute_driver_executable()  # honours PLAYWRIGHT_NODEJS_PATH (collector.lifeline)
        # In the browser's own folder under the data folder when there is one (a killed job leaves
        # nothing in /tmp); mode 0600 either way.
        home = (self.launch.get("env") or {}).get("HOME")
        folder = home if home and Path(home).is_dir() else None
        fd, name = tempfile.mkstemp(prefix="collector-browser-", suffix=".json", dir=folder)
        with os.fdopen(fd, "w") as f:  # mode 0600: the env may carry the data folder's paths
            json.dump(_server_config(self.launch, self.host, self.port, self.ws_path), f)
        self._config = Path(name)
        self._proc = subprocess.Popen(
            [node, cli, "launch-server", "--browser", "chromium", "--config", name],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=get_driver_env(),
        )

    def _read_endpoint(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        out = b""
        deadline = time.monotonic() + self.start_timeout_s
        fd = self._proc.stdout.fileno()
        while True:
            match = ENDPOINT.search(out)
            if match:
                return match.group(0).decode()
            left = deadline - time.monotonic()
            if left <= 0 or self._proc.poll() is not None:
                self.stop()
                said = out.decode(errors="replace").strip().splitlines()
                raise BrowserServerError(
                    "the browser server did not start" + (f": {said[-1][:200]}" if said else " (it printed nothing)")
                )
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))  # waits for output, not a sleep
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    self._proc.wait(timeout=5)
                out += chunk

    def wait(self, timeout: float | None = None) -> int | None:
        """The server's exit status once it ends (None: still running after ``timeout`` seconds)."""
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc is not None and self._proc.stdout is not None:
            self._proc.stdout.close()
        self._proc = None
        if self._config is not None:
            self._config.unlink(missing_ok=True)
            self._config = None
