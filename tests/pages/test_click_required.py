"""Clicking a control the page object needs: one round trip when it is there, ElementMissing
(naming what the screen has) when a release renamed it, a wait when it is only covered."""

from __future__ import annotations

import time
from typing import Any

import pytest

from pages.errors import ElementMissing
from pages.transactions import TransactionDrawer, TransactionsDashboard

TABLE = """<main><table aria-label="Transactions"><tr><th>Actions</th></tr>
<tr><td><button aria-label="More actions for 1-CCR1" onclick="document.body.dataset.clicked='1-CCR1'">...</button></td></tr>
</table></main>"""


def test_a_renamed_button_is_element_missing_listing_the_buttons_there_are(page: Any) -> None:
    page.set_content(TABLE)
    dashboard = TransactionsDashboard(page, timeout=10_000)
    started = time.monotonic()
    with pytest.raises(ElementMissing, match=r"button 'More actions for 2-CCR9'.*'More actions for 1-CCR1'"):
        dashboard.open_details("2-CCR9")
    assert time.monotonic() - started < 8  # the element timeout, not the screen's 10 s


def test_a_button_covered_for_a_moment_is_clicked_once_it_is_free(page: Any) -> None:
    page.set_content(TABLE + """<div id="veil" style="position:fixed;inset:0;background:#fff"></div>
        <script>setTimeout(() => document.getElementById('veil').remove(), 2500)</script>""")
    dashboard = TransactionsDashboard(page, timeout=10_000)
    more = page.get_by_role("button", name="More actions for 1-CCR1")
    dashboard._click(more, "button 'More actions for 1-CCR1'")  # longer than the element timeout
    assert page.evaluate("document.body.dataset.clicked") == "1-CCR1"


def test_a_drawer_without_its_close_button_says_so(page: Any) -> None:
    page.set_content('<div role="dialog" aria-label="Transaction details"><button>Dismiss</button></div>')
    with pytest.raises(ElementMissing, match=r"button 'Close'.*'Dismiss'"):
        TransactionDrawer(page, timeout=10_000).close()
