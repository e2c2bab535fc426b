"""The request budget shared through PostgreSQL (collector/shared_ratelimit.py), on a real server.

Several limiters of one scope (each its own connection, as processes on several machines would
have) take their tokens from one bucket: together they never go faster than the account's rate.
Another scope has its own bucket; a 429's hold is seen by every limiter of the scope.
"""

from __future__ import annotations

import threading
import time

import pytest

from collector.errors import ConfigError
from collector.settings import load_settings
from collector.shared_ratelimit import PostgresRateLimiter, budget_scope

RATE = 600.0  # a minute: 10 a second
BURST = 2


def _take_together(limiters: list[PostgresRateLimiter], each: int) -> float:
    """Every limiter takes ``each`` tokens on its own thread; the seconds it took them all."""
    def take(limiter: PostgresRateLimiter) -> None:
        for _ in range(each):
            assert limiter.acquire()

    threads = [threading.Thread(target=take, args=(limiter,)) for limiter in limiters]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return time.monotonic() - started


def test_limiters_of_one_account_share_one_budget(database_url: str) -> None:
    limiters = [PostgresRateLimiter(database_url, "account:acme", RATE, burst=BURST) for _ in range(3)]
    elapsed = _take_together(limiters, each=10)
    # 30 tokens at 10/s with 2 saved up: at least 2.8 s together (three private buckets: about 0.8 s)
    assert elapsed >= (30 - BURST) / (RATE / 60) * 0.95, elapsed
    assert sum(limiter.acquired for limiter in limiters) == 30
    for limiter in limiters:
        limiter.stop()


def test_another_account_has_its_own_budget(database_url: str) -> None:
    acme = PostgresRateLimiter(database_url, "account:acme", RATE, burst=BURST)
    bolt = PostgresRateLimiter(database_url, "account:bolt", RATE, burst=BURST)
    elapsed = _take_together([acme, bolt], each=10)
    assert elapsed < (20 - BURST) / (RATE / 60) * 0.8, elapsed  # each at its own 10/s: about 0.8 s, not 1.8 s
    acme.stop()
    bolt.stop()


def test_a_hold_after_429_stops_every_limiter_of_the_account(database_url: str) -> None:
    first = PostgresRateLimiter(database_url, "account:acme", RATE, burst=BURST)
    second = PostgresRateLimiter(database_url, "account:acme", RATE, burst=BURST)
    first.hold(2.0)
    wait = second.try_acquire()
    assert 1.0 < wait <= 2.0
    assert first.holds == 1 and second.acquired == 0
    first.stop()
    second.stop()


def test_a_stopped_limiter_gives_no_more_tokens(database_url: str) -> None:
    limiter = PostgresRateLimiter(database_url, "account:acme", RATE, burst=BURST)
    limiter.stop()
    assert limiter.acquire() is False


def test_scope_is_the_account_else_the_site(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.delenv("COLLECTOR_ACCOUNT", raising=False)
    assert budget_scope(load_settings(base_url="http://127.0.0.1:8123")) == "site:127.0.0.1:8123"
    assert budget_scope(load_settings(base_url="https://seller.walmart.com")) == "site:seller.walmart.com"


def test_an_unreachable_database_is_one_line_without_the_password(database_url: str) -> None:
    bad = database_url.replace("collector@", "collector:pw-s3cret@").rsplit(":", 1)[0] + ":1/x"
    with pytest.raises(ConfigError) as refused:
        PostgresRateLimiter(bad, "account:acme", RATE)
    assert "pw-s3cret" not in str(refused.value) and "\n" not in str(refused.value)
