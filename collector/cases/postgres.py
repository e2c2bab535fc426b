"""The case store on PostgreSQL: for several collectors (machines, accounts) sharing one database.

Selected by the ``database_url`` setting (``postgresql://user@host:5432/db``; ``COLLECTOR_DATABASE_URL``);
SQLite (``collector.cases.sqlite``) stays the default for one machine. One database holds the
cases of many output folders: every row carries a ``scope`` (the seller account's name when one
is selected, else the output folder's absolute path), so accounts never see each other's cases.

Same behaviour as the SQLite store (the contract tests in tests/pg run against both): a change is
recorded once per (case, status, time), an alert once per (key, channel), whatever process
records it; each write is one autocommitted statement, safe from many processes at once
(``INSERT ... ON CONFLICT``). Tables are created on first use under an advisory lock, so two
collectors starting together do not race on ``CREATE TABLE``. psycopg 3, imported only here.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from collector.cases.store import AlertRecord, CaseChange, TrackedCase
from collector.errors import ConfigError
from evidence.models import CaseStatus

__all__ = ["PostgresCaseStore", "pg_reason", "public_location"]

SCHEMA_VERSION = "1"
SCHEMA_LOCK = 0x636F6C6C  # pg_advisory_xact_lock key while the tables are created ("coll")
CONNECT_TIMEOUT_S = 10

SCHEMA = """
CREATE TABLE IF NOT EXISTS collector_cases (
    scope TEXT NOT NULL,
    case_id TEXT NOT NULL,
    po TEXT NOT NULL,
    transaction_id TEXT,
    type TEXT NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    status TEXT NOT NULL,
    decision_at TIMESTAMPTZ,
    amount_reimbursed NUMERIC,
    appeal_deadline TIMESTAMPTZ,
    bundle TEXT,
    first_seen_at TIMESTAMPTZ,
    checked_at TIMESTAMPTZ,
    messages INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, case_id)
);
CREATE TABLE IF NOT EXISTS collector_case_changes (
    scope TEXT NOT NULL,
    case_id TEXT NOT NULL,
    status TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    amount_reimbursed NUMERIC,
    source TEXT NOT NULL,
    PRIMARY KEY (scope, case_id, status, at)  -- no foreign key: as in SQLite, a change may come first
);
CREATE TABLE IF NOT EXISTS collector_alerts (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    details JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    PRIMARY KEY (scope, key, channel)
);
CREATE TABLE IF NOT EXISTS collector_marks (
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (scope, name)
);
"""


def public_location(url: str) -> str:
    """The URL without its password (what the operator and the custody log may see)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def pg_reason(exc: Exception) -> str:
    """psycopg's message on one line (it spreads one over several, with tabs)."""
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return text[:300] or type(exc).__name__


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


