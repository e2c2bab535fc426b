"""A worker's connection to the job's browser server without a Playwright driver of its own.

``sync_playwright()`` starts a Node.js driver for every thread that uses it (the sync API's
objects never cross threads), and ``BrowserType.connect`` then only relays that driver's messages
to the browser server over a WebSocket. At four workers that is four driver processes of about
95 MiB each, doing nothing but relaying. Here the worker thread speaks Playwright's protocol to
the browser server itself: the same JSON messages, one per WebSocket text frame, through
Playwright's own ``Connection`` (a *thin client*, as Playwright calls a client without
``LocalUtils``), with the sync API's own greenlet dispatcher. What a thin client cannot do:
save a trace or a HAR (Playwright zips those in the local driver), so a job with traces on
keeps a driver per worker (``collector.workers``).

``thin_browser(endpoint)`` is a context manager giving a sync ``Browser``; leaving it closes the
connection. A lost connection (the server gone) makes the browser report ``is_connected()``
False and every call in flight fail, as with ``BrowserType.connect``.

This leans on Playwright's internal modules (``playwright._impl``), pinned by the version in
pyproject.toml and checked by tests/collector/test_thin_client.py against a real server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from greenlet import greenlet
from playwright.sync_api import Browser
from playwright.sync_api._generated import Browser as SyncBrowser

try:  # Playwright's internals as of 1.65; another release may move them (then: a driver per worker)
    from playwright._impl._greenlets import MainGreenlet
    from playwright._impl.browser import Browser as BrowserImpl
    from playwright._impl.connection import Connection
    from playwright._impl.transport import Transport
    from playwright._impl.utils.tasks import wait_for_next_task
except ImportError:  # pragma: no cover - depends on the installed Playwright
    AVAILABLE = False
    Transport = object  # type: ignore[assignment,misc]
else:
    AVAILABLE = True

__all__ = ["AVAILABLE", "ThinClientError", "ThinClientUnsupported", "ThinConnection", "thin_browser"]


class ThinClientError(RuntimeError):
    """The browser server could not be reached or refused the connection."""


class ThinClientUnsupported(RuntimeError):
    """The installed Playwright's internals are not the ones this client speaks through."""


def _playwright_version() -> str:
    from importlib.metadata import version

    return version("playwright")


class _WebSocketTransport(Transport):
    """Playwright's messages over a WebSocket: a JSON text frame each way per message."""

    def __init__(self, loop: asyncio.AbstractEventLoop, endpoint: str, open_timeout_s: float) -> None:
        super().__init__(loop)
        self.endpoint = endpoint
        self.open_timeout_s = open_timeout_s
        self._stopped = False
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._ws: Any = None
        self._closed: asyncio.Future[None] = loop.create_future()
        # The error also reaches whoever waits on the connection; read here so asyncio never
        # reports it as "never retrieved" when nobody was waiting.
        self.on_error_future.add_done_callback(lambda f: f.cancelled() or f.exception())

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        # The server checks the major.minor version in the user agent, as for Playwright's own clients.
        headers = {"User-Agent": f"Playwright/{_playwright_version()} (python; collector thin client)",
                   "x-playwright-browser": "chromium"}
        try:
            self._ws = await connect(self.endpoint, additional_headers=headers, max_size=None, ping_interval=None,
                                     compression=None, open_timeout=self.open_timeout_s)
        except Exception as exc:  # noqa: BLE001 - refused, unreachable, a 4xx from the server: one error
            error = ThinClientError(f"cannot connect to the browser server at {self.endpoint}: {exc}")
            self.on_error_future.set_exception(error)
            raise error from None
        self._writer = asyncio.ensure_future(self._write())

    async def _write(self) -> None:
        while (data := await self._queue.get()) is not None:
            try:
                await self._ws.send(data)
            except Exception:  # noqa: BLE001 - the connection went away: the reader reports it
                return

    async def run(self) -> None:
        try:
            async for data in self._ws:
                self.on_message(self.deserialize_message(data))
                await wait_for_next_task()  # as PipeTransport: one message per task
        except Exception:  # noqa: BLE001 - ConnectionClosed and friends: the end of the connection
            pass
        finally:
            if not self._stopped and not self.on_error_future.done():
                self.on_error_future.set_exception(ThinClientError("the browser server closed the connection"))
            if not self._closed.done():
                self._closed.set_result(None)

    def send(self, message: dict[str, Any]) -> None:
        self._queue.put_nowait(self.serialize_message(message).decode())

    def request_stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._queue.put_nowait(None)
        if self._ws is not None:
            asyncio.ensure_future(self._ws.close())

    async def wait_until_stopped(self) -> None:
        await self._closed


