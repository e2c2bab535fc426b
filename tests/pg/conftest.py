"""A real PostgreSQL on loopback for the tests that need one (scripts/setup.sh --test installs it).

``initdb`` into a fresh folder, ``pg_ctl start`` on a free 127.0.0.1 port, trust authentication
for the loopback only, stopped at the end of the session. PostgreSQL refuses to run as root: as
root the cluster belongs to the ``postgres`` system user (``runuser``). Skipped, with the reason,
where the binaries are missing.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from collector.session import write_private
from collector.settings import load_settings
from fixtures.site import MockSite
from tests.e2e.conftest import collector_env

START_TIMEOUT_S = 30


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One throw-away cluster; ``url(db)`` for a database in it."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="collector-pg-"))  # in /tmp: the postgres user can reach it
        self.data = self.folder / "data"
        self.port = _free_port()
        self.user = "collector"
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("PostgreSQL refuses root and there is no postgres user to run it as")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {(result.stderr or result.stdout).strip()[-800:]}")

    def start(self) -> None:
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c max_connections=100"
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "-t", str(START_TIMEOUT_S), "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (scripts/setup.sh --test installs it): initdb not found")
    server = PostgresServer(bin_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def database_url(postgres: PostgresServer) -> str:
    """A fresh, empty database of the session's server."""
    return postgres.new_database()


@pytest.fixture
def worker_env(site: MockSite, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The collector's environment on the mock with the test's database, set in this process too,
    and a signed-in saved session (as after `collector login`): for workers and commands."""
    env = collector_env(site, tmp_path / "data")
    env["COLLECTOR_DATABASE_URL"] = database_url
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    write_private(load_settings().session_path, json.dumps(site.storage_state()).encode())
    return env


def wait_for(check: Callable[[], object], timeout: float, what: str) -> object:
    """``check()``'s first truthy answer, or an AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)  # the test polling the database, not the collector
    raise AssertionError(f"timed out waiting for {what}")
