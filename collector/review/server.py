"""Starting the review app: bind a socket (a free port unless one is asked for), then uvicorn.

The socket is bound before the app is built, so the Host check and the printed URL know the port.
``serve_in_thread`` is what the tests use; ``run`` blocks until Ctrl-C.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn

from collector.review.app import ReviewConfig, create_app
from collector.review.security import Guard


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@dataclass
class Running:
    guard: Guard
    server: uvicorn.Server
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.guard.url()

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)


def prepare(config: ReviewConfig, host: str = "127.0.0.1", port: int = 0) -> tuple[Running, socket.socket]:
    sock = bind(host, port)
    guard = Guard(host=host, port=sock.getsockname()[1])
    app = create_app(config, guard)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    return Running(guard, server), sock


def serve_in_thread(config: ReviewConfig, host: str = "127.0.0.1", port: int = 0) -> Running:
    running, sock = prepare(config, host, port)
    ready = threading.Event()

    def serve() -> None:
        running.server.run(sockets=[sock])

    running.thread = threading.Thread(target=serve, name="review-app", daemon=True)
    running.thread.start()
    while not running.server.started and running.thread.is_alive():
        ready.wait(0.02)
    return running


def has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(config: ReviewConfig, host: str, port: int, open_browser: bool, say: Callable[[str], None]) -> None:
    running, sock = prepare(config, host, port)
    say(f"Review app: {running.url}")
    say("Anyone with this address can record decisions: do not share it. Ctrl-C stops the app.")
    if open_browser and has_display():
        webbrowser.open(running.url)
    running.server.run(sockets=[sock])
