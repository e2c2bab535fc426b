"""Which refunds an output folder already holds, and who is capturing which right now.

A refund is bundled once per output folder, whatever job, command or process asks for it: the
job journal knows one job's orders, this registry knows the folder's refunds. It is one SQLite
database in WAL mode, ``<out>/.collector/refunds.sqlite``, shared by every collector process working
on that folder (two commands with overlapping POs, a scheduled scan and a hand-run collect).

Each refund (key: PO + transaction id, as in the bundle's folder name) is ``claimed`` by one
process before its screens are captured and ``written`` once its bundle is in place:

- ``claim`` answers ``"mine"`` (capture it), ``"done"`` (a bundle exists: never captured again
  unless ``--recapture`` asked for it) or ``"busy"`` (another live process holds it; the caller
  comes back later, when it is done).
- A claim belongs to an *owner*: one process, holding a lock file ``.collector/owners/<id>.lock`` for
  as long as it runs. A claim whose owner's lock is free is stale (the process died: SIGKILL,
  power cut) and is taken over; if the dead owner's bundle made it to disk before it died (killed
  between the rename and the record), that bundle is adopted instead of capturing again.
- Bundles written before this registry existed are imported from ``bundles/`` the first time.

The lock files use ``filelock`` (fcntl on Unix, msvcrt on Windows).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Self

import structlog
from filelock import FileLock, Timeout

from evidence.bundle.layout import MANIFEST, bundle_key, parse_version, safe_component

log = structlog.get_logger()
STATE_DIR = ".collector"  # inside the output folder, beside bundles/ and jobs/
REGISTRY = "refunds.sqlite"
OWNERS_DIR = "owners"
Answer = Literal["mine", "done", "busy"]
_VERSIONED = re.compile(r"^(?P<key>.+)_v(?P<version>[1-9][0-9]*)$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS refunds (
    key TEXT PRIMARY KEY,
    po TEXT,
    transaction_id TEXT,
    state TEXT NOT NULL,
    owner TEXT,
    job_id TEXT,
    bundle TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class RefundRegistry:
    """The output folder's refunds. Thread-safe; one instance per process and output folder."""

    def __init__(
        self,
        state_dir: Path,
        bundles_dir: Path,
        *,
        job_id: str,
        recapture_before: datetime | None = None,
    ) -> None:
        self.state_dir = state_dir
        self.bundles_dir = bundles_dir
        self.job_id = job_id
        # --recapture: bundles recorded before this moment are captured again (a new version).
        self.recapture_before = recapture_before.isoformat(timespec="microseconds") if recapture_before else None
        self.owner = uuid.uuid4().hex
        owners = state_dir / OWNERS_DIR
        owners.mkdir(parents=True, exist_ok=True)
        self._owner_lock = FileLock(owners / f"{self.owner}.lock")
        self._owner_lock.acquire(timeout=0)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(state_dir / REGISTRY, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._import_existing()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release this process's unfinished claims (others may take them at once) and its lock."""
        with self._lock:
            self._db.execute("DELETE FROM refunds WHERE owner = ? AND state = 'claimed'", (self.owner,))
            self._db.close()
        self._owner_lock.release()
        Path(self._owner_lock.lock_file).unlink(missing_ok=True)

    # ----------------------------------------------------------------- claims

    def claim(self, po: str, transaction_id: str) -> Answer:
        key = bundle_key(po, transaction_id)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                answer = self._claim(key, po, transaction_id)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        log.info("refund.claim", transaction_id=transaction_id, answer=answer)
        return answer

    def bundled(self, po: str) -> bool:
        """Has a refund of ``po`` been bundled in this output folder (and is not to be captured
        again under ``--recapture``)? A hint before the order is read, not a claim."""
        prefix = f"{safe_component(po)}_"  # bundles found on disk (imported) have a key, not a po
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM refunds WHERE (po = ? OR substr(key, 1, length(?)) = ?) AND state = 'written' "
                "AND (? IS NULL OR updated_at >= ?) LIMIT 1",
                (po, prefix, prefix, self.recapture_before, self.recapture_before),
            ).fetchone()
        return row is not None

    def _claim(self, key: str, po: str, transaction_id: str) -> Answer:
        row = self._db.execute("SELECT state, owner, job_id, updated_at FROM refunds WHERE key = ?", (key,)).fetchone()
        if row is not None:
            state, owner, job_id, updated_at = row
            if state == "written":
                if self.recapture_before is None or updated_at >= self.recapture_before:
                    return "done"
            elif owner != self.owner:
                if self._alive(owner):
                    return "busy"
                adopted = self._bundle_of(key, job_id)
                if adopted is not None:  # the dead owner's bundle reached the disk: keep it
                    self._db.execute(
                        "UPDATE refunds SET state = 'written', bundle = ?, updated_at = ? WHERE key = ?",
                        (str(adopted), _now(), key),
                    )
                    log.info("refund.adopted", transaction_id=transaction_id, bundle=adopted.name, from_job=job_id)
                    return "done"
        self._db.execute(
            "INSERT INTO refunds(key, po, transaction_id, state, owner, job_id, updated_at) VALUES(?, ?, ?, 'claimed', ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET state = 'claimed', owner = excluded.owner, job_id = excluded.job_id, "
            "updated_at = excluded.updated_at",
            (key, po, transaction_id, self.owner, self.job_id, _now()),
        )
        return "mine"

    def written(self, po: str, transaction_id: str, bundle: Path) -> None:
        """Record a bundle in place (after its rename, never before)."""
        self._write(
            "UPDATE refunds SET state = 'written', bundle = ?, job_id = ?, updated_at = ? WHERE key = ?",
            (str(bundle), self.job_id, _now(), bundle_key(po, transaction_id)),
        )

    def release(self, po: str, transaction_id: str) -> None:
        """Give up a claim without a bundle (the capture failed): someone may take it again."""
        self._write(
            "DELETE FROM refunds WHERE key = ? AND owner = ? AND state = 'claimed'",
            (bundle_key(po, transaction_id), self.owner),
        )

    def state(self, po: str, transaction_id: str) -> tuple[str, str | None] | None:
        """(state, bundle) of a refund, or None when the folder has never seen it."""
        with self._lock:
            row = self._db.execute(
                "SELECT state, bundle FROM refunds WHERE key = ?", (bundle_key(po, transaction_id),)
            ).fetchone()
        return (row[0], row[1]) if row else None

    # ----------------------------------------------------------------- internals

    def _write(self, sql: str, args: tuple[object, ...]) -> None:
        with self._lock:
            self._db.execute(sql, args)

    def _alive(self, owner: str | None) -> bool:
        """Is the process that made this claim still running? (Its lock file is held.)"""
        if not owner:
            return False
        path = self.state_dir / OWNERS_DIR / f"{owner}.lock"
        if not path.exists():
            return False
        probe = FileLock(path)
        try:
            probe.acquire(timeout=0)
        except Timeout:
            return True
        probe.release()
        path.unlink(missing_ok=True)
        return False

    def _bundle_of(self, key: str, job_id: str | None) -> Path | None:
        """The newest bundle of ``key`` written by ``job_id`` (a sealed folder with a manifest)."""
        if not job_id or not self.bundles_dir.is_dir():
            return None
        found: list[tuple[int, Path]] = []
        for folder in self.bundles_dir.iterdir():
            version = parse_version(folder.name, key)
            if version is None or not (folder / MANIFEST).is_file():
                continue
            try:
                manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):
                continue
            if isinstance(manifest, dict) and manifest.get("job_id") == job_id:
                made = datetime.fromtimestamp((folder / MANIFEST).stat().st_mtime, UTC).isoformat(timespec="microseconds")
                if self.recapture_before is None or made >= self.recapture_before:  # not the version being replaced
                    found.append((version, folder))
        return max(found)[1] if found else None

    def _import_existing(self) -> None:
        """Bundles already in the folder (written before this registry existed) count as done."""
        with self._lock:
            if self._db.execute("SELECT value FROM meta WHERE key = 'imported'").fetchone():
                return
            rows = []
            if self.bundles_dir.is_dir():
                for folder in sorted(self.bundles_dir.iterdir()):
                    match = _VERSIONED.match(folder.name)
                    if match and (folder / MANIFEST).is_file():
                        # stamped with the bundle's own time, so --recapture treats it as older
                        made = datetime.fromtimestamp((folder / MANIFEST).stat().st_mtime, UTC)
                        rows.append((match["key"], "written", str(folder), made.isoformat(timespec="microseconds")))
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT OR IGNORE INTO refunds(key, state, bundle, updated_at) VALUES(?, ?, ?, ?)", rows
                )
                self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('imported', ?)", (_now(),))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if rows:
            log.info("registry.imported", bundles=len(rows))
