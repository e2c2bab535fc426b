"""Fixtures for the page-object tests: the mock on the default scenario, tuned for coverage.

The default scenario is loaded and adjusted (never copied by hand): pages of 3 rows, so that the
Disputes list, the Inbox and the Transactions scan all paginate, and a return attached to a
refund in each dispute state, so that the Returns layout can be read in every state. The shared
``site`` and ``signed_in_page`` fixtures (tests/conftest.py) then run against this mock, because
``mock_site`` is overridden here; ``base_url`` and ``browser_context_args`` are overridden too,
since session-scoped fixtures would otherwise keep the URL of another mock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from evidence.models import DisputeState
from fixtures.scenario import Scenario, ScenarioOrder, ScenarioTransaction, load_scenario, parse_scenario
from fixtures.site import MockSite
from fixtures.site.disputes import DisputeBook

PAGE_SIZE = 3
STATES = tuple(DisputeState)


def refund_state(scenario: Scenario, txn: ScenarioTransaction) -> DisputeState:
    """The dispute state the scenario gives a transaction (the rule of docs/scenario-format.md)."""
    return DisputeBook(scenario).state(txn)


def refunds(scenario: Scenario) -> Iterator[tuple[ScenarioOrder, ScenarioTransaction]]:
    horizon = scenario.clock.now - timedelta(days=scenario.site.search_horizon_days)
    for order in scenario.orders:
        if order.order_date < horizon:
            continue
        for txn in order.transactions:
            if txn.is_refund:
                yield order, txn


def pick_refund(
    scenario: Scenario, state: DisputeState, *, with_return: bool = False
) -> tuple[ScenarioOrder, ScenarioTransaction]:
    """The first refund (within the 90-day horizon) in ``state``; with a return when asked."""
    for order, txn in refunds(scenario):
        has_return = any(r.refund_transaction_id == txn.transaction_id for r in order.returns)
        if refund_state(scenario, txn) is state and (has_return or not with_return):
            return order, txn
    raise LookupError(f"the scenario has no refund in state {state}{' with a return' if with_return else ''}")


def _tuned(scenario: Scenario) -> Scenario:
    data = scenario.model_dump(mode="json")
    data["site"]["page_size"] = PAGE_SIZE
    for state in STATES:
        try:
            pick_refund(scenario, state, with_return=True)
            continue
        except LookupError:
            order, txn = pick_refund(scenario, state)
        raw = next(o for o in data["orders"] if o["po"] == order.po)
        raw["returns"].append(
            {
                "rma": f"9{order.po}",
                "created_at": txn.posted_at.isoformat(),
                "channel": (txn.channel.value if txn.channel else "CUSTOMER_CARE"),
                "reason_code": txn.reason_code,
                "reason": txn.reason,
                "refund_channel": txn.refund_channel.value if txn.refund_channel else None,
                "keep_it": txn.keep_it,
                "line_numbers": txn.line_numbers,
                "tracking_events": [],
                "refund_transaction_id": txn.transaction_id,
            }
        )
    return parse_scenario(data)


@pytest.fixture(scope="session")
def mock_site() -> Iterator[MockSite]:
    """The mock on the tuned default scenario (the shared ``site`` fixture resets it per test)."""
    with MockSite(_tuned(load_scenario())) as running:
        yield running


@pytest.fixture(scope="session")
def base_url(mock_site: MockSite) -> str:
    return mock_site.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], base_url: str) -> dict[str, Any]:
    return {**browser_context_args, "base_url": base_url}


@pytest.fixture
def tz(site: MockSite) -> str:
    return site.scenario.seller.timezone


@pytest.fixture
def kw(tz: str) -> dict[str, Any]:
    """Page-object options: the seller's zone, and a timeout that fails a broken test quickly."""
    return {"tz": tz, "timeout": 8_000}
