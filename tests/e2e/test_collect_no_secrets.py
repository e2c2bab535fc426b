"""End to end: `collect --trace on` (web archives on, as by default) against the mock, with sessions
expiring mid-run and a failing order, leaves no credential and no session cookie anywhere in its
output: not in the bundles (the traces and web archives inside them included, unzipped, their
gzip WARC records decompressed), not in their exports, not in the job folder's failures/."""

from __future__ import annotations

import gzip
import io
import json
import zlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from collector.inputs import InputBatch
from collector.jobs import JobRequest, run_job
from collector.progress import PlainProgress
from evidence.bundle import export_bundles, read_bundle
from fixtures.site import Faults, MockSite
from tests.e2e.conftest import settings_for, single_refund_pos

pytestmark = pytest.mark.slow


def _contents(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """A file's bytes and, for a zip (a trace, a web archive, an export, either inside an export),
    every entry's; for gzip (a WARC: one gzip member per record), the decompressed bytes."""
    yield name, data
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in archive.namelist():
                yield from _contents(f"{name}!{entry}", archive.read(entry))
    elif data[:2] == b"\x1f\x8b":
        try:
            yield from _contents(f"{name}!gunzip", gzip.decompress(data))  # every member, concatenated
        except (OSError, EOFError, zlib.error) as exc:
            raise AssertionError(f"{name} looks gzip-compressed but does not decompress: {exc}") from exc


def _hits(folder: Path, secrets: dict[str, str]) -> list[str]:
    hits = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        for name, data in _contents(str(path.relative_to(folder)), path.read_bytes()):
            for label, secret in secrets.items():
                forms = {secret, quote(secret, safe=""), quote_plus(secret)}
                if any(form.encode() in data for form in forms):
                    hits.append(f"{label} in {name}")
    return hits


@pytest.mark.timeout(900)  # traced renewals are slow on a loaded 2-core machine
def test_collect_with_traces_leaves_no_password_totp_secret_or_session_cookie(
    site: MockSite, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued: list[str] = []  # every session and 2FA-step token the mock hands out during the run
    new_session, check_password = site.auth._new_session, site.auth.check_password

    def recording_session() -> str:
        issued.append(new_session())
        return issued[-1]

    def recording_password(*args: str) -> tuple[object, str | None]:
        result, pending = check_password(*args)
        issued.extend([pending] if pending else [])
        return result, pending

    monkeypatch.setattr(site.auth, "_new_session", recording_session)
    monkeypatch.setattr(site.auth, "check_password", recording_password)
    good = single_refund_pos(site.scenario, 2)
    old = next(o.po for o in site.scenario.orders if "older_than_90_days" in o.tags)  # fails: a failure trace
    settings = settings_for(site, data_dir, concurrency=2, trace="on")
    site.set_faults(Faults(expire_after_requests=15))  # sessions die mid-order: renewed sign-ins
    out = tmp_path / "out"
    result = run_job(settings, JobRequest(orders=InputBatch(pos=[old, *good])), out, progress=PlainProgress(io.StringIO()))

    assert result.report.orders["written"] == 2 and result.report.orders["failed"] == 1, result.report.failures
    assert result.report.session_renewals >= 1  # the renewal path ran on traced pages
    (job_dir,) = (out / "jobs").iterdir()
    failure_trace = job_dir / "failures" / f"{old}-trace.zip"
    assert failure_trace.is_file()
    bundles = sorted(p for p in (out / "bundles").iterdir() if p.is_dir())
    assert len(bundles) == 2 and all((b / "captures" / "trace.zip").is_file() for b in bundles)
    assert all((b / "captures" / "archive.wacz").is_file() for b in bundles)  # archives are on by default
    exports = export_bundles(bundles, tmp_path / "exports", actor="tester")
    assert len(exports) == 2

    seller = site.scenario.seller
    saved = json.loads(settings.session_path.read_text())["cookies"]
    secrets = {"password": seller.password, "TOTP secret": seller.totp_secret}
    secrets |= {f"saved cookie {c['name']}": c["value"] for c in saved}
    secrets |= {f"issued token {i}": token for i, token in enumerate(issued)}
    assert len(issued) >= 2  # the first sign-in and at least one renewal
    assert _hits(out / "bundles", secrets) == []
    assert _hits(job_dir / "failures", secrets) == []
    assert _hits(tmp_path / "exports", secrets) == []
    for bundle in bundles:  # the traces were there, held cookies, and say so in the custody log; so do the archives
        [captured] = read_bundle(bundle).custody
        assert captured.details["scrubbed"].startswith("captures/trace.zip: ") and "cookie=" in captured.details["scrubbed"]
        assert "; captures/archive.wacz: " in captured.details["scrubbed"]
    # The check itself finds a cookie in a trace, and in a WARC record inside a WACZ, that were not scrubbed.
    assert _hits_in_bytes(_unscrubbed_like(issued[-1]), secrets)
    assert _hits_in_bytes(_unscrubbed_wacz_like(issued[-1]), secrets)


def _unscrubbed_like(token: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("trace.network", json.dumps({"headers": [{"name": "Cookie", "value": f"sc_session={token}"}]}))
    return buffer.getvalue()


def _unscrubbed_wacz_like(token: str) -> bytes:
    record = f"WARC/1.1\r\nWARC-Type: request\r\n\r\nGET / HTTP/1.1\r\nCookie: sc_session={token}\r\n\r\n"
    warc = gzip.compress(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n\r\n") + gzip.compress(record.encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.warc.gz", warc)  # STORED, as in a WACZ: the cookie is only in a gzip member
    return buffer.getvalue()


def _hits_in_bytes(data: bytes, secrets: dict[str, str]) -> bool:
    return any(secret.encode() in content for _, content in _contents("x.zip", data) for secret in secrets.values())
