"""``--now`` times: out-of-range years are refused with one readable line, not an OverflowError."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from evidence.policy import parse_instant


@pytest.mark.parametrize(
    "text",
    ["0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59+00:00",
     "9999-12-31T23:59:59-12:00", "1969-12-31T23:59:59Z", "9001-01-01T00:00Z"],
)
def test_a_time_outside_the_supported_years_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"the time '{text}' is out of range (years 1970 to 9000)")):
        parse_instant(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1970-01-01T00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
     ("9000-12-31T12:00-06:00", datetime(9000, 12, 31, 18, 0, tzinfo=UTC)),
     ("2026-11-21T03:00Z", datetime(2026, 11, 21, 3, 0, tzinfo=UTC))],
)
def test_times_inside_the_range_are_read(text: str, expected: datetime) -> None:
    assert parse_instant(text) == expected
