"""Policy files: the packaged versions load; selection by id and by date; invalid files say what is wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from evidence.policy import PolicyError, PolicyRegistry, default_registry, load_policy_file, load_policy_text
from evidence.policy.model import DisputeAnchor
from tests.evidence.policy.factories import utc

DATA = Path(__file__).resolve().parents[3] / "evidence" / "policy" / "data"
GOOD = (DATA / "walmart-cc-2024-11.toml").read_text(encoding="utf-8")


def test_packaged_versions_carry_the_documented_parameters():
    reg = default_registry()
    old, new = reg.get("walmart-cc-2022"), reg.get("walmart-cc-2024-11")
    assert (old.dispute_window.anchor, old.dispute_window.days) == (DisputeAnchor.SETTLEMENT_DATE, 45)
    assert (new.dispute_window.anchor, new.dispute_window.hours) == (DisputeAnchor.ISSUED_AT, 48)
    for policy in (old, new):
        assert (policy.reply_window.hours, policy.reply_window.complaint_hours) == (48, 1)
        assert (policy.appeal_window.days, policy.search.horizon_days) == (30, 90)
        assert (policy.return_window.days, policy.return_window.starts_days_after_ship) == (30, 7)
        assert {(w.type, w.days) for w in policy.related_windows} == {
            ("customer_return", 45),
            ("failed_delivery", 45),
            ("incorrect_referral_fee", 90),
        }
    assert {c.value for c in new.not_disputable.cases} == {
        "seller_initiated",
        "keep_it",
        "extended_returns",
        "lost_in_store",
        "missed_reply",
    }


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2020, 12, 1), "walmart-cc-2022"),
        (date(2024, 11, 7), "walmart-cc-2022"),
        (date(2024, 11, 8), "walmart-cc-2024-11"),
        (date(2028, 2, 29), "walmart-cc-2024-11"),
    ],
)
def test_version_is_chosen_by_the_refund_date(day, expected):
    assert default_registry().for_date(day).id == expected


def test_refund_date_is_taken_in_the_seller_zone():
    # 2024-11-08 03:00Z is still 7 November in Chicago: the 2022 rules applied
    reg = default_registry()
    assert reg.for_refund(utc(2024, 11, 8, 3, 0), "America/Chicago").id == "walmart-cc-2022"
    assert reg.for_refund(utc(2024, 11, 8, 3, 0), "UTC").id == "walmart-cc-2024-11"


def test_a_setting_overrides_the_date():
    reg = default_registry()
    assert reg.select(policy_id="walmart-cc-2022", issued_at=utc(2026, 1, 1), timezone="UTC").id == "walmart-cc-2022"


def test_unknown_id_lists_the_known_ones():
    with pytest.raises(PolicyError, match="unknown policy id 'walmart-cc-1999'.*walmart-cc-2022, walmart-cc-2024-11"):
        default_registry().get("walmart-cc-1999")


def test_no_version_before_the_first():
    with pytest.raises(PolicyError, match="no policy version is in effect on 2019-05-01"):
        default_registry().for_date(date(2019, 5, 1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("format = 1", "format = 2", "format 2 is not supported"),
        ("hours = 48\nlate_is_final", "hours = 48\ndays = 2\nlate_is_final", "exactly one of days or hours"),
        ('anchor = "issued_at"', 'anchor = "refund_date"', "dispute_window.anchor: Input should be"),
        (
            "[search]\nhorizon_days = 90",
            '[search]\nhorizon_days = "90"',
            "search.horizon_days: Input should be a valid integer",
        ),
        (
            "[search]\nhorizon_days = 90",
            "[search]\nhorizon_days = 90\nhorizon_weeks = 12",
            "search.horizon_weeks: Extra inputs",
        ),
        (
            "effective_from = 2024-11-08",
            "effective_from = 2024-11-08\neffective_to = 2024-01-01",
            "effective_to must be after",
        ),
        ('"Electronics" = 15', '"Electronics" = 0', "category_days must be at least 1 day"),
        ('cases = ["seller_initiated"', 'cases = ["seller_pays"', "not_disputable.cases[0]"),
        ("format = 1", "format = = 1", "not valid TOML"),
    ],
)
def test_invalid_policy_files_name_the_bad_key(old, new, message):
    assert old in GOOD
    with pytest.raises(PolicyError) as err:
        load_policy_text(GOOD.replace(old, new, 1), "bad.toml")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_settlement_anchor_in_hours_is_rejected():
    text = GOOD.replace('anchor = "issued_at"', 'anchor = "settlement_date"', 1)
    with pytest.raises(PolicyError, match="must be given in days"):
        load_policy_text(text)


def test_file_name_must_match_the_id(tmp_path):
    path = tmp_path / "walmart-cc-2030.toml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(PolicyError, match="does not match the file name"):
        load_policy_file(path)


def test_overlapping_versions_are_refused():
    first = load_policy_text(GOOD)
    second = load_policy_text(
        GOOD.replace('id = "walmart-cc-2024-11"', 'id = "walmart-cc-2025"').replace(
            "effective_from = 2024-11-08", "effective_from = 2025-06-01"
        )
    )
    with pytest.raises(PolicyError, match="effective dates overlap walmart-cc-2024-11"):
        PolicyRegistry([first, second])


def test_unknown_seller_zone_is_a_clear_error_when_choosing_by_date():
    with pytest.raises(ValueError, match="unknown time zone 'Nowhere/City'"):
        default_registry().for_refund(utc(2025, 1, 1), "Nowhere/City")
