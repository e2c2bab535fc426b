"""The collector's hook for unidentified senders: ``email.roles_unknown`` is logged once per job.

(Kept beside the e-mail tests it belongs to; it needs ``collector.pipeline`` but no browser.)
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from evidence.models import Message, MessageSource, Role, Thread

PO = "4342076435326"
T0 = datetime(2026, 11, 10, 2, 14, tzinfo=UTC)


def _thread(*roles: Role) -> list[Thread]:
    messages = [
        Message(message_id=f"m{n}@x", source=MessageSource.MAILBOX, sent_at=T0 + timedelta(hours=n),
                sender="support@prairiegoods.example", role=role)  # fmt: skip
        for n, role in enumerate(roles)
    ]
    return [Thread(po=PO, messages=messages)]


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from collector.pipeline import Pipeline
    from collector.settings import load_settings

    monkeypatch.chdir(tmp_path)
    settings = load_settings(base_url="http://127.0.0.1:1", data_dir=tmp_path / "data", operator="tester")
    return Pipeline(out_dir=tmp_path / "bundles", settings=settings, job_id="job-test", clock=lambda: T0)


def test_unknown_roles_are_warned_about_once_per_job(pipeline) -> None:
    with capture_logs() as logs:
        pipeline.warn_roles_unknown(PO, _thread(Role.CUSTOMER, Role.SELLER))  # all known: nothing
        pipeline.warn_roles_unknown(PO, _thread(Role.CUSTOMER, Role.UNKNOWN, Role.UNKNOWN))
        pipeline.warn_roles_unknown("4112241758347", _thread(Role.UNKNOWN))
    warnings = [e for e in logs if e["event"] == "email.roles_unknown"]
    assert len(warnings) == 1
    assert warnings[0]["log_level"] == "warning"
    assert warnings[0]["po"] == PO and warnings[0]["messages"] == 2
    assert "seller_addresses" in warnings[0]["hint"]


def test_concurrent_workers_still_warn_once(pipeline) -> None:
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        pipeline.warn_roles_unknown(PO, _thread(Role.UNKNOWN))

    with capture_logs() as logs:
        workers = [threading.Thread(target=work) for _ in range(8)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert len([e for e in logs if e["event"] == "email.roles_unknown"]) == 1
