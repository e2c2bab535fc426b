"""What a ``collector worker`` keeps between its tasks, so that a task costs what an order of a
longer job costs (docs/scaling.md, "Sizing"):

- **a browser**: one Chromium behind a browser server on loopback, started with the worker
  (from its main thread: ``collector.lifeline`` ties it to the worker, so it dies with it, even
  on SIGKILL), for tasks of accounts without a ``browser_endpoint`` of their own. Found dead, it
  is not used again: tasks start their own as before;
- **an account's signed-in session, checked**: the session check at the start of a task is
  skipped when this worker checked that account's session less than ``SESSION_RECHECK_S`` ago and
  its last task succeeded (a session that expired since is renewed by the job's workers, as in
  any job);
- **an account's layout and Inbox index** (``collector.handlers.SharedCache``, per account, site
  and layout option): the Inbox is walked again when older than its TTL, as within one job.

A task that fails drops what was kept for its account: the retry starts afresh. One task at a
time per worker (``collector worker``), so nothing here is shared by two jobs at once.
"""

from __future__ import annotations

import math
import threading
import time

import structlog

from collector.browser_server import BrowserServer, BrowserServerError
from collector.handlers import SharedCache
from collector.lifeline import tie_drivers_to_process
from collector.settings import CollectorSettings, launch_options_for

log = structlog.get_logger()
SESSION_RECHECK_S = 300.0


class Kept:
    def __init__(self) -> None:
        self._browser: BrowserServer | None = None
        self._caches: dict[tuple[str | None, str, str], SharedCache] = {}
        self._checked: dict[tuple[str | None, str], float] = {}
        self._lock = threading.Lock()

    def start_browser(self, settings: CollectorSettings) -> None:
        """The worker's browser (its main thread), unless its settings name a remote one."""
        if settings.browser_endpoint or not settings.shared_browser:
            return
        tie_drivers_to_process(settings.data_dir)
        server = BrowserServer(launch_options_for(settings))
        try:
            server.start()
        except BrowserServerError as exc:  # the tasks start their own, as before
            log.warning("worker.browser_not_kept", reason=str(exc)[:200])
            return
        self._browser = server

    def _endpoint(self) -> str | None:
        with self._lock:
            if self._browser is not None and self._browser.wait(0) is not None:
                log.warning("worker.browser_gone", reason="the kept browser server exited: each task starts its own")
                self._browser.stop()
                self._browser = None
            return self._browser.endpoint if self._browser is not None else None

    def with_browser(self, settings: CollectorSettings) -> CollectorSettings:
        """The settings with the kept browser's endpoint when the account names none."""
        endpoint = None if settings.browser_endpoint or not settings.shared_browser else self._endpoint()
        return settings.model_copy(update={"browser_endpoint": endpoint}) if endpoint else settings

    def for_task(self, settings: CollectorSettings) -> tuple[CollectorSettings, SharedCache, bool]:
        """(settings with the kept browser, the account's cache, whether to check the session)."""
        with self._lock:
            shared = self._caches.setdefault((settings.account, settings.base_url, settings.layout), SharedCache())
            checked = self._checked.get((settings.account, settings.base_url), -math.inf)
        return self.with_browser(settings), shared, time.monotonic() - checked > SESSION_RECHECK_S

    def succeeded(self, settings: CollectorSettings, *, checked_at: float | None) -> None:
        if checked_at is not None:
            with self._lock:
                self._checked[(settings.account, settings.base_url)] = checked_at

    def failed(self, settings: CollectorSettings) -> None:
        with self._lock:
            self._checked.pop((settings.account, settings.base_url), None)
            for key in [k for k in self._caches if k[:2] == (settings.account, settings.base_url)]:
                del self._caches[key]

    def close(self) -> None:
        with self._lock:
            if self._browser is not None:
                self._browser.stop()
                self._browser = None
