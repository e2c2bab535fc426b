"""The Transactions drawer's order facts (lines, shipments, tracking events) read into ``Order``.

Expected values come from the scenario the mock serves (``site.scenario``), never from copies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from evidence.models import Order, Shipment
from fixtures.scenario import Scenario, ScenarioOrder, load_scenario
from fixtures.site import MockSite
from pages import TransactionsReader
from pages.parsing import parse_address
from tests.fixtures.helpers import MINIMAL, SALE_PO
from tests.pages.conftest import refunds


def minute(value: datetime) -> datetime:
    """Screens show times to the minute."""
    return value.replace(second=0, microsecond=0)


def as_shown(shipment: Shipment) -> Shipment:
    """A scenario shipment as the drawer can show it: times to the minute, events oldest first, no detail."""
    events = sorted(shipment.events, key=lambda e: e.time)
    return shipment.model_copy(
        update={
            "shipped_at": minute(shipment.shipped_at),
            "delivered_at": minute(shipment.delivered_at) if shipment.delivered_at else None,
            "events": [e.model_copy(update={"time": minute(e.time), "detail": None}) for e in events],
        }
    )


def first_order(scenario: Scenario, wanted: str) -> ScenarioOrder:
    orders = {o.po: o for o, _ in refunds(scenario)}
    horizon = scenario.clock.now.timestamp() - scenario.site.search_horizon_days * 86400
    orders.update({o.po: o for o in scenario.orders if o.transactions and o.order_date.timestamp() >= horizon})
    tests = {
        "two-shipments": lambda o: len(o.shipments) >= 2,
        "delivery-proof": lambda o: any(s.delivery_proof for s in o.shipments),
        "insured": lambda o: any(s.insured for s in o.shipments),
    }
    match = next((o for o in orders.values() if tests[wanted](o)), None)
    if match is None:
        raise LookupError(f"the scenario has no order with {wanted} within the search horizon")
    return match


def assert_matches(facts: Order | None, order: ScenarioOrder) -> None:
    assert facts is not None
    assert facts.po == order.po
    assert facts.customer_email == order.customer.relay_email
    assert facts.ship_to == order.customer.address
    assert facts.lines == order.lines
    assert facts.shipments == [as_shown(s) for s in order.shipments]


@pytest.mark.parametrize("wanted", ["two-shipments", "delivery-proof", "insured"])
def test_drawer_reads_the_orders_lines_shipments_and_tracking_as_the_scenario_has_them(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any], wanted: str
) -> None:
    order = first_order(site.scenario, wanted)

    facts = TransactionsReader(signed_in_page, **kw).read_order(order.po)

    assert_matches(facts, order)
    assert facts is not None and facts.shipments, "the order's shipments are missing from the evidence"


def test_an_order_with_no_shipment_reads_with_no_shipment_and_its_lines(page: Any) -> None:
    scenario = load_scenario(MINIMAL)
    order = scenario.order(SALE_PO)
    assert order is not None and not order.shipments
    with MockSite(scenario) as mini:
        page.context.add_cookies([mini.new_session_cookie()])
        page.goto(mini.url)  # the page objects open screens relative to the site shown now

        facts = TransactionsReader(page, tz=scenario.seller.timezone, timeout=8_000).read_order(order.po)

    assert_matches(facts, order)
    assert facts is not None and facts.shipments == []


@pytest.mark.parametrize(
    "text",
    [
        "4127 Maple Ridge Dr, Plano, TX 75024, US",  # no name
        "Dana Whitfield, 4127 Maple Ridge Dr, Plano, Texas",  # no ZIP
        "Dana Whitfield, Suite 4, Building B, 4127 Maple Ridge Dr, Plano, TX 75024",  # too many parts to place
        "\u2014",
    ],
)
def test_a_ship_to_that_does_not_parse_is_left_empty_rather_than_guessed(text: str) -> None:
    assert parse_address(text) is None


def test_a_ship_to_with_a_second_line_and_no_country_parses() -> None:
    address = parse_address("Dana Whitfield, 4127 Maple Ridge Dr, Apt 3, Plano, TX 75024-1234")
    assert address is not None
    assert (address.line2, address.city, address.state, address.postal_code, address.country) == (
        "Apt 3", "Plano", "TX", "75024-1234", "US"
    )


@pytest.mark.parametrize("po", ["4089262468838", "4619078251801"], ids=["with a return", "without"])
def test_drawer_lists_the_orders_returns_so_the_returns_search_can_be_skipped(
    signed_in_page: Any, site: MockSite, kw: dict[str, Any], po: str
) -> None:
    from pages.visit import TransactionsVisit

    (order,) = [o for o in site.scenario.orders if o.po == po]
    visit = TransactionsVisit(signed_in_page, po, **kw)
    cc = next(t for t in visit.transactions() if t.type.value == "CUSTOMER_CARE_REFUND")
    visit.refund(cc.transaction_id)
    assert visit.known_rmas() == [r.rma for r in order.returns]
