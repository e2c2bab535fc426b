"""Signing at collection, and every later re-seal (assessment, review, added file) signed with the
same key: ``verify --trusted-keys`` accepts them all, and notices a re-seal made without the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from collector.pipeline import Pipeline
from collector.settings import load_settings
from evidence.bundle import load_signing_key, load_trusted_keys, new_key_pair, read_bundle, verify_path
from evidence.bundle.custody import CustodyEvent
from evidence.models import EvidenceKind
from evidence.review import REASONS, add_evidence_and_reassess, approve, reject
from tests.collector.test_pipeline import NOW, _capture

TEXT = "The customer was answered within 3 hours with tracking and a replacement offer."


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public = new_key_pair(tmp_path / "keys", "ops")
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    (trusted / public.name).write_bytes(public.read_bytes())
    return private, trusted


def test_collection_assessment_review_and_added_files_are_all_signed(
    tmp_path: Path, keys: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    private, trusted_dir = keys
    monkeypatch.chdir(tmp_path)
    settings = load_settings(base_url="http://127.0.0.1:1", data_dir=tmp_path / "data", signing_key=private)
    bundle = Pipeline(out_dir=tmp_path / "bundles", settings=settings, job_id="j", clock=lambda: NOW).process(
        _capture()
    ).bundle
    trusted = load_trusted_keys(trusted_dir)
    key = load_signing_key(private)
    assert verify_path(bundle, trusted).ok
    assert read_bundle(bundle).custody[0].details["signed_by"] == key.fingerprint

    add_evidence_and_reassess(bundle, b"claim", "claim.pdf", EvidenceKind.CARRIER_CLAIM, "ann", signing_key=key)
    approve(bundle, "ann", text=TEXT, reason=REASONS[0], signing_key=key)
    assert verify_path(bundle, trusted).ok
    events = [(e.event, e.details.get("signature", "")) for e in read_bundle(bundle).custody[1:]]
    assert [e for e, _ in events] == [CustodyEvent.EVIDENCE_ADDED, CustodyEvent.ASSESSED, CustodyEvent.REVIEWED]
    assert all(s.startswith("re-signed by ops") for _, s in events)
    cli = subprocess.run([sys.executable, "-m", "collector", "verify", "--trusted-keys", str(trusted_dir), str(bundle)],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert cli.returncode == 0, cli.stdout + cli.stderr

    reject(bundle, "bob", "changed my mind")  # no key: the signature no longer matches, so it is dropped
    report = verify_path(bundle, trusted)
    assert not report.ok
    assert [p.code for b in report.bundles for p in b.problems] == ["signature.missing"]
    assert verify_path(bundle).ok  # still intact, just not signed
