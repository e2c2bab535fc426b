"""Dispute tracking: the case store (``CaseStore``, SQLite by default), ``collector track``'s
recording of status changes, and the refund states ``collector status`` shows."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from collector.cases.sqlite import CASES_DB, SqliteCaseStore
from collector.cases.store import FINAL_STATUSES, AlertRecord, CaseChange, CaseStore, TrackedCase
from collector.claims import STATE_DIR

if TYPE_CHECKING:  # pragma: no cover
    from collector.settings import CollectorSettings

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
    "store_scope",
]


def store_path(out: Path) -> Path:
    """Where an output folder's case store lives: ``<out>/.collector/cases.sqlite``."""
    return out / STATE_DIR / CASES_DB


def store_scope(out: Path, settings: CollectorSettings) -> str:
    """Whose rows a shared (PostgreSQL) store holds: the seller account, else the output folder."""
    return settings.account or str(out.resolve())


def open_store(out: Path, settings: CollectorSettings | None = None) -> CaseStore:
    """The output folder's case store, created on first use: SQLite in the folder, or PostgreSQL
    when the settings name a ``database_url`` (collector/cases/postgres.py)."""
    if settings is not None and settings.database_url is not None:
        from collector.cases.postgres import PostgresCaseStore  # psycopg only when configured

        return PostgresCaseStore(settings.database_url.get_secret_value(), store_scope(out, settings))
    return SqliteCaseStore(store_path(out))
