"""The job journal: each order's state on disk, so that a job can stop anywhere and resume.

One SQLite database in WAL mode per job (``<out>/jobs/<job id>/journal.sqlite``). Every state
change is its own committed transaction, so a SIGKILL loses at most the order in flight, and the
next run puts that order back to ``pending``.

Orders (keyed by PO) move ``pending -> running -> captured -> written`` or end ``failed`` /
``skipped`` (no Customer Care refund on the order). Refunds (keyed by PO + transaction id) are
recorded when their bundle is written: a re-run of an order skips every refund already written,
so nothing is captured twice. Adding an order twice is harmless (``INSERT OR IGNORE``).

One connection, guarded by a lock, is shared by the worker threads (``check_same_thread=False``);
SQLite itself serialises the writes, the lock keeps the Python side simple.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Self

from collector.errors import ConfigError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    po TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    refunds INTEGER NOT NULL DEFAULT 0,
    duration_s REAL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refunds (
    po TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    state TEXT NOT NULL,
    bundle TEXT,
    amount TEXT,
    verdict TEXT,
    deadline TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (po, transaction_id)
);
"""


# Added after the first release: ``not_before`` (epoch seconds) holds a requeued order back until
# its backoff has passed; ``requeues`` counts this run's transient requeues (the budget).
_ADDED_COLUMNS = {
    "not_before": "not_before REAL",
    "requeues": "requeues INTEGER NOT NULL DEFAULT 0",
}


class OrderState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    CAPTURED = "captured"
    WRITTEN = "written"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def done(self) -> bool:
        return self in (OrderState.WRITTEN, OrderState.SKIPPED)


@dataclass(frozen=True)
class OrderRow:
    po: str
    state: OrderState
    attempts: int
    reason: str | None
    refunds: int
    duration_s: float | None


@dataclass(frozen=True)
class RefundRow:
    po: str
    transaction_id: str
    state: str
    bundle: str | None
    amount: str | None
    verdict: str | None
    deadline: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class JournalUnreadable(ConfigError):
    """A ``journal.sqlite`` that is not an SQLite database, or a damaged one (exit 2)."""

    def __init__(self, path: Path, cause: sqlite3.DatabaseError) -> None:
        self.path = path
        super().__init__(f"{path}: not a readable job journal ({cause}); move it away to start the job afresh")


