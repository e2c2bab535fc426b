"""The review commands as a user runs them: `collector review` prints a working address,
`collector packet` prints the packet (exit 0 approved, 1 not yet), one-line errors."""

from __future__ import annotations

import http.cookiejar
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

from collector.cli import app
from evidence.review import REASONS, approve

runner = CliRunner()
NAME = "4342076435326_CCR-88121_v1"
TEXT = "The customer was answered by a person within 20 hours; the carrier shows delivery."


def test_review_prints_an_address_that_works_only_with_its_token(bundles: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "collector", "review", str(bundles), "--no-open", "--reviewer", "Ann"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith("Review app: http://127.0.0.1:"), line
        url = line.split(": ", 1)[1].strip()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(url, timeout=10).read().decode()
        assert "Refunds to review" in page and f"/b/{NAME}/" in page
        bare = url.split("?")[0]
        try:
            urllib.request.urlopen(bare, timeout=10)
            raise AssertionError("the address without its token was served")
        except urllib.error.HTTPError as exc:
            assert exc.code == 403
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_review_of_an_empty_folder_or_a_bad_host_is_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["review", str(empty), "--no-open"])
    assert result.exit_code == 1 and "no bundles" in result.output
    result = runner.invoke(app, ["review", str(tmp_path / "missing"), "--no-open"])
    assert result.exit_code == 2


def test_packet_exit_codes_and_json(bundles: Path) -> None:
    bundle = bundles / NAME
    result = runner.invoke(app, ["packet", str(bundle)])
    assert result.exit_code == 1
    assert "not ready to file: not approved (to review)" in result.output
    approve(bundle, "Ann", text=TEXT, reason=REASONS[0], attachments=["captures/01-refund-details.png"])
    result = runner.invoke(app, ["packet", str(bundle), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["approved"], data["reason"], data["description"]) == (True, REASONS[0], TEXT)
    assert data["attachments"] == ["captures/01-refund-details.png"]
    text = runner.invoke(app, ["packet", str(bundle)])
    assert text.exit_code == 0
    assert "Dispute form: https://seller.walmart.com/disputes/new?transaction=CCR-88121" in text.output
    assert runner.invoke(app, ["packet", str(bundles)]).exit_code == 2  # a folder, not one bundle
