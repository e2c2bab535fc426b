"""Order traces are scrubbed before they are kept, dropped when they cannot be, and the bundle's
custody log says what was masked (no browser: a fake context writes a recorded-like trace)."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

import pytest

from collector.pipeline import Pipeline
from collector.settings import CollectorSettings, load_settings
from collector.traces import ScrubbedTrace, bundle_trace, stop_scrubbed, trace_secrets
from evidence.bundle import read_bundle, verify_path
from tests.collector.test_pipeline import NOW, _capture
from tests.evidence.test_scrub import EMAIL, EVERY_SECRET, PASSWORD, SESSION, TOTP_SECRET, _trace_zip


class FakeTracing:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.raw_path: Path | None = None

    def stop(self, path: str) -> None:
        self.raw_path = Path(path)
        self.raw_path.write_bytes(self.data)


@dataclasses.dataclass
class FakeContext:
    tracing: FakeTracing


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CollectorSettings:
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    return load_settings(base_url="http://127.0.0.1:1", data_dir=tmp_path / "data", operator="tester",
                         email=EMAIL, password=PASSWORD, totp_secret=TOTP_SECRET)  # type: ignore[arg-type]


@pytest.fixture
def storage_state(tmp_path: Path) -> Path:
    path = tmp_path / "storage-state.json"
    path.write_text(json.dumps({"cookies": [{"name": "sc_session", "value": SESSION}], "origins": []}))
    return path


def test_the_secrets_are_the_credentials_and_the_saved_cookies(settings: CollectorSettings, storage_state: Path) -> None:
    assert sorted(trace_secrets(settings, storage_state)) == sorted([EMAIL, PASSWORD, TOTP_SECRET, SESSION])
    assert trace_secrets(settings, storage_state.with_name("missing.json")) == [EMAIL, PASSWORD, TOTP_SECRET]


def test_a_kept_trace_holds_no_secret_and_the_raw_one_is_gone(settings: CollectorSettings, storage_state: Path,
                                                                tmp_path: Path) -> None:
    context = FakeContext(FakeTracing(_trace_zip()))
    kept = tmp_path / "failures" / "4342076435326-trace.zip"
    report = stop_scrubbed(context, kept, settings, storage_state)  # type: ignore[arg-type]
    assert report is not None and report.counts["cookie"] > 0
    with zipfile.ZipFile(kept) as z:
        blob = b"".join(z.read(n) for n in z.namelist())
    assert [s for s in (EMAIL, PASSWORD, TOTP_SECRET, SESSION) if s.encode() in blob] == []
    assert context.tracing.raw_path is not None and not context.tracing.raw_path.exists()
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]  # no temporary file beside it


def test_a_trace_that_cannot_be_scrubbed_is_not_kept(settings: CollectorSettings, storage_state: Path,
                                                     tmp_path: Path) -> None:
    kept = tmp_path / "failures" / "4342076435326-trace.zip"
    kept.parent.mkdir()
    kept.write_bytes(b"an older trace of the same order")
    context = FakeContext(FakeTracing(b"PK\x03\x04 not a zip, but holds " + SESSION.encode()))
    assert stop_scrubbed(context, kept, settings, storage_state) is None  # type: ignore[arg-type]
    assert not kept.exists() and list(kept.parent.iterdir()) == []
    assert context.tracing.raw_path is not None and not context.tracing.raw_path.exists()


def test_a_bundle_with_a_scrubbed_trace_records_what_was_masked_in_its_custody_log(
    settings: CollectorSettings, storage_state: Path, tmp_path: Path
) -> None:
    kept = tmp_path / "failures" / "po-trace.zip"
    report = stop_scrubbed(FakeContext(FakeTracing(_trace_zip())), kept, settings, storage_state)  # type: ignore[arg-type]
    assert report is not None
    trace = bundle_trace(kept, report)
    assert isinstance(trace, ScrubbedTrace) and trace.path == "captures/trace.zip"
    capture = _capture()
    capture.files.append(trace)
    pipeline = Pipeline(out_dir=tmp_path / "bundles", settings=settings, job_id="job-test", clock=lambda: NOW)
    written = pipeline.process(capture)
    assert verify_path(written.bundle).ok
    [captured] = read_bundle(written.bundle).custody
    note = captured.details["scrubbed"]
    assert note.startswith("captures/trace.zip: ") and "cookie=" in note and "sign-in-body=2" in note
    assert captured.details["job_id"] == "job-test"
    custody = (written.bundle / "custody.jsonl").read_text()
    assert [s for s in EVERY_SECRET if s in custody] == []


def test_a_bundle_without_a_trace_has_no_scrub_note(settings: CollectorSettings, tmp_path: Path) -> None:
    pipeline = Pipeline(out_dir=tmp_path / "bundles", settings=settings, job_id="job-test", clock=lambda: NOW)
    [captured] = read_bundle(pipeline.process(_capture()).bundle).custody
    assert "scrubbed" not in captured.details