class PostgresCaseStore:
    """``CaseStore`` on PostgreSQL, the rows of one ``scope``. Thread-safe within a process."""

    def __init__(self, url: str, scope: str) -> None:
        self.scope = scope
        self.location = f"{public_location(url)} ({scope})"
        self._lock = threading.Lock()
        try:
            self._db = psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            raise ConfigError(f"cannot reach the case store at {public_location(url)}: {pg_reason(exc)}") from None
        self._db.execute("SET TIME ZONE 'UTC'")
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            self._db.execute(SCHEMA)
            self._db.execute(
                "INSERT INTO collector_marks VALUES (%s, 'schema_version', %s) ON CONFLICT DO NOTHING",
                (scope, SCHEMA_VERSION),
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return self._db.execute(sql, (self.scope, *args)).fetchall()

    def _write(self, sql: str, args: tuple[Any, ...]) -> int:
        with self._lock:
            return self._db.execute(sql, (self.scope, *args)).rowcount

    # ----------------------------------------------------------------- cases

    @staticmethod
    def _case(row: dict[str, Any]) -> TrackedCase:
        return TrackedCase(
            case_id=row["case_id"], po=row["po"], transaction_id=row["transaction_id"], type=row["type"],
            submitted_at=row["submitted_at"], status=CaseStatus(row["status"]), decision_at=row["decision_at"],
            amount_reimbursed=row["amount_reimbursed"], appeal_deadline=row["appeal_deadline"], bundle=row["bundle"],
            first_seen_at=row["first_seen_at"], checked_at=row["checked_at"], messages=row["messages"],
        )

    def case(self, case_id: str) -> TrackedCase | None:
        rows = self._rows("SELECT * FROM collector_cases WHERE scope = %s AND case_id = %s", (case_id,))
        return self._case(rows[0]) if rows else None

    def cases(self) -> list[TrackedCase]:
        rows = self._rows("SELECT * FROM collector_cases WHERE scope = %s ORDER BY submitted_at, case_id")
        return [self._case(r) for r in rows]

    def save_case(self, case: TrackedCase) -> None:
        self._write(
            "INSERT INTO collector_cases VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
            "ON CONFLICT (scope, case_id) DO UPDATE SET "
            "po=excluded.po, transaction_id=excluded.transaction_id, type=excluded.type, "
            "submitted_at=excluded.submitted_at, status=excluded.status, decision_at=excluded.decision_at, "
            "amount_reimbursed=excluded.amount_reimbursed, appeal_deadline=excluded.appeal_deadline, "
            "bundle=excluded.bundle, checked_at=excluded.checked_at, messages=excluded.messages",
            (case.case_id, case.po, case.transaction_id, case.type, _utc(case.submitted_at), case.status.value,
             _utc(case.decision_at), case.amount_reimbursed, _utc(case.appeal_deadline), case.bundle,
             _utc(case.first_seen_at), _utc(case.checked_at), case.messages),
        )

    def add_change(self, change: CaseChange) -> bool:
        return bool(self._write(
            "INSERT INTO collector_case_changes VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
            (change.case_id, change.status.value, _utc(change.at), _utc(change.observed_at),
             change.amount_reimbursed, change.source),
        ))

    def changes(self, case_id: str | None = None) -> list[CaseChange]:
        where, args = ("AND case_id = %s", (case_id,)) if case_id else ("", ())
        rows = self._rows(f"SELECT * FROM collector_case_changes WHERE scope = %s {where} ORDER BY at, observed_at", args)
        return [
            CaseChange(case_id=r["case_id"], status=CaseStatus(r["status"]), at=r["at"], observed_at=r["observed_at"],
                       amount_reimbursed=r["amount_reimbursed"], source=r["source"])
            for r in rows
        ]

    # ----------------------------------------------------------------- alerts

    @staticmethod
    def _alert(row: dict[str, Any]) -> AlertRecord:
        return AlertRecord(
            key=row["key"], channel=row["channel"], kind=row["kind"], subject=row["subject"], text=row["text"],
            created_at=row["created_at"], sent_at=row["sent_at"], attempts=row["attempts"],
            last_error=row["last_error"], details=dict(row["details"]),
        )

    def queue_alert(self, alert: AlertRecord) -> bool:
        return bool(self._write(
            "INSERT INTO collector_alerts (scope, key, channel, kind, subject, text, details, created_at) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
            (alert.key, alert.channel, alert.kind, alert.subject, alert.text, Jsonb(alert.details),
             _utc(alert.created_at)),
        ))

    def unsent_alerts(self, max_attempts: int) -> list[AlertRecord]:
        rows = self._rows("SELECT * FROM collector_alerts WHERE scope = %s AND sent_at IS NULL AND attempts < %s "
                          "ORDER BY created_at, key", (max_attempts,))
        return [self._alert(r) for r in rows]

    def alerts(self) -> list[AlertRecord]:
        rows = self._rows("SELECT * FROM collector_alerts WHERE scope = %s ORDER BY created_at, key, channel")
        return [self._alert(r) for r in rows]

    def mark_sent(self, key: str, channel: str, at: datetime) -> None:
        with self._lock:
            self._db.execute("UPDATE collector_alerts SET sent_at = %s, attempts = attempts + 1, last_error = NULL "
                             "WHERE scope = %s AND key = %s AND channel = %s", (_utc(at), self.scope, key, channel))

    def mark_failed(self, key: str, channel: str, error: str) -> None:
        with self._lock:
            self._db.execute("UPDATE collector_alerts SET attempts = attempts + 1, last_error = %s "
                             "WHERE scope = %s AND key = %s AND channel = %s", (error[:300], self.scope, key, channel))

    # ----------------------------------------------------------------- marks

    def get_mark(self, name: str) -> str | None:
        rows = self._rows("SELECT value FROM collector_marks WHERE scope = %s AND name = %s", (name,))
        return rows[0]["value"] if rows else None

    def set_mark(self, name: str, value: str) -> None:
        self._write("INSERT INTO collector_marks VALUES (%s, %s, %s) "
                    "ON CONFLICT (scope, name) DO UPDATE SET value = excluded.value", (name, value))
