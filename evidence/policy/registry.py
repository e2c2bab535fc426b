"""The packaged policy versions: load them, pick one by id or by the refund's issue date.

Policy files live in ``evidence/policy/data/*.toml`` (packaged with the code). A registry loads
every file once, validates each (:func:`evidence.policy.model.parse_policy`), and refuses
duplicate ids and versions whose effective dates overlap, so "which rules applied on this day?"
always has at most one answer.

Which day counts: the refund's issue time in the **seller's time zone** (assumed: Seller Center
shows dates in the seller's zone, and the rule changes were announced by date only).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

from evidence.policy.deadlines import seller_zone
from evidence.policy.model import Policy, PolicyError, parse_policy

__all__ = ["PolicyRegistry", "default_registry", "load_policy_file", "load_policy_text"]


def load_policy_text(text: str, where: str = "<policy>") -> Policy:
    """Parse TOML text into a :class:`Policy`; a :class:`PolicyError` says what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(where, [f"not valid TOML: {exc}"]) from None
    return parse_policy(data, where)


def load_policy_file(path: str | Path) -> Policy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(str(path), ["file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), [f"cannot read: {exc}"]) from None
    policy = load_policy_text(text, str(path))
    if path.stem != policy.id:
        raise PolicyError(str(path), [f"id {policy.id!r} does not match the file name {path.stem!r}"])
    return policy


class PolicyRegistry:
    """A set of policy versions with non-overlapping effective dates."""

    def __init__(self, policies: Iterable[Policy]) -> None:
        self._by_id: dict[str, Policy] = {}
        for policy in policies:
            if policy.id in self._by_id:
                raise PolicyError(policy.id, ["two policy files have this id"])
            self._by_id[policy.id] = policy
        ordered = sorted(self._by_id.values(), key=lambda p: p.effective_from)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if earlier.effective_to is None or earlier.effective_to > later.effective_from:
                raise PolicyError(
                    later.id,
                    [
                        f"effective dates overlap {earlier.id} (it starts {later.effective_from}, "
                        f"{earlier.id} runs to {earlier.effective_to or 'open end'})"
                    ],
                )
        self._ordered = ordered

    @classmethod
    def from_directory(cls, folder: str | Path) -> PolicyRegistry:
        return cls(load_policy_file(p) for p in sorted(Path(folder).glob("*.toml")))

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self._ordered]

    def __iter__(self):  # noqa: ANN204 - a plain iterator over the versions, oldest first
        return iter(self._ordered)

    def get(self, policy_id: str) -> Policy:
        try:
            return self._by_id[policy_id]
        except KeyError:
            raise PolicyError("policy", [f"unknown policy id {policy_id!r} (known: {', '.join(self.ids)})"]) from None

    def for_date(self, day: date) -> Policy:
        for policy in self._ordered:
            if policy.in_effect_on(day):
                return policy
        raise PolicyError(
            "policy", [f"no policy version is in effect on {day.isoformat()} (known: {', '.join(self.ids)})"]
        )

    def for_refund(self, issued_at: datetime, timezone: str) -> Policy:
        """The version in effect on the refund's issue day in the seller's time zone."""
        return self.for_date(issued_at.astimezone(seller_zone(timezone)).date())

    def select(self, *, policy_id: str | None, issued_at: datetime, timezone: str) -> Policy:
        """The chosen version: ``policy_id`` when given (a setting), else by the issue date."""
        return self.get(policy_id) if policy_id else self.for_refund(issued_at, timezone)


@lru_cache(maxsize=1)
def default_registry() -> PolicyRegistry:
    """The policy versions packaged in ``evidence/policy/data``."""
    folder = resources.files("evidence.policy") / "data"
    return PolicyRegistry.from_directory(Path(str(folder)))
