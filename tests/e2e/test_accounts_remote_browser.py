"""End to end: two seller accounts collected through a browser on a browser host.

``collector browser-server`` runs as its own process (a machine that only hosts browsers); two
``collector --account NAME collect`` runs on the mock use it through ``browser_endpoint``, with
``browser_path`` pointing nowhere, so any Chromium started locally (sign-in included) would fail
the run. Each account's refunds land in its own folder, each account keeps its own session, and
the server stops cleanly on SIGTERM. ``collect --all-accounts`` runs both accounts in turn.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from collector.browser_server import ENDPOINT
from fixtures.site import MockSite
from tests.e2e.conftest import assert_every_refund_once, collector_env, expected_refunds, run_collector, single_refund_pos

pytestmark = pytest.mark.slow


def _start_browser_server(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "collector", "browser-server", "--port", "0"], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()  # the endpoint, first line on stdout
    assert ENDPOINT.fullmatch(line.encode()), (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc, line


def test_two_accounts_collect_through_a_remote_browser_server(site: MockSite, tmp_path: Path) -> None:
    seller = site.scenario.seller
    data_dir = tmp_path / "data"
    server_env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTOR_")}
    server_env["COLLECTOR_DATA_DIR"] = str(tmp_path / "browser-host")
    server, endpoint = _start_browser_server(server_env, tmp_path)
    try:
        accounts = tmp_path / "accounts.toml"
        accounts.write_text(
            f'[[account]]\nname = "north"\nbase_url = "{site.url}"\nemail_env = "NORTH_EMAIL"\n'
            f'password_env = "NORTH_PASSWORD"\ntotp_secret_env = "NORTH_TOTP"\nout = "north-out"\n'
            f'seller_timezone = "{seller.timezone}"\n'
            f'[[account]]\nname = "south"\nbase_url = "{site.url}"\nsecrets_file = "south.secrets.toml"\n'
            f'seller_timezone = "{seller.timezone}"\n'
        )
        secrets = tmp_path / "south.secrets.toml"
        fd = os.open(secrets, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f'email = "{seller.login_email}"\npassword = "{seller.password}"\ntotp_secret = "{seller.totp_secret}"\n')
        env = collector_env(site, data_dir)
        for key in ("COLLECTOR_BASE_URL", "COLLECTOR_EMAIL", "COLLECTOR_PASSWORD", "COLLECTOR_TOTP_SECRET"):
            env.pop(key)  # everything account-specific comes from the accounts file
        env.update({
            "COLLECTOR_ACCOUNTS_FILE": str(accounts), "COLLECTOR_BROWSER_ENDPOINT": endpoint,
            "COLLECTOR_BROWSER_PATH": str(tmp_path / "no-chromium-here"),  # a local launch would fail the run
            "NORTH_EMAIL": seller.login_email, "NORTH_PASSWORD": seller.password, "NORTH_TOTP": seller.totp_secret,
        })
        pos = single_refund_pos(site.scenario, 3)
        both, north_only = pos[:2], pos[2:]
        plain = ["--no-archive", "--progress", "plain"]
        every = run_collector(["collect", "--all-accounts", *plain, *[a for po in both for a in ("--po", po)]],
                              env, tmp_path, timeout=120)
        assert every.returncode == 0, every.stderr[-2000:]
        assert "== account north" in every.stderr and "== account south" in every.stderr
        one = run_collector(["--account", "north", "collect", *plain, "--po", north_only[0]], env, tmp_path, timeout=120)
        assert one.returncode == 0, one.stderr[-2000:]
        # each account's refunds once in its own folder (north: its `out`, south: out/south), none crossing
        assert_every_refund_once(tmp_path / "north-out" / "bundles", expected_refunds(site.scenario, pos))
        assert_every_refund_once(tmp_path / "out" / "south" / "bundles", expected_refunds(site.scenario, both))
        sessions = sorted(p.name for p in (data_dir / "sessions").iterdir())
        assert len(sessions) == 2 and any("north" in s for s in sessions) and any("south" in s for s in sessions)
        for name in sessions:
            assert json.loads((data_dir / "sessions" / name).read_text())["cookies"], name
        assert server.poll() is None, "the browser server is still serving"
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "Stopped." in err
