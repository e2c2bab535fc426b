"""The output folder's refund registry: every refund bundled once, whatever job or process asks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector.claims import OWNERS_DIR, STATE_DIR, RefundRegistry

PO, TXN = "4342076435326", "CCR-88121"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    (tmp_path / "bundles").mkdir()
    return tmp_path


def _registry(out: Path, job: str = "job-a", **kw: object) -> RefundRegistry:
    return RefundRegistry(out / STATE_DIR, out / "bundles", job_id=job, **kw)  # type: ignore[arg-type]


def _fake_bundle(out: Path, name: str, job: str) -> Path:
    folder = out / "bundles" / name
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"job_id": job}))
    return folder


def test_a_written_refund_is_done_for_every_later_job(out: Path) -> None:
    with _registry(out, "job-a") as a:
        assert a.claim(PO, TXN) == "mine"
        a.written(PO, TXN, out / "bundles" / f"{PO}_{TXN}_v1")
    with _registry(out, "job-b") as b:  # another day's scan, or the same POs plus one more
        assert b.claim(PO, TXN) == "done"


def test_a_refund_another_live_process_holds_is_busy_until_it_is_written(out: Path) -> None:
    a, b = _registry(out, "job-a"), _registry(out, "job-b")
    try:
        assert a.claim(PO, TXN) == "mine"
        assert b.claim(PO, TXN) == "busy"
        a.written(PO, TXN, out / "bundles" / f"{PO}_{TXN}_v1")
        assert b.claim(PO, TXN) == "done"
    finally:
        a.close()
        b.close()


def test_a_released_claim_can_be_taken_by_another_process(out: Path) -> None:
    a, b = _registry(out, "job-a"), _registry(out, "job-b")
    try:
        assert a.claim(PO, TXN) == "mine"
        a.release(PO, TXN)
        assert b.claim(PO, TXN) == "mine"
    finally:
        a.close()
        b.close()


def _die(registry: RefundRegistry) -> None:
    """What SIGKILL leaves: the claim rows stay, the owner's lock is gone."""
    registry._owner_lock.release()


def test_a_dead_owners_claim_is_taken_over(out: Path) -> None:
    a = _registry(out, "job-a")
    assert a.claim(PO, TXN) == "mine"
    _die(a)
    with _registry(out, "job-b") as b:
        assert b.claim(PO, TXN) == "mine"
    assert not (out / STATE_DIR / OWNERS_DIR / f"{a.owner}.lock").exists()


def test_a_dead_owners_bundle_that_reached_the_disk_is_adopted_not_captured_again(out: Path) -> None:
    a = _registry(out, "job-a")
    assert a.claim(PO, TXN) == "mine"
    bundle = _fake_bundle(out, f"{PO}_{TXN}_v1", "job-a")  # renamed into place, then killed
    _die(a)
    with _registry(out, "job-b") as b:
        assert b.claim(PO, TXN) == "done"
        assert b.state(PO, TXN) == ("written", str(bundle))


def test_bundles_from_before_the_registry_count_as_done(out: Path) -> None:
    _fake_bundle(out, f"{PO}_{TXN}_v1", "job-old")
    with _registry(out) as r:
        assert r.claim(PO, TXN) == "done"
        assert r.claim(PO, "CCR-2") == "mine"


def test_recapture_takes_refunds_bundled_before_the_run_but_not_its_own(out: Path) -> None:
    with _registry(out, "job-a") as a:
        assert a.claim(PO, TXN) == "mine"
        a.written(PO, TXN, out / "bundles" / f"{PO}_{TXN}_v1")
    started = datetime.now(UTC)
    with _registry(out, "job-a", recapture_before=started) as again:
        assert again.claim(PO, TXN) == "mine"
        again.written(PO, TXN, out / "bundles" / f"{PO}_{TXN}_v2")
        assert again.claim(PO, TXN) == "done"  # a resumed --recapture run does not take it a third time


def test_closing_releases_unfinished_claims(out: Path) -> None:
    a = _registry(out, "job-a")
    assert a.claim(PO, TXN) == "mine"
    a.close()
    with _registry(out, "job-b") as b:
        assert b.state(PO, TXN) is None
        assert b.claim(PO, TXN) == "mine"


def test_an_order_with_a_bundled_refund_is_known_before_it_is_read(out: Path) -> None:
    """The hint a worker uses to skip the Inbox walk before an order that will not need it."""
    _fake_bundle(out, f"{PO}_{TXN}_v1", "old-job")  # written before the registry existed
    with _registry(out, "job-a") as a:
        assert a.bundled(PO) and not a.bundled("4342076435320") and not a.bundled(PO[:-1])
        assert a.claim("4342076435320", "CCR-1") == "mine" and not a.bundled("4342076435320")  # claimed, not written
        a.written("4342076435320", "CCR-1", out / "bundles" / "4342076435320_CCR-1_v1")
        assert a.bundled("4342076435320")
    with _registry(out, "job-b", recapture_before=datetime.now(UTC)) as b:  # --recapture: nothing counts
        assert not b.bundled(PO) and not b.bundled("4342076435320")
