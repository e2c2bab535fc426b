"""Dispute tracking: the case store (``CaseStore``, SQLite by default), ``collector track``'s
recording of status changes, and the refund states ``collector status`` shows."""

from __future__ import annotations

from pathlib import Path

from collector.cases.sqlite import CASES_DB, SqliteCaseStore
from collector.cases.store import FINAL_STATUSES, AlertRecord, CaseChange, CaseStore, TrackedCase
from collector.claims import STATE_DIR

__all__ = [
    "CASES_DB",
    "FINAL_STATUSES",
    "AlertRecord",
    "CaseChange",
    "CaseStore",
    "SqliteCaseStore",
    "TrackedCase",
    "open_store",
    "store_path",
]


def store_path(out: Path) -> Path:
    """Where an output folder's case store lives: ``<out>/.collector/cases.sqlite``."""
    return out / STATE_DIR / CASES_DB


def open_store(out: Path) -> CaseStore:
    """The output folder's case store (SQLite; created on first use)."""
    return SqliteCaseStore(store_path(out))
