"""The browser the collector launches holds one renderer per page, nothing more."""

from __future__ import annotations

from typing import Any


def _with_two_pages(browser: Any, method: str) -> dict[str, Any]:
    """What the browser answers ``method`` (a CDP browser method) while two contexts each show a page."""
    contexts = [browser.new_context() for _ in range(2)]
    try:
        for context in contexts:
            context.new_page().goto("data:text/html,<h1>order</h1>")
        session = browser.new_browser_cdp_session()
        answer: dict[str, Any] = session.send(method)
        session.detach()
    finally:
        for context in contexts:
            context.close()
    return answer


def test_no_address_bar_popup_is_preloaded_for_each_context(browser: Any) -> None:
    """Recent Chromium builds preload the address bar's WebUI popups in a renderer of their own for
    every window (every worker's browser context): about 40 MiB each for nothing we use."""
    targets = _with_two_pages(browser, "Target.getTargets")["targetInfos"]
    ui = [t["url"] for t in targets if t["type"] == "browser_ui"]
    assert ui == [], f"browser UI pages preloaded: {ui}"
    assert sum(t["type"] == "page" for t in targets) >= 2


def test_no_spare_renderer_is_kept_started_ahead(browser: Any) -> None:
    """Chromium keeps a renderer process started ahead for the next tab or cross-site navigation;
    a job's contexts stay on one site, so it would be 20-70 MiB held for nothing: one renderer
    per page, none more (collector.browser.QUIET_ARGS)."""
    processes = _with_two_pages(browser, "SystemInfo.getProcessInfo")["processInfo"]
    assert sum(p["type"] == "renderer" for p in processes) == 2, processes
