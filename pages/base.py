"""The base of every page object: readiness, error translation, navigation, failure snapshots.

``Screen`` is a full page (landmark: its level-1 heading); ``Panel`` is a widget inside one (a
dialog, a drawer, an expanded region) with a root locator. Both wait with web-first assertions
(``expect``), never sleeps, and turn Playwright timeouts into the typed errors of
``pages.errors``: a page that bounced to ``/login?expired=1`` is ``SessionExpired``, a "Something
went wrong" page is ``ServerError`` (transient), a missing button is ``ElementMissing`` naming what
the screen has instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Concatenate, ParamSpec, Self, TypedDict, TypeVar, Unpack
from urllib.parse import parse_qs, urlencode, urljoin, urlparse
from zoneinfo import ZoneInfo

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from pages.errors import (
    ConnectionLost,
    ElementMissing,
    OrderNotFound,
    OrderTooOld,
    PageError,
    RateLimited,
    ScreenNotReached,
    ServerError,
    SessionExpired,
)
from pages.parsing import zone

__all__ = [
    "DEFAULT_TIMEOUT_MS",
    "DEFAULT_TZ",
    "DialogPanel",
    "FailureSnapshot",
    "Options",
    "Panel",
    "Screen",
    "SearchScreen",
    "accessible_names",
    "full_screenshot",
    "snapshot_failure",
    "verb",
]

DEFAULT_TZ = "America/Chicago"
DEFAULT_TIMEOUT_MS = 10_000
# An element on a screen that has finished loading is there at once; a short wait only absorbs
# re-renders. A layout change then fails fast with ElementMissing instead of a long timeout.
ELEMENT_TIMEOUT_MS = 2_000

LOADING = re.compile(r"^\s*Loading")
ERROR_HEADING = "Something went wrong"
RATE_LIMIT_TEXT = re.compile(r"too many requests", re.IGNORECASE)
RETRY_IN = re.compile(r"Try again in (\d+) seconds")
_NAMES_JS = """els => els.map(e => (e.getAttribute('aria-label') || e.innerText || e.textContent || '')
    .replace(/\\s+/g, ' ').trim()).filter(Boolean)"""


def accessible_names(scope: Locator, role: str) -> list[str]:
    """The names of every element of ``role`` in ``scope`` (for 'the screen has ...' messages)."""
    try:
        # role is one of the ARIA role names Playwright accepts; callers pass literals.
        names: list[str] = scope.get_by_role(role).evaluate_all(_NAMES_JS)  # type: ignore[arg-type]
        return names
    except PlaywrightError:
        return []


class Options(TypedDict, total=False):
    """The keyword options every page object takes: the seller's zone and the wait timeout (ms)."""

    tz: str | ZoneInfo
    timeout: float


P = ParamSpec("P")
R = TypeVar("R")
B = TypeVar("B", bound="_Base")


