"""Helpers for the collector's end-to-end tests: the mock site (the shared ``site`` fixture),
the collector's environment, and what "every refund exactly once, all verifying" means."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from collector.demo import demo_pos
from collector.session import write_private
from collector.settings import CollectorSettings, load_settings
from evidence.bundle import verify_path
from evidence.bundle.layout import NAME_RE
from evidence.models import TransactionType
from fixtures.scenario import Scenario
from fixtures.site import MockSite

REPO = Path(__file__).resolve().parents[2]


def single_refund_pos(scenario: Scenario, n: int, *, attachments_first: bool = False) -> list[str]:
    """``n`` POs inside the search horizon with exactly one Customer Care refund each
    (optionally those whose Inbox threads carry attachments first, so attachment downloads are
    part of the run)."""
    with_attachments = {t.po for t in scenario.threads for m in t.messages if m.attachments and m.in_inbox}
    one = [
        o.po
        for o in scenario.orders
        if o.po in demo_pos(scenario)
        and sum(t.type == TransactionType.CUSTOMER_CARE_REFUND for t in o.transactions) == 1
    ]
    if attachments_first:
        one.sort(key=lambda po: po not in with_attachments)
        assert one and one[0] in with_attachments, "the default scenario has an order with an attachment"
    assert len(one) >= n, "the default scenario has enough single-refund orders"
    return one[:n]


def expected_refunds(scenario: Scenario, pos: Iterable[str]) -> set[tuple[str, str]]:
    wanted = set(pos)
    return {
        (o.po, t.transaction_id)
        for o in scenario.orders
        if o.po in wanted
        for t in o.transactions
        if t.type == TransactionType.CUSTOMER_CARE_REFUND
    }


def assert_every_refund_once(bundles_dir: Path, expected: set[tuple[str, str]]) -> None:
    """One bundle per expected refund (version 1 only: nothing captured twice), each verifying."""
    folders = sorted(p for p in bundles_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    leftovers = [p.name for p in bundles_dir.iterdir() if p.name.startswith(".staging-")]
    assert not leftovers, f"half-written bundles left behind: {leftovers}"
    found: list[tuple[str, str]] = []
    for folder in folders:
        match = NAME_RE.match(folder.name)
        assert match, f"unexpected folder {folder.name}"
        assert match["version"] == "1", f"{folder.name}: refund captured twice"
        manifest = json.loads((folder / "manifest.json").read_text())
        found.append((manifest["po"], manifest["refund_transaction_id"]))
        report = verify_path(folder)
        assert report.ok, f"{folder.name} does not verify: {report.as_dict()}"
    assert sorted(found) == sorted(expected)


def settings_for(site: MockSite, data_dir: Path, *, credentials: bool = True, **extra: object) -> CollectorSettings:
    seller = site.scenario.seller
    creds = {"email": seller.login_email, "password": seller.password, "totp_secret": seller.totp_secret} if credentials else {}
    return load_settings(base_url=site.url, data_dir=data_dir, seller_timezone=seller.timezone,
                         retry_initial_wait_s=0.2, retry_max_wait_s=2, **creds, **extra)  # type: ignore[arg-type]


def save_signed_in_session(site: MockSite, settings: CollectorSettings) -> None:
    """What `collector login` leaves behind: a storage state for a signed-in session (0600)."""
    write_private(settings.session_path, json.dumps(site.storage_state()).encode())


def collector_env(site: MockSite, data_dir: Path) -> dict[str, str]:
    seller = site.scenario.seller
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTOR_")}
    env.update({
        "COLLECTOR_BASE_URL": site.url,
        "COLLECTOR_DATA_DIR": str(data_dir),
        "COLLECTOR_EMAIL": seller.login_email,
        "COLLECTOR_PASSWORD": seller.password,
        "COLLECTOR_TOTP_SECRET": seller.totp_secret,
        "COLLECTOR_SELLER_TIMEZONE": seller.timezone,
        "COLLECTOR_RETRY_INITIAL_WAIT_S": "0.2",
    })
    return env


def run_collector(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "collector", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"
