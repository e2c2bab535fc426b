"""The shape of a policy file: one version of Walmart's Customer Care refund dispute rules.

A policy file is TOML (``evidence/policy/data/<id>.toml``), read with :mod:`tomllib` and
validated by :class:`Policy`: unknown keys, wrong types and impossible values are errors, reported
one line per problem with the dotted key path (see :func:`parse_policy`). Durations are whole
days or hours; the anchor says what they count from. Nothing here reads the clock or the disk.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

__all__ = [
    "AppealWindow",
    "DateBoundary",
    "DisputeAnchor",
    "DisputeWindow",
    "NotDisputable",
    "Policy",
    "PolicyError",
    "RelatedAnchor",
    "RelatedWindow",
    "ReplyWindow",
    "ReturnWindow",
    "SearchSettings",
    "NotDisputableCase",
    "Source",
    "POLICY_FORMAT",
    "parse_policy",
]

POLICY_FORMAT = 1  # the file format's major version; a file with another `format` is rejected


class PolicyError(ValueError):
    """A policy that cannot be used (bad file, unknown id, no version in effect).

    ``problems`` holds one line per problem; ``str()`` is a single line for the CLI.
    """

    def __init__(self, where: str, problems: list[str]) -> None:
        self.where = where
        self.problems = problems
        super().__init__(f"{where}: " + "; ".join(problems))


class _Strict(BaseModel):
    # strict: TOML has real types, so "45" for 45 or "true" for true is an error, not a guess.
    # Enum fields opt out (TOML has no enums; their text is checked against the allowed values).
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DisputeAnchor(StrEnum):
    SETTLEMENT_DATE = "settlement_date"  # the refund's payment settlement date (a date)
    ISSUED_AT = "issued_at"  # the refund's issue time (an instant)


class DateBoundary(StrEnum):
    """How "N days from <a date>" becomes an instant, in the seller's time zone (assumed)."""

    END_OF_DAY = "end_of_day"  # the window stays open through day N: closes at 00:00 of day N+1
    START_OF_DAY = "start_of_day"  # the window closes when day N begins (00:00 of day N)


class Source(_Strict):
    title: str = Field(min_length=1)
    where: str = Field(min_length=1)


class DisputeWindow(_Strict):
    anchor: DisputeAnchor = Field(strict=False)
    days: int | None = Field(default=None, ge=1)
    hours: int | None = Field(default=None, ge=1)
    date_boundary: DateBoundary = Field(default=DateBoundary.END_OF_DAY, strict=False)
    late_is_final: bool = False

    @model_validator(mode="after")
    def _one_length(self) -> DisputeWindow:
        if (self.days is None) == (self.hours is None):
            raise ValueError("give exactly one of days or hours")
        if self.anchor is DisputeAnchor.SETTLEMENT_DATE and self.hours is not None:
            raise ValueError("a window anchored on the settlement date (a date) must be given in days")
        return self

    @property
    def length(self) -> timedelta:
        return timedelta(days=self.days) if self.days is not None else timedelta(hours=self.hours or 0)


class ReplyWindow(_Strict):
    hours: int = Field(ge=1)
    complaint_hours: int = Field(ge=1, description="BBB / Attorney General complaints")


class AppealWindow(_Strict):
    days: int = Field(ge=1)
    date_boundary: DateBoundary = Field(default=DateBoundary.END_OF_DAY, strict=False)
    appeals_allowed: int = Field(default=1, ge=0)


class SearchSettings(_Strict):
    horizon_days: int = Field(ge=1)


class ReturnWindow(_Strict):
    days: int = Field(ge=1)
    starts_days_after_ship: int = Field(ge=0)
    category_days: dict[str, int] = Field(default_factory=dict, description="category name -> days")
    category_days_assumed: bool = True

    @model_validator(mode="after")
    def _positive(self) -> ReturnWindow:
        bad = [name for name, days in self.category_days.items() if days < 1]
        if bad:
            raise ValueError(f"category_days must be at least 1 day (bad: {', '.join(sorted(bad))})")
        return self

    def days_for(self, category: str | None) -> int:
        if category is None:
            return self.days
        folded = {name.casefold(): days for name, days in self.category_days.items()}
        return folded.get(category.casefold(), self.days)


class NotDisputableCase(StrEnum):
    SELLER_INITIATED = "seller_initiated"
    KEEP_IT = "keep_it"
    EXTENDED_RETURNS = "extended_returns"
    LOST_IN_STORE = "lost_in_store"
    MISSED_REPLY = "missed_reply"


class NotDisputable(_Strict):
    cases: list[Annotated[NotDisputableCase, Strict(False)]]
    extended_returns_markers: list[str] = Field(default_factory=list)
    lost_in_store_markers: list[str] = Field(default_factory=list)


class RelatedAnchor(StrEnum):
    RETURN = "return"
    RETURN_REFUND = "return_refund"
    ORDER_SETTLEMENT = "order_settlement"


class RelatedWindow(_Strict):
    type: str = Field(min_length=1)
    title: str = Field(min_length=1)
    days: int = Field(ge=1)
    anchor: RelatedAnchor = Field(strict=False)
    where_to_file: str = Field(min_length=1)


class Policy(_Strict):
    format: int
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    title: str = Field(min_length=1)
    effective_from: date
    effective_to: date | None = Field(default=None, description="first day it no longer applies (exclusive)")
    where_to_file: str = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    dispute_window: DisputeWindow
    reply_window: ReplyWindow
    appeal_window: AppealWindow
    search: SearchSettings
    return_window: ReturnWindow
    not_disputable: NotDisputable
    lost_order_reasons: list[str] = Field(min_length=1)
    related_windows: list[RelatedWindow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _checks(self) -> Policy:
        if self.format != POLICY_FORMAT:
            raise ValueError(f"format {self.format} is not supported (expected {POLICY_FORMAT})")
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        return self

    def in_effect_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    @property
    def reply_timedelta(self) -> timedelta:
        return timedelta(hours=self.reply_window.hours)

    @property
    def complaint_timedelta(self) -> timedelta:
        return timedelta(hours=self.reply_window.complaint_hours)


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "<file>"


def parse_policy(data: Any, where: str = "<policy>") -> Policy:
    """Validate loaded TOML data; a :class:`PolicyError` names every bad key by its path."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = _location(tuple(p for p in err["loc"] if not str(p).startswith("function-")))
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{loc}: {msg}" if loc != "<file>" else msg)
        raise PolicyError(where, problems) from None
