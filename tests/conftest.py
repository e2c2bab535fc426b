"""Shared test fixtures.

Browser tests use pytest-playwright's fixtures, extended here rather than replaced: the launch
arguments come from the same browser-discovery function the collector uses.
"""

from __future__ import annotations

from typing import Any

import pytest

from collector.browser import find_browser, launch_options


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], playwright: Any) -> dict[str, Any]:
    choice = find_browser(playwright.chromium)
    options = launch_options(choice, headless=browser_type_launch_args.get("headless", True))
    return {**browser_type_launch_args, **options}
