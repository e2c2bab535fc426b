"""The transaction dialogs: photographed whole (down to the dispute area), and closed."""

from __future__ import annotations

import struct
from typing import Any

from playwright.sync_api import expect

from evidence.models import DisputeState
from fixtures.site import MockSite
from pages import SearchTransactionsTab, TransactionsDashboard, full_screenshot
from tests.pages.conftest import pick_refund


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_drawer_taller_than_the_window_is_photographed_to_its_dispute_area(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    order, txn = pick_refund(site.scenario, DisputeState.OPEN)
    signed_in_page.set_viewport_size({"width": 1280, "height": 600})
    signed_in_page.goto(f"/transactions?q={order.po}")
    drawer = TransactionsDashboard(signed_in_page, **kw).wait_until_ready().open_details(txn.transaction_id)
    dispute = signed_in_page.get_by_role("dialog").get_by_role("region", name="Dispute")
    bottom = dispute.evaluate(
        "el => el.getBoundingClientRect().bottom + el.closest('dialog, [role=dialog]').scrollTop"
    )
    assert bottom > 600, "the dispute area starts below the window: the test needs a tall drawer"

    png = full_screenshot(signed_in_page)

    assert _png_size(png)[1] >= bottom  # the dispute area is inside the picture
    assert signed_in_page.viewport_size == {"width": 1280, "height": 600}  # the window is put back
    assert drawer.read().dispute.state is DisputeState.OPEN  # and the screen still reads normally


def test_both_transaction_dialogs_close_with_their_close_button(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any]
) -> None:
    order, txn = pick_refund(site.scenario, DisputeState.OPEN)
    signed_in_page.goto(f"/transactions?q={order.po}")
    TransactionsDashboard(signed_in_page, **kw).wait_until_ready().open_details(txn.transaction_id).close()
    history = SearchTransactionsTab.open(signed_in_page, **kw).search(order.po).expand()
    history.open_details(txn.transaction_id).close()
    expect(signed_in_page.get_by_role("dialog")).to_have_count(0)
