"""The request budget of one seller account, shared by every collector process through PostgreSQL.

``collector.ratelimit.RateLimiter`` is a token bucket in process memory: two ``collect`` processes
on two machines for the same account would each spend the whole budget. With the
``database_url`` setting the bucket lives in a row of ``collector_rate_budget`` instead, one per
scope (the seller account's name, else the Seller Center host), and every process takes its
tokens from that row: ``SELECT ... FOR UPDATE``, refill by the database's own clock (no clock
skew between machines), take one, ``UPDATE``, in one short transaction. A 429's hold
(``Retry-After``) is kept in the same row, so every process waits it out.

Same interface as ``RateLimiter`` (``acquire``, ``try_acquire``, ``hold``, ``stop``, the counters);
the waiting and stopping stay the parent's. Each process refills with its own settings' rate: give
every machine of an account the same ``max_requests_per_minute`` (the accounts file does).
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import psycopg
import structlog

from collector.cases.postgres import pg_reason, public_location
from collector.errors import ConfigError
from collector.ratelimit import RateLimiter
from collector.settings import CollectorSettings

log = structlog.get_logger()
SCHEMA_LOCK = 0x72617465  # pg_advisory_xact_lock key while the table is created ("rate")
STOPPED_WAIT_S = 3600.0  # what try_acquire answers once stopped (acquire checks the stop flag first)

SCHEMA = """
CREATE TABLE IF NOT EXISTS collector_rate_budget (
    scope TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    stamp DOUBLE PRECISION NOT NULL,
    held_until DOUBLE PRECISION NOT NULL DEFAULT 0
);
"""
NOW = "extract(epoch FROM clock_timestamp())::double precision"


def budget_scope(settings: CollectorSettings) -> str:
    """Whose budget: the seller account, else the Seller Center (host and port)."""
    if settings.account:
        return f"account:{settings.account}"
    parts = urlsplit(settings.base_url)
    return f"site:{parts.hostname}" + (f":{parts.port}" if parts.port else "")


class PostgresRateLimiter(RateLimiter):
    """A ``RateLimiter`` whose bucket is a PostgreSQL row shared by every process of the scope."""

    def __init__(self, url: str, scope: str, rate_per_minute: float, *, burst: int | None = None) -> None:
        super().__init__(rate_per_minute, burst=burst)
        self.scope = scope
        self._pg_lock = threading.Lock()
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise ConfigError(f"cannot reach the request budget's database at {public_location(url)}: {pg_reason(exc)}") from None
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            self._db.execute(SCHEMA)
            self._db.execute(f"INSERT INTO collector_rate_budget VALUES (%s, %s, {NOW}, 0) ON CONFLICT DO NOTHING",
                             (scope, self.capacity))
        log.info("ratelimit.shared", scope=scope, per_minute=rate_per_minute, burst=self.capacity)

    def try_acquire(self) -> float:
        with self._pg_lock:
            if self._db.closed:
                return STOPPED_WAIT_S
            with self._db.transaction():
                row = self._db.execute(
                    f"SELECT tokens, stamp, held_until, {NOW} FROM collector_rate_budget WHERE scope = %s FOR UPDATE",
                    (self.scope,),
                ).fetchone()
                assert row is not None  # inserted in __init__, never deleted
                tokens, stamp, held_until, now = row
                if held_until > now:
                    return held_until - now
                tokens = min(self.capacity, tokens + max(0.0, now - stamp) * self.rate_per_second)
                taken = tokens >= 1.0
                if taken:
                    tokens -= 1.0
                self._db.execute("UPDATE collector_rate_budget SET tokens = %s, stamp = %s WHERE scope = %s",
                                 (tokens, now, self.scope))
        if taken:
            with self._cond:
                self.acquired += 1
            return 0.0
        return (1.0 - tokens) / self.rate_per_second

    def hold(self, seconds: float) -> None:
        with self._pg_lock:
            if not self._db.closed:
                self._db.execute(f"UPDATE collector_rate_budget SET held_until = GREATEST(held_until, {NOW} + %s) "
                                 "WHERE scope = %s", (max(0.0, seconds), self.scope))
        with self._cond:
            self.holds += 1

    def stop(self) -> None:
        super().stop()
        with self._pg_lock:
            self._db.close()


def shared_limiter(settings: CollectorSettings) -> PostgresRateLimiter:
    """The account's budget in the ``database_url`` database, at the settings' rate."""
    assert settings.database_url is not None
    return PostgresRateLimiter(settings.database_url.get_secret_value(), budget_scope(settings),
                               settings.requests_per_minute)