def verb(fn: Callable[Concatenate[B, P], R]) -> Callable[Concatenate[B, P], R]:
    """Run a page-object verb or reader with Playwright failures translated into page errors."""
    doing = fn.__name__.replace("_", " ").strip()

    def wrapper(self: B, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._translated(doing):
            return fn(self, *args, **kwargs)

    functools.update_wrapper(wrapper, fn)
    return wrapper


def _dropped(exc: PlaywrightError) -> bool:
    """A navigation that failed because the connection did: a network error, or a navigation cut
    short by the browser's own error page for an earlier dropped load ("interrupted by another
    navigation to chrome-error://chromewebdata/"), which a retry right after a drop can meet."""
    text = str(exc)
    return "net::ERR" in text or "chrome-error://" in text


class _Base:
    """What screens and panels share: the page, the seller's zone, timeouts, error translation."""

    name: str = "Seller Center"  # the screen's name in error messages

    def __init__(self, page: Page, *, tz: str | ZoneInfo = DEFAULT_TZ, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        self.page = page
        self.tz = zone(tz)
        self.timeout = timeout
        self.error_heading = page.get_by_role("heading", name=ERROR_HEADING)
        self.login_heading = page.get_by_role("heading", name="Sign in to Seller Center")
        self.rate_heading = page.get_by_role("heading", name=RATE_LIMIT_TEXT)
        self.not_found_heading = page.get_by_role("heading", name="Page not found", exact=True)
        # Either error heading: one round trip tells that nothing went wrong (the usual answer).
        self.stopped = self.error_heading.or_(self.rate_heading)

    # ----------------------------------------------------------------- diagnosis

    def _raise_if_interrupted(self) -> None:
        """Raise the error that explains why the screen is not what we expected, if any."""
        url = self.page.url
        # Error pages first: a 5xx or 429 answered to the sign-in form is transient, not an expiry.
        if self.stopped.count():
            if self.error_heading.count():
                raise ServerError(
                    f"Seller Center answered 'Something went wrong' on {self.name}.", screen=self.name, url=url
                )
            if self.rate_heading.count():
                wait = RETRY_IN.search(self.page.locator("body").inner_text())
                raise RateLimited(float(wait[1]) if wait else None, screen=self.name, url=url)
        if self._at_login():
            raise SessionExpired(screen=self.name, url=self.page.url)  # where it went meanwhile: the sign-in page

    def _at_login(self) -> bool:
        """The browser sits on the sign-in pages (the URL: no round trip)."""
        return urlparse(self.page.url).path.rstrip("/") in ("/login", "/login/verify")

    def _missing(self, looked_for: str, *, role: str = "button", scope: Locator | None = None) -> ElementMissing:
        self._raise_if_interrupted()
        available = accessible_names(scope if scope is not None else self._scope(), role)
        kind = f"{role}es" if role.endswith(("x", "s")) else f"{role}s"
        return ElementMissing(self.name, looked_for, self.page.url, available=available, kind=kind)

    def _scope(self) -> Locator:
        return self.page.locator("body")  # CSS: the whole document is the default search scope

    def _require(
        self,
        locator: Locator,
        looked_for: str,
        *,
        role: str = "button",
        scope: Locator | None = None,
        timeout: float | None = None,
    ) -> Locator:
        """``locator`` once visible, or ElementMissing listing the ``role`` elements there are."""
        try:
            expect(locator).to_be_visible(timeout=timeout or min(ELEMENT_TIMEOUT_MS, self.timeout))
        except AssertionError:
            raise self._missing(looked_for, role=role, scope=scope) from None
        return locator

    def _click(self, locator: Locator, looked_for: str, *, role: str = "button", scope: Locator | None = None) -> None:
        """Click ``locator`` (Playwright waits until it is visible, stable and enabled), or
        ElementMissing listing the ``role`` elements there are when it does not show up within the
        element timeout: ``_require`` and the click in one round trip."""
        try:
            locator.click(timeout=min(ELEMENT_TIMEOUT_MS, self.timeout))
            return
        except PlaywrightTimeoutError:
            if not locator.count():
                raise self._missing(looked_for, role=role, scope=scope) from None
        locator.click(timeout=self.timeout)  # there but not clickable yet (covered, moving): the action's own wait

    @contextmanager
    def _translated(self, doing: str) -> Iterator[None]:
        """Turn Playwright failures inside the block into page errors."""
        try:
            yield
        except PageError:
            raise
        except (PlaywrightTimeoutError, AssertionError) as exc:
            self._raise_if_interrupted()
            raise ScreenNotReached(self.name, doing, self.page.url) from exc
        except PlaywrightError as exc:
            if _dropped(exc):
                raise ConnectionLost(
                    f"The connection dropped while {doing} on {self.name}.", screen=self.name, url=self.page.url
                ) from exc
            raise

    # ----------------------------------------------------------------- navigation

    def _submit(self, button: Locator, doing: str) -> None:
        """Click a form's submit button or a link, and wait for the new page it loads."""
        with self._translated(doing), self.page.expect_navigation(timeout=self.timeout):
            button.click(timeout=self.timeout)

    def _goto(self, path: str) -> None:
        """Open ``path`` (relative to the current site, or the context's base_url)."""
        url = urljoin(self.page.url, path) if self.page.url.startswith("http") else path
        try:
            response = self.page.goto(url)
        except PlaywrightError as exc:
            if _dropped(exc):
                raise ConnectionLost(f"The connection dropped opening {path}.", screen=self.name, url=url) from exc
            raise
        if response is None:
            return
        if response.status == 429:
            retry = response.headers.get("retry-after")
            raise RateLimited(float(retry) if retry and retry.isdigit() else None, screen=self.name, url=response.url)
        if response.status >= 500:
            raise ServerError(
                f"Seller Center answered HTTP {response.status} on {self.name}.",
                status=response.status,
                screen=self.name,
                url=response.url,
            )


class Screen(_Base):
    """A full Seller Center page; its landmark is the level-1 heading ``heading``."""

    heading: str | re.Pattern[str] = ""  # an instance may set its own (a case ID, a subject)
    path: ClassVar[str | None] = None

    def __init__(self, page: Page, *, tz: str | ZoneInfo = DEFAULT_TZ, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        super().__init__(page, tz=tz, timeout=timeout)
        self.main = page.get_by_role("main")
        self.landmark = page.get_by_role("heading", level=1, name=self.heading, exact=True)
        self.loading = page.get_by_role("status").filter(has_text=LOADING)

    def _scope(self) -> Locator:
        return self.main

    @classmethod
    def open(cls, page: Page, *, tz: str | ZoneInfo = DEFAULT_TZ, timeout: float = DEFAULT_TIMEOUT_MS) -> Self:
        """Navigate straight to the screen's URL and wait until it is ready."""
        screen = cls(page, tz=tz, timeout=timeout)
        if cls.path is None:  # pragma: no cover - programming error
            raise TypeError(f"{cls.__name__} has no URL of its own")
        screen._goto(cls.path)
        return screen.wait_until_ready()

    def wait_until_ready(self) -> Self:
        """Expect the landmark and the end of loading; raise the error that explains a failure.

        The usual case in two round trips: wait for the end of loading ("Loading…" gone, main no
        longer busy: a count, polled cheaply), then one count says the landmark is there with no
        error heading and nothing loading. Anything else (an error or sign-in page, a screen not
        rendered yet, a landmark that never shows) takes the full diagnosis below. Waiting for the
        landmark itself is what that diagnosis does first, but not the first thing: a visibility
        expectation that is not met yet snapshots the page's whole accessibility tree at every
        poll (for its failure message), which cost ~35 ms of renderer CPU a screen while the
        screen loads (docs/performance.md)."""
        try:
            expect(self._busy).to_have_count(0, timeout=self.timeout)
        except AssertionError:
            self._raise_if_interrupted()
            if self.landmark.count():
                raise ScreenNotReached(self.name, "the end of loading ('Loading…' still shown)", self.page.url) from None
            raise self._not_reached() from None
        if self._ready.count():
            return self
        return self._diagnose_ready()

    @property
    def _busy(self) -> Locator:
        """"Loading…" shown, or main busy (``aria-busy``)."""
        return self.loading.or_(self.main.and_(self.page.locator('[aria-busy="true"]')))

    @property
    def _ready(self) -> Locator:
        """The document when the screen is ready: its landmark shown, no error heading, nothing
        loading (one count of this is the whole check)."""
        return (self.page.locator("body").filter(has=self.landmark.filter(visible=True))
                .filter(has_not=self.stopped).filter(has_not=self._busy))

    @property
    def _looked_for(self) -> str:
        return f"heading '{self.heading if isinstance(self.heading, str) else self.heading.pattern}'"

    def _not_reached(self) -> ScreenNotReached:
        """The landmark is not there: which headings are."""
        seen = accessible_names(self.page.locator("body"), "heading")
        return ScreenNotReached(self.name, self._looked_for, self.page.url, seen=f"headings {seen}" if seen else None)

    def _diagnose_ready(self) -> Self:
        """The landmark (or a stop) waited for, then every check one by one: the error that
        explains why the screen is not ready, or the screen once it is."""
        looked_for = self._looked_for
        try:
            landmark_or_stop = self.landmark.or_(self.login_heading).or_(self.error_heading).or_(self.rate_heading)
            expect(landmark_or_stop.or_(self.not_found_heading).first).to_be_visible(timeout=self.timeout)
        except AssertionError:
            self._raise_if_interrupted()
            raise self._not_reached() from None
        if self.stopped.or_(self.not_found_heading).count():  # one round trip when all is well
            self._raise_if_interrupted()
            if self.not_found_heading.count() and not self.landmark.count():
                # This site has no such screen (e.g. no Transactions dashboard): say so at once.
                raise ScreenNotReached(self.name, looked_for, self.page.url, seen="heading 'Page not found'")
        elif self._at_login():
            self._raise_if_interrupted()  # as the screen says it (the sign-in screen itself overrides it)
        try:  # "Loading…" gone and main no longer busy, in one wait
            expect(self._busy).to_have_count(0, timeout=self.timeout)
        except AssertionError:
            self._raise_if_interrupted()
            raise ScreenNotReached(self.name, "the end of loading ('Loading…' still shown)", self.page.url) from None
        self._raise_if_interrupted()
        if not self.landmark.count():
            raise ScreenNotReached(self.name, looked_for, self.page.url)
        return self


NOT_FOUND = re.compile(r"No results found for")
TOO_OLD = re.compile(r"is older than \d+ days")


class SearchScreen(Screen):
    """A screen with a labelled search box and a "Search" button, answering "No results found
    for ..." or "... is older than 90 days" in a ``status`` (Payments, Transactions, Returns,
    Disputes)."""

    search_label: ClassVar[str]

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        # get_by_label: the box is a searchbox on the mock and may be a textbox elsewhere.
        self.query = page.get_by_label(self.search_label, exact=True)
        self.search_button = self.main.get_by_role("button", name="Search", exact=True)
        self.not_found = page.get_by_role("status").filter(has_text=NOT_FOUND)
        self.too_old = page.get_by_role("status").filter(has_text=TOO_OLD)

    @classmethod
    def open_search(cls, page: Page, number: str, **kwargs: Unpack[Options]) -> Self:
        """The screen's answer for ``number`` opened straight from its URL (the search form is a
        GET form: ``?q=<number>``): one page load instead of opening the screen, then searching."""
        screen = cls(page, **kwargs)
        if cls.path is None:  # pragma: no cover - programming error
            raise TypeError(f"{cls.__name__} has no URL of its own")
        separator = "&" if "?" in cls.path else "?"
        screen._goto(f"{cls.path}{separator}{urlencode({'q': number})}")
        return screen.wait_until_ready()

    def shows_search(self, number: str) -> bool:
        """Is the page still this screen's answer for ``number``? (A drawer or dialog opened and
        closed on it changes nothing; any other screen visited since does.)"""
        url = urlparse(self.page.url)
        return url.path == urlparse(self.path or "").path and parse_qs(url.query).get("q") == [number]

    def _submit_search(self, number: str) -> None:
        """Type ``number``, press Search and wait for the answer to load."""
        self._require(self.query, f"textbox '{self.search_label}'", role="textbox").fill(number, timeout=self.timeout)
        self._submit(self._require(self.search_button, "button 'Search'"), f"searching for {number}")
        self.wait_until_ready()

    @property
    def no_result(self) -> Locator:
        """Either notice that the search found nothing."""
        return self.too_old.or_(self.not_found)

    def _raise_for_notices(self, number: str, notices: Iterable[str]) -> None:
        """``OrderTooOld`` / ``OrderNotFound`` when one of these texts of ``no_result`` says so."""
        shown = list(notices)
        if any(TOO_OLD.search(t) for t in shown):
            raise OrderTooOld(number, screen=self.name, url=self.page.url)
        if any(NOT_FOUND.search(t) for t in shown):
            raise OrderNotFound(number, screen=self.name, url=self.page.url)

    def _raise_if_no_result(self, number: str) -> None:
        """``OrderTooOld`` / ``OrderNotFound`` when the screen says so."""
        if not self.no_result.count():  # one round trip for a screen with results
            return
        if self.too_old.count():
            raise OrderTooOld(number, screen=self.name, url=self.page.url)
        if self.not_found.count():
            raise OrderNotFound(number, screen=self.name, url=self.page.url)


class Panel(_Base):
    """A widget inside a screen (dialog, drawer, expanded region) rooted at ``root``."""

    def __init__(
        self, page: Page, root: Locator, *, tz: str | ZoneInfo = DEFAULT_TZ, timeout: float = DEFAULT_TIMEOUT_MS
    ) -> None:
        super().__init__(page, tz=tz, timeout=timeout)
        self.root = root
        self.loading = root.get_by_role("status").filter(has_text=LOADING)

    def _scope(self) -> Locator:
        return self.root

    def _parts(self) -> dict[str, Locator]:
        """What the panel shows once it has loaded, besides its root: {what, for an error message:
        a locator *relative to the root* (``page.get_by_role(...)``, searched inside it)}."""
        return {}

    def wait_until_ready(self) -> Self:
        """The root shown and done loading, then its parts shown; raise the error that explains a
        failure. When all is well, the parts and the absence of an error heading are one count."""
        try:
            expect(self.root).to_be_visible(timeout=self.timeout)
            expect(self.loading).to_have_count(0, timeout=self.timeout)
        except AssertionError:
            self._raise_if_interrupted()
            raise ScreenNotReached(self.name, f"{self.name} to open and finish loading", self.page.url) from None
        parts = self._parts()
        shown = self.root
        for part in parts.values():
            shown = shown.filter(has=part.filter(visible=True))
        if self.page.locator("body").filter(has=shown).filter(has_not=self.stopped).count():
            return self
        self._raise_if_interrupted()
        for what, part in parts.items():
            with self._translated(f"waiting for {what}"):
                expect(self.root.locator(part)).to_be_visible(timeout=self.timeout)
        return self


class DialogPanel(Panel):
    """A ``dialog`` (modal or drawer) named ``dialog_name`` with a "Close" button."""

    dialog_name = ""

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, page.get_by_role("dialog", name=self.dialog_name), **kwargs)
        self.close_button = self.root.get_by_role("button", name="Close", exact=True)

    @verb
    def close(self) -> None:
        self._click(self.close_button, "button 'Close'", scope=self.root)
        try:
            expect(self.root).to_be_hidden(timeout=self.timeout)
        except AssertionError:
            raise ScreenNotReached(self.name, f"the {self.name} dialog to close", self.page.url) from None


# --------------------------------------------------------------------------- failure snapshots


@dataclass(frozen=True)
class FailureSnapshot:
    """What the collector keeps when a step fails: files written, and where the browser was."""

    screenshot: Path | None
    html: Path | None
    url: str


# The height a screenshot needs so that an open dialog or drawer shows all of its content: Seller
# Center's drawers are fixed-position and scroll inside, so a full-page screenshot of the document
# alone cuts them at the window's edge (the refund details and the dispute area are at the bottom).
CONTENT_HEIGHT_JS = """() => {
  const tallest = [...document.querySelectorAll('[role=dialog], dialog[open]')]
    .filter((el) => el.offsetParent !== null || getComputedStyle(el).position === 'fixed')
    .map((el) => el.getBoundingClientRect().top + el.scrollHeight);
  return Math.ceil(Math.max(document.documentElement.scrollHeight, ...tallest));
}"""
_MAX_SHOT_HEIGHT = 16000  # Chromium's texture limit is ~16k px


def full_screenshot(page: Page, content_height: int | None = None) -> bytes:
    """A PNG of everything the screen shows, open dialogs and drawers included in full.

    The viewport is stretched to the content's height for the shot and then put back.
    ``content_height``: what ``CONTENT_HEIGHT_JS`` answered just before, when the caller read it.
    """
    viewport = page.viewport_size
    if content_height is None:
        content_height = int(page.evaluate(CONTENT_HEIGHT_JS))
    needed = min(content_height, _MAX_SHOT_HEIGHT)
    if viewport is None or needed <= viewport["height"]:
        return page.screenshot(full_page=True, animations="disabled")
    page.set_viewport_size({"width": viewport["width"], "height": needed})
    try:
        return page.screenshot(full_page=True, animations="disabled")
    finally:
        page.set_viewport_size(viewport)


def snapshot_failure(page: Page, folder: str | Path, name: str) -> FailureSnapshot:
    """Write ``<name>.png`` and ``<name>.html`` of the page into ``folder`` (best effort).

    Called by the collector when a step fails; a page that is already closed still yields the URL.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "failure"
    screenshot: Path | None = out / f"{stem}.png"
    html: Path | None = out / f"{stem}.html"
    try:
        screenshot.write_bytes(full_screenshot(page))  # type: ignore[union-attr]
    except PlaywrightError:
        screenshot = None
    try:
        content = page.content()
    except PlaywrightError:
        html = None
    else:
        html = out / f"{stem}.html"
        tmp = out / f".{stem}.html.tmp"
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(html)
    return FailureSnapshot(screenshot=screenshot, html=html, url=page.url)
