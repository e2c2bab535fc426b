"""``collector demo``: the whole job on the embedded mock Seller Center, offline.

Starts ``MockSite`` with the default scenario on a free port, signs in headless with the
scenario's credentials and TOTP secret, exports the scenario's mailbox as .eml files (merged
with the Inbox messages, as a seller's own mail would be), collects every Customer Care refund the Payments /
Transactions search can still show (orders inside the 90-day horizon), writes the bundles and
the index, and returns the rows of the summary table.

Time: deadlines and reply windows are assessed at the scenario's clock (``scenario.clock.now``),
the "now" the mock's screens show, so the verdicts match what the screens say whatever day the
demo runs. Bundle timestamps use the real clock.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from collector.inputs import InputBatch
from collector.jobs import JobRequest, JobResult, run_job
from collector.progress import ProgressView
from collector.report import RefundRow, refund_rows
from collector.settings import CollectorSettings, load_settings
from evidence.models import TransactionType

if TYPE_CHECKING:  # pragma: no cover - the mock's scenario model, loaded when the demo runs
    from fixtures.scenario import Scenario

DemoRow = RefundRow  # the demo's table is the collector's verdict table (collector.report)


def demo_pos(scenario: Scenario) -> list[str]:
    """POs with a Customer Care refund whose order the search screens still show (90 days)."""
    horizon = scenario.clock.now - timedelta(days=scenario.site.search_horizon_days)
    return [
        o.po
        for o in scenario.orders
        if o.order_date >= horizon and any(t.type == TransactionType.CUSTOMER_CARE_REFUND for t in o.transactions)
    ]


def seller_addresses(scenario: Scenario) -> list[str]:
    """The addresses the seller writes from in the scenario's threads (role ``seller``)."""
    return sorted({m.from_address for t in scenario.threads for m in t.messages if m.role.value == "seller"})


def demo_settings(
    scenario: Scenario,
    url: str,
    data_dir: Path,
    concurrency: int,
    mail_folder: Path | None = None,
    signing_key: Path | None = None,
) -> CollectorSettings:
    seller = scenario.seller
    return load_settings(
        mail_folders=[mail_folder] if mail_folder else [],
        seller_addresses=seller_addresses(scenario),
        base_url=url,
        data_dir=data_dir,
        email=seller.login_email,
        password=seller.password,
        totp_secret=seller.totp_secret,
        seller_timezone=seller.timezone,
        concurrency=concurrency,
        max_requests_per_minute=6000,
        operator="demo",
        signing_key=signing_key,
    )


def summary_rows(result: JobResult, scenario: Scenario) -> list[DemoRow]:
    """The verdict table's rows, assessed and counted at the scenario's clock, in the seller's zone."""
    return refund_rows(result.report, scenario.seller.timezone, scenario.clock.now)


def run_demo(
    out: Path,
    *,
    concurrency: int = 3,
    progress: ProgressView | None = None,
    scenario: Scenario | None = None,
    signing_key: Path | None = None,
) -> tuple[JobResult, list[DemoRow]]:
    from fixtures.site import MockSite, default_scenario

    scenario = scenario or default_scenario()
    run_dir = out / datetime.now(UTC).strftime("run-%Y%m%d-%H%M%S")
    data_dir = Path(tempfile.mkdtemp(prefix="collector-demo-"))
    site = MockSite(scenario)
    try:
        url = site.start()
        # The seller's mailbox, as a folder of .eml: merged with the Inbox (replies sent from a
        # mail client exist only there).
        from fixtures.mailbox import write_eml_folder

        mail_folder = data_dir / "mailbox"
        write_eml_folder(scenario, mail_folder)
        settings = demo_settings(scenario, url, data_dir, concurrency, mail_folder, signing_key)
        batch = InputBatch(pos=demo_pos(scenario), source="demo scenario")
        result = run_job(
            settings,
            JobRequest(orders=batch),
            run_dir,
            progress=progress,
            assess_now=lambda: scenario.clock.now,
        )
        return result, summary_rows(result, scenario)
    finally:
        site.stop()
        shutil.rmtree(data_dir, ignore_errors=True)  # the demo's saved session: never left behind
