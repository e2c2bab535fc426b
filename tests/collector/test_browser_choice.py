"""Which browser a job's browser server launches, found before any Playwright runs.

The order is: an explicit path, the Chromium ``playwright install chromium`` put in Playwright's
browser folder, the system Chromium. A job starts its browser server before any Playwright
driver runs, so Playwright's own browser is recognised by the folder and the marker file
Playwright writes when an install completes: on a machine where ``playwright install`` worked
and no system Chromium exists, the job must still find a browser.
"""

from __future__ import annotations

import json
from pathlib import Path

import playwright
import pytest

from collector import browser as browser_module
from collector.browser import BrowserNotFound, find_browser, playwright_chromium_installed


def _chromium_revision() -> str:
    listed = json.loads((Path(playwright.__file__).parent / "driver" / "package" / "browsers.json").read_text())
    return next(b["revision"] for b in listed["browsers"] if b["name"] == "chromium")


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ms-playwright"
    folder.mkdir()
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(folder))
    monkeypatch.delenv(browser_module.ENV_VAR, raising=False)
    return folder


def _install(registry: Path, revision: str, *, complete: bool = True) -> None:
    folder = registry / f"chromium-{revision}"
    folder.mkdir()
    if complete:
        (folder / "INSTALLATION_COMPLETE").write_text("")


def test_playwright_own_chromium_is_preferred_to_the_system_one(registry: Path) -> None:
    _install(registry, _chromium_revision())
    assert playwright_chromium_installed()
    choice = find_browser()
    assert (choice.source, choice.executable) == ("playwright", None)  # the server launches Playwright's own


def test_an_unfinished_or_other_release_install_is_not_taken(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(registry, _chromium_revision(), complete=False)  # a download cut short
    _install(registry, "1")  # another Playwright release's browser
    assert not playwright_chromium_installed()
    monkeypatch.setattr(browser_module, "find_system_chromium", lambda: "/usr/bin/chromium-of-the-system")
    assert find_browser().source == "system"


def test_no_browser_at_all_says_how_to_get_one(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_module, "find_system_chromium", lambda: None)
    with pytest.raises(BrowserNotFound, match="scripts/setup.sh"):
        find_browser()


def test_an_explicit_path_wins(registry: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _install(registry, _chromium_revision())
    exe = tmp_path / "my-chrome"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setenv(browser_module.ENV_VAR, str(exe))
    assert find_browser() == browser_module.BrowserChoice(str(exe), "explicit")