class ThinConnection:
    """The loop, the dispatcher greenlet and the connection of one thin client (one thread):
    ``open()`` gives the sync ``Browser``, ``close()`` ends it all."""

    def __init__(self, endpoint: str, timeout_s: float) -> None:
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self.loop = asyncio.new_event_loop()
        self.browser: BrowserImpl | None = None
        self.transport: _WebSocketTransport | None = None
        self.done: asyncio.Future[None] | None = None
        self.error: BaseException | None = None

    def open(self) -> Browser:
        caller = greenlet.getcurrent()

        async def main() -> None:
            self.done = self.loop.create_future()
            try:
                self.browser = await self._connect(fiber)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                self.error = exc
                self.loop.call_soon(caller.switch)
                return
            self.loop.call_soon(caller.switch)
            await self.done

        def run_loop() -> None:
            self.loop.run_until_complete(main())

        fiber = self.fiber = MainGreenlet(run_loop)
        fiber.switch()
        if self.error is not None:
            self.close()
            if isinstance(self.error, (TypeError, AttributeError, KeyError)):  # internals moved
                raise ThinClientUnsupported(f"{type(self.error).__name__}: {self.error}") from self.error
            raise self.error
        assert self.browser is not None
        return SyncBrowser(self.browser)

    async def _connect(self, fiber: greenlet) -> BrowserImpl:
        connection = Connection(self.loop, dispatcher_fiber=fiber)
        connection.mark_as_remote()
        transport = self.transport = _WebSocketTransport(self.loop, self.endpoint, self.timeout_s)
        connection.onmessage = transport.send

        def on_message(message: dict[str, Any]) -> None:
            try:
                connection.dispatch(message)
            except Exception as error:  # noqa: BLE001 - raised by the next API call, as Playwright does
                connection._on_event_listener_error(error)

        transport.on_message = on_message
        await transport.connect()
        reader = asyncio.ensure_future(transport.run())
        browser: BrowserImpl | None = None

        def on_connection_close() -> None:
            # As BrowserType.connect: the pages, contexts and the browser close with the connection
            # (the server gone, or Browser.close(), which closes the connection of a connected browser).
            for context in browser.contexts if browser else []:
                for page in context.pages:
                    page._on_close()
                context._on_close()
            if browser is not None and browser._is_connected:
                browser._did_close()  # at once (not in the next task): a worker asks is_connected() next
            transport.request_stop()

        def on_reader_end(_: asyncio.Future[None]) -> None:
            connection.close("the browser server closed the connection")
            if self.done is not None and not self.done.done():
                self.done.set_result(None)

        connection.on("close", on_connection_close)
        reader.add_done_callback(on_reader_end)
        initialize = asyncio.ensure_future(connection.initialize_playwright())
        finished, _ = await asyncio.wait({initialize, transport.on_error_future}, timeout=self.timeout_s,
                                         return_when=asyncio.FIRST_COMPLETED)
        if initialize not in finished:
            initialize.cancel()
            if transport.on_error_future in finished:
                raise transport.on_error_future.exception() or ThinClientError("connection refused")
            raise ThinClientError(f"the browser server at {self.endpoint} did not answer in {self.timeout_s:.0f} s")
        playwright = initialize.result()
        pre_launched = playwright._initializer.get("preLaunchedBrowser")
        if not pre_launched:
            raise ThinClientError(f"{self.endpoint} is not a browser server (no browser behind it)")
        browser = BrowserImpl.from_(pre_launched)
        browser._should_close_connection_on_close = True
        browser._connect_to_browser_type(playwright.chromium, {}, None)
        return browser

    def close(self) -> None:
        if self.transport is not None:
            self.loop.call_soon(self.transport.request_stop)
        if not self.fiber.dead:
            self.fiber.switch()  # runs the loop until the reader ends and main() returns
        tasks = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self.loop.close()


@contextmanager
def thin_browser(endpoint: str, *, timeout_s: float = 30.0) -> Iterator[Browser]:
    """A sync ``Browser`` on the browser server at ``endpoint`` (``ws://...``), without a driver."""
    client = ThinConnection(endpoint, timeout_s)
    browser = client.open()
    try:
        yield browser
    finally:
        client.close()
