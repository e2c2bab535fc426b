"""Shared test fixtures.

Browser tests use pytest-playwright's fixtures, extended here rather than replaced: the launch
arguments come from the same browser-discovery function the collector uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from collector.browser import find_browser, launch_options
from fixtures.site import Faults, MockSite


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], playwright: Any) -> dict[str, Any]:
    choice = find_browser(playwright.chromium)
    options = launch_options(choice, headless=browser_type_launch_args.get("headless", True))
    return {**browser_type_launch_args, **options}


# --------------------------------------------------------------------------- the mock Seller Center


@pytest.fixture(scope="session")
def mock_site() -> Iterator[MockSite]:
    """The mock Seller Center on the default scenario, on a free port, for the whole session."""
    with MockSite() as running:
        yield running


@pytest.fixture
def site(mock_site: MockSite) -> MockSite:
    """The session's mock, reset before each test: no sessions, lockouts, filed disputes or faults."""
    mock_site.set_faults(Faults())
    mock_site.reset()
    return mock_site


@pytest.fixture(scope="session")
def base_url(mock_site: MockSite) -> str:
    """pytest-playwright's ``base_url``: ``page.goto("/payments")`` opens the mock."""
    return mock_site.url


@pytest.fixture
def signed_in_page(page: Any, site: MockSite) -> Any:
    """A ``page`` whose context is already signed in to the mock (no trip through the login form)."""
    page.context.add_cookies([site.new_session_cookie()])
    return page
