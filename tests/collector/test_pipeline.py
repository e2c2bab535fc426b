"""The pipeline: a captured refund becomes one sealed, verifying bundle, exactly once (no browser)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from collector.handlers import RefundCapture, StagedFile
from collector.pipeline import Pipeline
from collector.settings import load_settings
from evidence.bundle import read_bundle, verify_path
from evidence.models import (
    AmountBreakdown,
    Capture,
    Channel,
    DisputeInfo,
    DisputeState,
    Layout,
    Message,
    MessageSource,
    Money,
    RefundChannel,
    RefundDetail,
    Role,
    Transaction,
    TransactionType,
)

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
PO = "4342076435326"
RELAY = "86960586d35c51ea0cb45ef87fe602b7@relay.walmart.com"


def _money(v: str) -> Money:
    return Money(amount=Decimal(v))


def _capture(txn: str = "CCR-1") -> RefundCapture:
    refund = RefundDetail(
        transaction_id=txn,
        po=PO,
        type=TransactionType.CUSTOMER_CARE_REFUND,
        breakdown=AmountBreakdown(product=_money("-40.00"), shipping=_money("-5.00"), tax=_money("-2.17"),
                                  fees=_money("0"), commission=_money("5.00"), net_payable=_money("-42.17")),
        reason="Merchandise not received",
        issued_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        channel=Channel.CUSTOMER_CARE,
        refund_channel=RefundChannel.WALMART_TRIGGERED_REFUND,
        dispute=DisputeInfo(state=DisputeState.OPEN, window_ends_at=datetime(2026, 11, 22, 9, 0, tzinfo=UTC)),
        layout=Layout.TRANSACTIONS_2024,
    )
    messages = [
        Message(message_id="m1", source=MessageSource.INBOX, sent_at=datetime(2026, 11, 18, 10, 0, tzinfo=UTC),
                sender=RELAY, role=Role.CUSTOMER, subject="Where is my order?", body_text="<script>x</script> not here"),
        Message(message_id="m2", source=MessageSource.INBOX, sent_at=datetime(2026, 11, 18, 12, 0, tzinfo=UTC),
                sender="support@prairiegoods.example", role=Role.SELLER, subject="Re: Where is my order?",
                body_text="We are on it: a replacement ships today."),
    ]
    shot = "captures/01-transactions.details"
    return RefundCapture(
        po=PO,
        transaction_id=txn,
        refund=refund,
        transactions=[Transaction(transaction_id=txn, po=PO, type=TransactionType.CUSTOMER_CARE_REFUND,
                                  description="Walmart Customer Care refund", posted_at=refund.issued_at,
                                  net_payable=_money("-42.17"))],
        order=None,
        returns=[],
        dispute_case=None,
        inbox_messages=messages,
        captures=[Capture(screen="transactions.details", url="http://mock/transactions", captured_at=NOW,
                          screenshot=f"{shot}.png", snapshot=f"{shot}.html")],
        files=[StagedFile(f"{shot}.png", b"\x89PNG\r\n\x1a\nfake", "image/png"),
               StagedFile(f"{shot}.html", b"<html><body>details</body></html>", "text/html; charset=utf-8")],
        source_urls=["http://mock/transactions"],
        seller_name="Prairie Goods Co.",
    )


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(base_url="http://127.0.0.1:1", data_dir=tmp_path / "data", operator="tester")
    return Pipeline(out_dir=tmp_path / "bundles", settings=settings, job_id="job-test", clock=lambda: NOW)


def test_a_captured_refund_becomes_a_verifying_assessed_bundle(pipeline: Pipeline) -> None:
    written = pipeline.process(_capture())
    assert written.bundle.name == f"{PO}_CCR-1_v1"
    assert verify_path(written.bundle).ok
    bundle = read_bundle(written.bundle)
    assert bundle.case.refund.transaction_id == "CCR-1"
    assert bundle.case.seller.name == "Prairie Goods Co."
    assert [len(t.messages) for t in bundle.case.threads] == [2]
    assert bundle.case.assessment is not None and written.verdict == bundle.case.assessment.verdict.value
    assert bundle.manifest.job_id == "job-test"
    assert "captures/01-transactions.details.png" in bundle.files("captures/")


def test_the_same_refund_in_the_same_job_is_adopted_not_written_twice(pipeline: Pipeline) -> None:
    first = pipeline.process(_capture())
    again = pipeline.process(_capture())
    assert again.adopted and again.bundle == first.bundle
    assert sorted(p.name for p in pipeline.out_dir.iterdir() if p.is_dir()) == [f"{PO}_CCR-1_v1"]


def test_the_index_lists_the_written_bundles(pipeline: Pipeline) -> None:
    pipeline.process(_capture("CCR-1"))
    pipeline.process(_capture("CCR-2"))
    index = pipeline.finish()
    assert index is not None and index.exists()
    html = index.read_text(encoding="utf-8")
    assert "CCR-1" in html and "CCR-2" in html
