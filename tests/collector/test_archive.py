"""collector/archive.py without a browser: which answers a screen keeps, which a bundle gets,
and that a failed archive never costs the bundle."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector import archive
from collector.archive import TrafficRecorder, build_archive, pages_for
from collector.settings import load_settings
from evidence.models import Capture
from evidence.webarchive import read_pages, read_wacz

SITE = "http://127.0.0.1:8000"
AT = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


class FakeRequest:
    def __init__(self, url: str, kind: str) -> None:
        self.url, self.resource_type, self.method = url, kind, "GET"
        self.headers = {"accept": "*/*"}
        self.post_data_buffer = None


class FakeResponse:
    def __init__(self, url: str, kind: str, frame_url: str, body: bytes = b"x") -> None:
        self.url, self.request, self.status, self.status_text = url, FakeRequest(url, kind), 200, "OK"
        self.frame = type("Frame", (), {"url": frame_url})()
        self.headers = {"content-type": "text/html"}
        self._body = body

    def body(self) -> bytes:
        return self._body


class FakePage:
    def __init__(self) -> None:
        self.listeners: dict[str, Any] = {}
        self.url = ""

    def on(self, event: str, fn: Any) -> None:
        self.listeners[event] = fn

    def remove_listener(self, event: str, fn: Any) -> None:
        assert self.listeners.pop(event) == fn  # the same bound method

    def answer(self, url: str, kind: str, frame_url: str) -> None:
        self.listeners["response"](FakeResponse(url, kind, frame_url))


def _capture(n: int, screen: str, url: str) -> Capture:
    stem = f"captures/{n:02d}-{screen}"
    return Capture(screen=screen, url=url, captured_at=AT, screenshot=f"{stem}.png", snapshot=f"{stem}.html")


def test_a_screen_keeps_its_page_and_what_the_page_loaded_but_not_pages_walked_on_the_way() -> None:
    page = FakePage()
    traffic = TrafficRecorder(page)  # type: ignore[arg-type]
    search = f"{SITE}/transactions?q=1"
    page.answer(search, "document", f"{SITE}/home")  # a navigation answers before the frame commits
    page.answer(f"{SITE}/static/app.js", "script", search)
    page.answer(f"{SITE}/api/transactions?q=1", "fetch", search)
    page.answer(f"{SITE}/favicon.ico", "other", search)  # not a kind the archive keeps
    page.url = search
    traffic.screen_kept()
    page.answer(f"{SITE}/api/transactions/1-CCR1", "fetch", search)  # the drawer's details
    traffic.screen_kept()
    page.answer(f"{SITE}/inbox?tab=customer", "document", search)  # the Inbox walk: not evidence
    page.answer(f"{SITE}/api/inbox", "fetch", f"{SITE}/inbox?tab=customer")
    thread = f"{SITE}/inbox/threads/T-1"
    page.answer(thread, "document", f"{SITE}/inbox?tab=customer")
    page.answer(f"{SITE}/static/app.js", "script", thread)  # again, for this page
    page.url = thread
    traffic.screen_kept()
    urls = {i: [e.exchange.url.removeprefix(SITE) for e in batch] for i, batch in traffic.batches.items()}
    assert urls == {
        0: ["/transactions?q=1", "/static/app.js", "/api/transactions?q=1"],
        1: ["/api/transactions/1-CCR1"],
        2: ["/inbox/threads/T-1", "/static/app.js"],
    }
    captures = [_capture(1, "transactions.search-results", search), _capture(3, "inbox.thread", thread)]
    assert traffic.indices_of(captures) == [0, 2]
    # A bundle gets the answers of its own screens, each URL once.
    assert [e.exchange.url.removeprefix(SITE) for e in traffic.for_captures([0, 2])] == [
        "/transactions?q=1", "/static/app.js", "/api/transactions?q=1", "/inbox/threads/T-1"]
    traffic.close()
    assert page.listeners == {}


def test_the_bundles_archive_lists_its_screens_and_says_what_was_masked(tmp_path: Path) -> None:
    page = FakePage()
    traffic = TrafficRecorder(page)  # type: ignore[arg-type]
    url = f"{SITE}/transactions?q=1"
    page.answer(url, "document", url)
    page.url = url
    traffic.screen_kept()
    captures = [_capture(1, "transactions.search-results", url)]
    settings = load_settings(data_dir=tmp_path, password="hunter2-password")
    staged = build_archive(traffic.for_captures([0]), captures, settings, None, AT)
    assert staged is not None and staged.path == "captures/archive.wacz" and staged.masked == "nothing found"
    assert [p.title for p in read_pages(staged.data)] == ["transactions.search-results"]
    assert [e.exchange.url for e in read_wacz(staged.data)] == [url]
    assert pages_for(captures)[0].id == "01-transactions.search-results"


def test_an_archive_that_cannot_be_built_is_left_out_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(archive, "build_wacz", broken)
    page = FakePage()
    traffic = TrafficRecorder(page)  # type: ignore[arg-type]
    page.answer(f"{SITE}/x", "document", f"{SITE}/x")
    page.url = f"{SITE}/x"
    traffic.screen_kept()
    settings = load_settings(data_dir=tmp_path)
    assert build_archive(traffic.for_captures([0]), [_capture(1, "x", f"{SITE}/x")], settings, None, AT) is None
    assert build_archive([], [], settings, None, AT) is None  # nothing to archive: no file


class CountingResponse(FakeResponse):
    reads = 0

    def body(self) -> bytes:
        CountingResponse.reads += 1
        return self._body


def test_a_static_file_served_again_from_the_cache_is_read_from_the_browser_once() -> None:
    """Every screen keeps its own copy of app.js, but while the browser serves the same stored
    answer (same headers) its bytes cross from the browser once; a new answer (a new deploy, or
    the file fetched again: other headers) is read again."""
    page = FakePage()
    traffic = TrafficRecorder(page)  # type: ignore[arg-type]
    CountingResponse.reads = 0

    def screen(url: str, script: bytes) -> None:
        for answer in (CountingResponse(url, "document", url, b"<html>"),
                       CountingResponse(f"{SITE}/static/app.js", "script", url, script)):
            answer.headers = {"content-type": "text/javascript", "content-length": str(len(answer._body))}
            page.listeners["response"](answer)
        page.url = url
        traffic.screen_kept()

    screen(f"{SITE}/transactions?q=1", b"v1();")
    screen(f"{SITE}/inbox/threads/T-1", b"v1();")
    screen(f"{SITE}/inbox/threads/T-2", b"v1();")
    assert CountingResponse.reads == 3 + 1  # three documents, app.js once
    scripts = [e.exchange.response_body for batch in traffic.batches.values() for e in batch if e.exchange.url.endswith(".js")]
    assert scripts == [b"v1();"] * 3
    screen(f"{SITE}/inbox/threads/T-3", b"v2(); // new")
    assert CountingResponse.reads == 4 + 2
    assert traffic.batches[3][1].exchange.response_body == b"v2(); // new"


def test_the_next_order_in_the_same_browser_context_reuses_the_static_bytes_read() -> None:
    kept: dict[tuple[object, ...], bytes] = {}
    CountingResponse.reads = 0
    for order in ("1", "2"):
        page = FakePage()
        traffic = TrafficRecorder(page, static=kept)  # type: ignore[arg-type]
        url = f"{SITE}/transactions?q={order}"
        for answer in (CountingResponse(url, "document", url, b"<html>"),
                       CountingResponse(f"{SITE}/static/app.js", "script", url, b"v1();")):
            answer.headers = {"content-type": "text/javascript", "date": "Mon, 30 Nov 2026 10:00:00 GMT"}
            page.listeners["response"](answer)
        page.url = url
        traffic.screen_kept()
        assert traffic.batches[0][1].exchange.response_body == b"v1();"
        traffic.close()
    assert CountingResponse.reads == 2 + 1  # two documents, app.js once for both orders