class Journal:
    """The on-disk state of one job. Use as a context manager, or call ``close()``.

    A file that is not a readable journal raises ``JournalUnreadable`` (naming it) on opening.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across a process kill
            self._db.executescript(SCHEMA)
            self._migrate()
        except sqlite3.DatabaseError as exc:  # "file is not a database", "disk image is malformed"
            self._db.close()
            raise JournalUnreadable(path, exc) from None

    def _migrate(self) -> None:
        """Columns added since the first release (a journal from an older run still opens)."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(orders)")}
        for column, ddl in _ADDED_COLUMNS.items():
            if column not in have:
                self._db.execute(f"ALTER TABLE orders ADD COLUMN {ddl}")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, args: tuple[object, ...] = ()) -> int:
        with self._lock:
            cur = self._db.execute(sql, args)
            return cur.rowcount

    # ----------------------------------------------------------------- meta

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._write("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    # ----------------------------------------------------------------- orders

    def add_orders(self, pos: Iterable[str], source: str = "") -> int:
        """Add orders as pending; ones already in the journal keep their state. Returns how many were new."""
        added = 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM orders").fetchone()[0]
                for po in pos:
                    seq += 1
                    cur = self._db.execute(
                        "INSERT OR IGNORE INTO orders(po, seq, source, updated_at) VALUES(?, ?, ?, ?)",
                        (po, seq, source, _now()),
                    )
                    added += cur.rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return added

    def recover(self, *, retry_failed: bool = True) -> int:
        """Put orders that were in flight (and, by default, failed ones) back to pending.

        Called once when a run starts: held-back orders become due at once and the requeue
        budget starts again (a new run is a new chance for orders that failed transiently).
        """
        states = [OrderState.RUNNING, OrderState.CAPTURED] + ([OrderState.FAILED] if retry_failed else [])
        marks = ",".join("?" * len(states))
        moved = self._write(
            f"UPDATE orders SET state = 'pending', updated_at = ? WHERE state IN ({marks})",
            (_now(), *[s.value for s in states]),
        )
        self._write("UPDATE orders SET not_before = NULL, requeues = 0")
        return moved

    def reopen(self, pos: Iterable[str], reason: str) -> int:
        """Put finished orders back to pending (a scan found a refund on them not bundled yet)."""
        reopened = 0
        for po in pos:
            reopened += self._write(
                "UPDATE orders SET state = 'pending', reason = ?, updated_at = ? WHERE po = ? AND state IN ('written', 'skipped', 'failed')",
                (reason, _now(), po),
            )
        return reopened

    def claim(self, now: float | None = None) -> str | None:
        """The next due pending order, atomically marked running (None when none is due)."""
        now = time.time() if now is None else now
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT po FROM orders WHERE state = 'pending' AND (not_before IS NULL OR not_before <= ?) "
                    "ORDER BY seq LIMIT 1",
                    (now,),
                ).fetchone()
                if row is not None:
                    self._db.execute(
                        "UPDATE orders SET state = 'running', attempts = attempts + 1, reason = NULL, not_before = NULL, "
                        "updated_at = ? WHERE po = ?",
                        (_now(), row[0]),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return row[0] if row else None

    def requeue(self, po: str, *, reason: str, delay_s: float, now: float | None = None) -> int:
        """Back to pending, held back ``delay_s`` seconds; returns this run's requeue count."""
        now = time.time() if now is None else now
        self._write(
            "UPDATE orders SET state = 'pending', reason = ?, not_before = ?, requeues = requeues + 1, updated_at = ? WHERE po = ?",
            (reason, now + delay_s, _now(), po),
        )
        with self._lock:
            row = self._db.execute("SELECT requeues FROM orders WHERE po = ?", (po,)).fetchone()
        return int(row[0]) if row else 0

    def requeues(self, po: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT requeues FROM orders WHERE po = ?", (po,)).fetchone()
        return int(row[0]) if row else 0

    def outlook(self, now: float | None = None) -> tuple[int, float | None]:
        """(orders running, seconds until the next held-back pending order is due or None).

        ``None`` with 0 running means the queue is empty for good; workers wait otherwise.
        """
        now = time.time() if now is None else now
        with self._lock:
            running = self._db.execute("SELECT COUNT(*) FROM orders WHERE state IN ('running', 'captured')").fetchone()[0]
            due = self._db.execute("SELECT MIN(COALESCE(not_before, 0)) FROM orders WHERE state = 'pending'").fetchone()[0]
        return int(running), (None if due is None else max(0.0, float(due) - now))

    def set_state(
        self,
        po: str,
        state: OrderState,
        *,
        reason: str | None = None,
        refunds: int | None = None,
        duration_s: float | None = None,
    ) -> None:
        self._write(
            "UPDATE orders SET state = ?, reason = ?, refunds = COALESCE(?, refunds), "
            "duration_s = COALESCE(?, duration_s), updated_at = ? WHERE po = ?",
            (state.value, reason, refunds, duration_s, _now(), po),
        )

    def order(self, po: str) -> OrderRow | None:
        return next((o for o in self.orders() if o.po == po), None)

    def orders(self) -> list[OrderRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT po, state, attempts, reason, refunds, duration_s FROM orders ORDER BY seq"
            ).fetchall()
        return [OrderRow(r[0], OrderState(r[1]), r[2], r[3], r[4], r[5]) for r in rows]

    def counts(self) -> dict[OrderState, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM orders GROUP BY state").fetchall()
        counts = {state: 0 for state in OrderState}
        counts.update({OrderState(state): n for state, n in rows})
        return counts

    # ----------------------------------------------------------------- refunds

    def refund_written(self, po: str, transaction_id: str) -> RefundRow | None:
        with self._lock:
            row = self._db.execute(
                "SELECT po, transaction_id, state, bundle, amount, verdict, deadline FROM refunds "
                "WHERE po = ? AND transaction_id = ? AND state = 'written'",
                (po, transaction_id),
            ).fetchone()
        return RefundRow(*row) if row else None

    def record_refund(
        self,
        po: str,
        transaction_id: str,
        *,
        bundle: str,
        amount: str | None = None,
        verdict: str | None = None,
        deadline: str | None = None,
    ) -> None:
        """Record a written bundle. Call after the bundle is in place (renamed), never before."""
        self._write(
            "INSERT INTO refunds(po, transaction_id, state, bundle, amount, verdict, deadline, updated_at) "
            "VALUES(?, ?, 'written', ?, ?, ?, ?, ?) ON CONFLICT(po, transaction_id) DO UPDATE SET "
            "state = 'written', bundle = excluded.bundle, amount = excluded.amount, verdict = excluded.verdict, "
            "deadline = excluded.deadline, updated_at = excluded.updated_at",
            (po, transaction_id, bundle, amount, verdict, deadline, _now()),
        )

    def refunds(self) -> list[RefundRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT r.po, r.transaction_id, r.state, r.bundle, r.amount, r.verdict, r.deadline "
                "FROM refunds r JOIN orders o ON o.po = r.po ORDER BY o.seq, r.transaction_id"
            ).fetchall()
        return [RefundRow(*r) for r in rows]
