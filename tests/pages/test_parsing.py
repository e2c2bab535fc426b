"""Screen text -> typed values, without a browser."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from evidence.models import CaseStatus, Channel, RefundChannel, TransactionType
from pages.errors import UnreadableValue
from pages.parsing import (
    parse_bool,
    parse_case_status,
    parse_channel,
    parse_date,
    parse_datetime,
    parse_line_numbers,
    parse_money,
    parse_optional_money,
    parse_refund_channel,
    parse_transaction_type,
    parse_when,
)

CHICAGO = "America/Chicago"


@pytest.mark.parametrize(
    ("text", "amount"),
    [("$1,234.56", "1234.56"), ("-$12.00", "-12.00"), ("\u2212$0.50", "-0.50"), ("($7.25)", "-7.25"), ("$0", "0.00")],
)
def test_money_is_read_exactly_with_its_sign(text: str, amount: str) -> None:
    money = parse_money(text)
    assert money.amount == Decimal(amount)
    assert money.currency == "USD"


@pytest.mark.parametrize("text", ["12.00", "$1,23.00", "USD 5", "", "$12.345"])
def test_money_that_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(UnreadableValue, match="is not an amount"):
        parse_money(text)


def test_a_dash_means_no_amount() -> None:
    assert parse_optional_money("—") is None


def test_winter_time_in_chicago_is_six_hours_behind_utc() -> None:
    assert parse_datetime("Nov 20, 2026, 3:15 PM CST", CHICAGO) == datetime(2026, 11, 20, 21, 15, tzinfo=UTC)


def test_summer_time_in_chicago_is_five_hours_behind_utc() -> None:
    assert parse_datetime("Jul 4, 2026, 9:05 AM CDT", CHICAGO) == datetime(2026, 7, 4, 14, 5, tzinfo=UTC)


def test_the_repeated_hour_at_the_end_of_dst_is_told_apart_by_the_abbreviation() -> None:
    first = parse_datetime("Nov 1, 2026, 1:30 AM CDT", CHICAGO)
    second = parse_datetime("Nov 1, 2026, 1:30 AM CST", CHICAGO)
    assert (second - first).total_seconds() == 3600
    assert first == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_an_abbreviation_the_seller_zone_does_not_use_then_is_refused() -> None:
    with pytest.raises(UnreadableValue, match="expected CST"):
        parse_datetime("Nov 20, 2026, 3:15 PM CDT", CHICAGO)
    with pytest.raises(UnreadableValue, match="America/Chicago"):
        parse_datetime("Nov 20, 2026, 3:15 PM EST", CHICAGO)


def test_other_seller_zones_are_honoured() -> None:
    assert parse_datetime("Nov 20, 2026, 3:15 PM PST", "America/Los_Angeles") == datetime(
        2026, 11, 20, 23, 15, tzinfo=UTC
    )


def test_a_date_alone_is_the_start_of_that_day_in_the_seller_zone() -> None:
    assert parse_date("Nov 20, 2026") == date(2026, 11, 20)
    assert parse_when("Nov 20, 2026", CHICAGO) == datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def test_garbage_times_are_refused_with_the_text_in_the_message() -> None:
    with pytest.raises(UnreadableValue, match="'yesterday'"):
        parse_when("yesterday", CHICAGO)


def test_screen_labels_become_enums() -> None:
    assert parse_transaction_type("Walmart Customer Care refund") is TransactionType.CUSTOMER_CARE_REFUND
    assert parse_transaction_type("Sale") is TransactionType.SALE
    assert parse_channel("Customer Care") is Channel.CUSTOMER_CARE
    assert parse_channel("In store") is Channel.IN_STORE
    assert parse_refund_channel("WALMART_TRIGGERED_REFUND") is RefundChannel.WALMART_TRIGGERED_REFUND
    assert parse_refund_channel("—") is None
    assert parse_case_status("Appeal submitted") is CaseStatus.APPEAL_SUBMITTED


def test_unknown_labels_are_refused_naming_the_choices() -> None:
    with pytest.raises(UnreadableValue, match="Walmart Customer Care refund"):
        parse_transaction_type("Chargeback")
    with pytest.raises(UnreadableValue, match="In review"):
        parse_case_status("Pending")


def test_yes_no_and_line_lists() -> None:
    assert parse_bool("Yes") is True
    assert parse_bool("No") is False
    with pytest.raises(UnreadableValue):
        parse_bool("Maybe")
    assert parse_line_numbers("1, 2") == [1, 2]
    assert parse_line_numbers("—") == []
