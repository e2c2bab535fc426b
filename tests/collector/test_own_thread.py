"""Sign-in, session checks and scans work from inside an asyncio loop (a notebook, an async host)."""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import sync_playwright

from collector.browser import in_own_thread

JOB = contextvars.ContextVar("job", default="none")


@in_own_thread
def _start_playwright() -> str:
    with sync_playwright() as p:
        return p.chromium.name


def test_a_browser_session_starts_even_when_the_caller_runs_an_asyncio_loop() -> None:
    async def host() -> str:
        # Called directly here, sync_playwright() would refuse: "using Playwright Sync API inside
        # the asyncio loop".
        return _start_playwright()

    # The host's loop runs on a thread of its own: this test process's main thread may already
    # look "inside a loop" (pytest-playwright's session browser), where asyncio.run refuses.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, host()).result() == "chromium"


def test_the_callers_context_and_errors_cross_the_thread() -> None:
    @in_own_thread
    def job_id() -> str:
        return JOB.get()

    @in_own_thread
    def fails() -> None:
        raise LookupError("no such order")

    JOB.set("job-1")
    assert job_id() == "job-1"
    with pytest.raises(LookupError, match="no such order"):
        fails()
