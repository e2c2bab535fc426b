"""The default case store: one SQLite database (WAL mode), ``<out>/.collector/cases.sqlite``,
beside the refund registry. Plain ``sqlite3``; every write is one short transaction, so a
``collector status`` can read while a ``watch`` writes."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

from collector.cases.store import AlertRecord, CaseChange, TrackedCase
from evidence.models import CaseStatus

__all__ = ["CASES_DB", "SqliteCaseStore"]

CASES_DB = "cases.sqlite"
SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY,
    po TEXT NOT NULL,
    transaction_id TEXT,
    type TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decision_at TEXT,
    amount_reimbursed TEXT,
    appeal_deadline TEXT,
    bundle TEXT,
    first_seen_at TEXT,
    checked_at TEXT,
    messages INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS changes (
    case_id TEXT NOT NULL REFERENCES cases(case_id),
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    amount_reimbursed TEXT,
    source TEXT NOT NULL,
    PRIMARY KEY (case_id, status, at)
);
CREATE TABLE IF NOT EXISTS alerts (
    key TEXT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    details TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    PRIMARY KEY (key, channel)
);
CREATE TABLE IF NOT EXISTS marks (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _t(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _d(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


class SqliteCaseStore:
    """``CaseStore`` on SQLite. Thread-safe within a process; several processes may share the file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.location = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._db.execute("INSERT OR IGNORE INTO marks VALUES ('schema_version', ?)", (SCHEMA_VERSION,))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._db.execute(sql, args)
            cursor.row_factory = sqlite3.Row
            return cursor.fetchall()

    def _write(self, sql: str, args: tuple[Any, ...]) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # ----------------------------------------------------------------- cases

    @staticmethod
    def _case(row: sqlite3.Row) -> TrackedCase:
        return TrackedCase(
            case_id=row["case_id"], po=row["po"], transaction_id=row["transaction_id"], type=row["type"],
            submitted_at=_dt(row["submitted_at"]),  # type: ignore[arg-type]
            status=CaseStatus(row["status"]), decision_at=_dt(row["decision_at"]),
            amount_reimbursed=_d(row["amount_reimbursed"]), appeal_deadline=_dt(row["appeal_deadline"]),
            bundle=row["bundle"], first_seen_at=_dt(row["first_seen_at"]), checked_at=_dt(row["checked_at"]),
            messages=row["messages"],
        )

    def case(self, case_id: str) -> TrackedCase | None:
        rows = self._rows("SELECT * FROM cases WHERE case_id = ?", (case_id,))
        return self._case(rows[0]) if rows else None

    def cases(self) -> list[TrackedCase]:
        return [self._case(r) for r in self._rows("SELECT * FROM cases ORDER BY submitted_at, case_id")]

    def save_case(self, case: TrackedCase) -> None:
        self._write(
            "INSERT INTO cases VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(case_id) DO UPDATE SET "
            "po=excluded.po, transaction_id=excluded.transaction_id, type=excluded.type, "
            "submitted_at=excluded.submitted_at, status=excluded.status, decision_at=excluded.decision_at, "
            "amount_reimbursed=excluded.amount_reimbursed, appeal_deadline=excluded.appeal_deadline, "
            "bundle=excluded.bundle, checked_at=excluded.checked_at, messages=excluded.messages",
            (case.case_id, case.po, case.transaction_id, case.type, _t(case.submitted_at), case.status.value,
             _t(case.decision_at), str(case.amount_reimbursed) if case.amount_reimbursed is not None else None,
             _t(case.appeal_deadline), case.bundle, _t(case.first_seen_at), _t(case.checked_at), case.messages),
        )

    def add_change(self, change: CaseChange) -> bool:
        return bool(self._write(
            "INSERT OR IGNORE INTO changes VALUES (?,?,?,?,?,?)",
            (change.case_id, change.status.value, _t(change.at), _t(change.observed_at),
             str(change.amount_reimbursed) if change.amount_reimbursed is not None else None, change.source),
        ))

    def changes(self, case_id: str | None = None) -> list[CaseChange]:
        where, args = ("WHERE case_id = ?", (case_id,)) if case_id else ("", ())
        rows = self._rows(f"SELECT * FROM changes {where} ORDER BY at, observed_at", args)
        return [
            CaseChange(case_id=r["case_id"], status=CaseStatus(r["status"]), at=_dt(r["at"]),  # type: ignore[arg-type]
                       observed_at=_dt(r["observed_at"]), amount_reimbursed=_d(r["amount_reimbursed"]),  # type: ignore[arg-type]
                       source=r["source"])
            for r in rows
        ]

    # ----------------------------------------------------------------- alerts

    @staticmethod
    def _alert(row: sqlite3.Row) -> AlertRecord:
        return AlertRecord(
            key=row["key"], channel=row["channel"], kind=row["kind"], subject=row["subject"], text=row["text"],
            created_at=_dt(row["created_at"]), sent_at=_dt(row["sent_at"]),  # type: ignore[arg-type]
            attempts=row["attempts"], last_error=row["last_error"], details=json.loads(row["details"]),
        )

    def queue_alert(self, alert: AlertRecord) -> bool:
        return bool(self._write(
            "INSERT OR IGNORE INTO alerts (key, channel, kind, subject, text, details, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (alert.key, alert.channel, alert.kind, alert.subject, alert.text,
             json.dumps(alert.details, sort_keys=True), _t(alert.created_at)),
        ))

    def unsent_alerts(self, max_attempts: int) -> list[AlertRecord]:
        rows = self._rows("SELECT * FROM alerts WHERE sent_at IS NULL AND attempts < ? ORDER BY created_at, key",
                          (max_attempts,))
        return [self._alert(r) for r in rows]

    def alerts(self) -> list[AlertRecord]:
        return [self._alert(r) for r in self._rows("SELECT * FROM alerts ORDER BY created_at, key, channel")]

    def mark_sent(self, key: str, channel: str, at: datetime) -> None:
        self._write("UPDATE alerts SET sent_at = ?, attempts = attempts + 1, last_error = NULL "
                    "WHERE key = ? AND channel = ?", (_t(at), key, channel))

    def mark_failed(self, key: str, channel: str, error: str) -> None:
        self._write("UPDATE alerts SET attempts = attempts + 1, last_error = ? WHERE key = ? AND channel = ?",
                    (error[:300], key, channel))

    # ----------------------------------------------------------------- marks

    def get_mark(self, name: str) -> str | None:
        rows = self._rows("SELECT value FROM marks WHERE name = ?", (name,))
        return rows[0]["value"] if rows else None

    def set_mark(self, name: str, value: str) -> None:
        self._write("INSERT INTO marks VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    (name, value))
