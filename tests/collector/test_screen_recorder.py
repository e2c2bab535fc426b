"""The readers' on_screen callback: one screenshot + snapshot per distinct screen (no browser)."""

from __future__ import annotations

from dataclasses import dataclass

from collector.handlers import ScreenRecorder


@dataclass
class FakePage:
    """Just what the recorder reads from a Playwright page."""

    url: str
    text: str
    screenshots: int = 0
    load: int = 0  # generated ids differ on every load, as on the real site
    viewport_size: dict[str, int] | None = None

    def evaluate(self, script: str) -> object:
        if "document.title" in script:  # the recorder's text, title, content height, markup and styles: one call
            return [self.text, self.title(), 0, self.content(), ""]  # nothing taller than the window
        if "outerHTML" in script:  # the snapshot's markup and styles
            return [self.content(), ""]
        return 0  # the content's height: nothing taller than the window

    def locator(self, selector: str) -> FakePage:
        assert selector == "body"
        return self

    def inner_text(self) -> str:
        return self.text

    def content(self) -> str:
        self.load += 1
        return f'<body><label for="search-{self.load}">Search</label>{self.text}</body>'

    def screenshot(self, **_: object) -> bytes:
        self.screenshots += 1
        return b"\x89PNG" + self.text.encode()

    def title(self) -> str:
        return "Seller Center"


def test_a_screen_revisited_unchanged_is_captured_once() -> None:
    recorder = ScreenRecorder()
    results = FakePage("https://sc.example/transactions?q=1", "<main>results</main>")
    drawer = FakePage("https://sc.example/transactions?q=1", "<main>results</main><dialog>details</dialog>")
    for page, screen in [(results, "transactions.search-results"), (drawer, "transactions.details"),
                         (results, "transactions.search-results"), (drawer, "transactions.details")]:
        recorder(screen, page)  # type: ignore[arg-type]
    assert [c.screen for c in recorder.captures] == ["transactions.search-results", "transactions.details"]
    assert [f.path for f in recorder.files] == [
        "captures/01-transactions.search-results.png", "captures/01-transactions.search-results.html",
        "captures/02-transactions.details.png", "captures/02-transactions.details.html",
    ]
    assert results.screenshots == 1 and drawer.screenshots == 1


def test_the_same_screen_showing_something_else_is_captured_again() -> None:
    recorder = ScreenRecorder()
    recorder("transactions.details", FakePage("https://sc.example/t", "<dialog>refund 1</dialog>"))  # type: ignore[arg-type]
    recorder("transactions.details", FakePage("https://sc.example/t", "<dialog>refund 2</dialog>"))  # type: ignore[arg-type]
    assert len(recorder.captures) == 2
