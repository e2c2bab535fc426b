"""Evidence screenshots show a whole drawer, down to the dispute area, not just the window's part."""

from __future__ import annotations

import struct
from typing import Any

from evidence.models import DisputeState
from fixtures.site import MockSite
from pages import TransactionsDashboard, full_screenshot
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
