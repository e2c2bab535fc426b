"""collector/thin_client.py against a real browser server: workers reach the job's browser
without a Playwright driver process each (the memory issue 10 measures), and a lost server is an
error, never a hang. Each client runs on a thread of its own, as in the collector (pytest-playwright's
session keeps an event loop on the main thread, where no sync Playwright may start)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.browser import in_own_thread
from collector.browser_server import BrowserServer
from collector.settings import connected_browser, launch_options_for, load_settings
from collector.thin_client import ThinClientError, thin_browser
from fixtures.site import MockSite


def _children_named(name: str) -> list[int]:
    """PIDs of this process's descendants whose command starts with ``name`` (from /proc; Node.js
    names its main thread "node-MainThread")."""
    me, found = os.getpid(), []
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "comm").read_text().strip()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor and ancestor != me:
            ancestor = parents.get(ancestor)
        if ancestor == me and commands.get(pid, "").startswith(name):
            found.append(pid)
    return found


@pytest.fixture
def server(tmp_path: Path) -> Iterator[BrowserServer]:
    settings = load_settings(data_dir=tmp_path)
    with BrowserServer(launch_options_for(settings)) as running:
        yield running


def test_workers_on_a_browser_server_start_no_driver_process_of_their_own(
        server: BrowserServer, site: MockSite, tmp_path: Path) -> None:
    assert server.endpoint is not None
    settings = load_settings(data_dir=tmp_path, base_url=site.url)
    drivers_before = _children_named("node")
    titles: list[str] = []
    during: list[int] = []
    ready = threading.Barrier(3)

    def worker() -> None:
        with connected_browser(settings, server.endpoint) as browser:
            page = browser.new_context(base_url=site.url).new_page()
            page.goto("/login")
            titles.append(page.title())
            assert page.screenshot(full_page=True).startswith(b"\x89PNG")
            ready.wait(30)  # all three connected at once
            during.append(len(_children_named("node")))
            ready.wait(30)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert titles == ["Sign in · Seller Center"] * 3
    assert during == [len(drivers_before)] * 3  # the server's node only: no driver per worker

    @in_own_thread
    def with_traces() -> int:
        with connected_browser(settings, server.endpoint, traces=True) as browser:  # traces need a driver
            assert browser.is_connected()
            return len(_children_named("node"))

    assert with_traces() == len(drivers_before) + 1


@in_own_thread
def test_a_server_that_goes_away_disconnects_the_browser_and_fails_the_call(server: BrowserServer, site: MockSite) -> None:
    assert server.endpoint is not None
    with thin_browser(server.endpoint) as browser:
        page = browser.new_context(base_url=site.url).new_page()
        page.goto("/login")
        server.stop()
        with pytest.raises(Exception, match="closed|disconnected|Target"):
            page.goto("/login", timeout=10_000)
        with pytest.raises(Exception, match="closed|disconnected|Target"):  # a worker's next order
            browser.new_context()
        assert not browser.is_connected()  # what a worker checks before its next order


@in_own_thread
def test_nothing_listening_is_one_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(ThinClientError, match=f"cannot connect to the browser server at ws://127.0.0.1:{port}/"):
        with thin_browser(f"ws://127.0.0.1:{port}/0123", timeout_s=5):
            pass


def test_a_playwright_whose_internals_moved_falls_back_to_a_driver(
        server: BrowserServer, site: MockSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The thin client leans on playwright._impl: when a release changes it, workers still run."""
    from collector import thin_client

    def moved(self: thin_client.ThinConnection) -> None:
        raise thin_client.ThinClientUnsupported("TypeError: Connection() got an unexpected keyword argument")

    monkeypatch.setattr(thin_client.ThinConnection, "open", moved)
    settings = load_settings(data_dir=tmp_path, base_url=site.url)
    before = len(_children_named("node"))

    @in_own_thread
    def fall_back() -> None:
        with connected_browser(settings, server.endpoint) as browser:
            page = browser.new_context(base_url=site.url).new_page()
            page.goto("/login")
            assert page.title() == "Sign in · Seller Center"
            assert len(_children_named("node")) == before + 1  # a driver of its own, as before the thin client

    fall_back()
