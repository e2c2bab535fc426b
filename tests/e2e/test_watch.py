"""End to end: `collector watch` over several ticks while refunds appear on the mock (its clock
advanced between ticks, no real waiting): each refund captured exactly once, none missed, one
issued between two ticks and one issued during a tick (after that tick's scan read the
dashboard) included. Alerts go to a real local SMTP server (STARTTLS + AUTH) and a local webhook:
"refund found" once per refund, a deadline warning once, and none after the refund is filed. A
second watcher on the same folder is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from filelock import FileLock

from collector.alerts import EmailChannel, WebhookChannel
from collector.cases import open_store
from collector.errors import ConfigError
from collector.watch import LAST_SCAN, Watcher, WatchOptions
from evidence.bundle.writer import record_filed
from fixtures.scenario import ScenarioTransaction, load_scenario
from fixtures.site import MockSite
from tests.collector.alert_servers import SMTP_PASSWORD, SMTP_USER, SmtpServer, WebhookReceiver, smtp_server, webhook
from tests.e2e.conftest import assert_every_refund_once, save_signed_in_session, settings_for
from tests.fixtures.helpers import MINIMAL, OPEN_PO, OPEN_TXN, PASSED_TXN, SALE_PO, SELLER_REFUND_PO

pytestmark = pytest.mark.slow
__all__ = ["smtp_server", "webhook"]  # fixtures


@pytest.fixture
def mini_site() -> Iterator[MockSite]:
    with MockSite(load_scenario(MINIMAL)) as running:
        yield running


def _refund(site: MockSite, po: str, txn_id: str, at: datetime) -> None:
    """A new Customer Care refund on ``po`` (facts copied from the scenario's damaged-item refund)."""
    template = next(t for o in site.scenario.orders for t in o.transactions if t.transaction_id == PASSED_TXN)
    site.add_transaction(po, ScenarioTransaction.model_validate(
        {**template.model_dump(), "transaction_id": txn_id, "posted_at": at, "settlement_date": None}))


def test_watch_captures_every_refund_once_across_ticks(mini_site: MockSite, tmp_path: Path, smtp_server: SmtpServer,
                                                      webhook: WebhookReceiver) -> None:
    site, out = mini_site, tmp_path / "out"
    # the open refund's 48-hour window ends 26 h after t0: warn at 30 h (tick 1) and 25 h (tick 3)
    settings = settings_for(site, tmp_path / "data", concurrency=1, alert_hours=[30, 25])
    channels = [EmailChannel(host="127.0.0.1", port=smtp_server.port, sender="collector@seller.example",
                             recipients=["ops@seller.example"], user=SMTP_USER, password=SMTP_PASSWORD,
                             ssl_context=smtp_server.client_context), WebhookChannel(webhook.url)]
    save_signed_in_session(site, settings)
    t0 = site.scenario.clock.now
    between, during = f"T-{SALE_PO}-90", f"T-{SELLER_REFUND_PO}-91"

    def before_cycle(n: int) -> None:
        if n > 1:
            site.advance_clock(timedelta(minutes=30))
        if n == 2:
            _refund(site, SALE_PO, between, t0 + timedelta(minutes=10))  # issued between ticks 1 and 2
            # the seller files the open refund (as `collector file` does: the form, then the custody log)
            order, txn = site.data.find_transaction(OPEN_TXN)  # type: ignore[misc]
            case = site.book.file(order, txn, "Item delivered", "Delivered with photo proof on Nov 24.", [])
            [bundle] = [p for p in (out / "bundles").iterdir() if p.name.startswith(f"{OPEN_PO}_")]
            record_filed(bundle, case.case_id, "collector file", clock=lambda: site.scenario.clock.now)

    def after_collect(n: int) -> None:
        if n == 2:  # issued while tick 2 runs (it started at t0+30), after its scan read the dashboard;
            # the tick goes on until t0+55: a scan mark taken at the tick's end would miss it
            _refund(site, SELLER_REFUND_PO, during, t0 + timedelta(minutes=31))
            site.set_clock(t0 + timedelta(minutes=55))

    watcher = Watcher(settings, out, WatchOptions(every=timedelta(0), cycles=3, margin=timedelta(minutes=15),
                                                  track=False),
                      clock=lambda: site.scenario.clock.now, channels=channels,
                      before_cycle=before_cycle, after_collect=after_collect)
    results = watcher.run()

    assert [r.ok for r in results] == [True] * 3, [r.error for r in results]
    # tick 3 scans back over the refunds of ticks 1 and 2 (the overlap) and captures only the new one
    assert [[txn for _, txn in r.new_refunds] for r in results] == [[OPEN_TXN], [between], [during]]
    assert results[2].scanned_since == t0 + timedelta(minutes=30) - timedelta(minutes=15)
    assert_every_refund_once(out / "bundles", {(OPEN_PO, OPEN_TXN), (SALE_PO, between), (SELLER_REFUND_PO, during)})
    with open_store(out) as store:
        sent = [(a.key, a.channel) for a in store.alerts() if a.kind == "refund_found" and a.sent_at is not None]
        found = sorted({key for key, _ in sent})
        assert len(sent) == 6  # three refunds, each sent once by e-mail and once to the webhook
        assert store.get_mark(LAST_SCAN) == (t0 + timedelta(minutes=85)).isoformat()
    assert found == sorted(f"refund-found:{t}" for t in (OPEN_TXN, between, during))
    kinds = sorted((b["kind"], b["details"].get("transaction_id"), b["details"].get("threshold_hours"))
                   for b in webhook.bodies)
    assert kinds == sorted([("refund_found", OPEN_TXN, None), ("refund_found", between, None),
                            ("refund_found", during, None), ("deadline", OPEN_TXN, "30h")])  # no 25h: filed
    assert sorted(m["Subject"] for m in smtp_server.messages) == sorted(
        [f"[cc-refund-collector] New Customer Care refund on PO {po}" for po in (OPEN_PO, SALE_PO, SELLER_REFUND_PO)]
        + [f"[cc-refund-collector] Dispute deadline in 1 d 2 h 5 min: PO {OPEN_PO}"])
    assert [p.name for p in (out / "jobs").iterdir()] == ["watch"]  # one job, scanned again every cycle


def test_a_second_watcher_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".collector").mkdir(parents=True)
    held = FileLock(out / ".collector" / "watch.lock")
    held.acquire()
    try:
        watcher = Watcher(settings_for_offline(tmp_path), out, WatchOptions(cycles=1), channels=[])
        with pytest.raises(ConfigError, match="another collector watch is running"):
            watcher.run()
        assert watcher.results == []  # refused before any cycle
    finally:
        held.release()


def settings_for_offline(tmp_path: Path):  # noqa: ANN201
    from collector.settings import load_settings

    return load_settings(data_dir=tmp_path / "data", base_url="http://127.0.0.1:9")
