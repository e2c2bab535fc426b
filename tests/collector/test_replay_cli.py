"""`collector replay` refuses clearly, before any browser starts: no such folder, not a bundle, a
bundle without a web archive, a screen it does not have, no display for a window."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app
from evidence.bundle import Artifact, write_bundle
from evidence.bundle.example import PO, example_artifacts, example_case, example_context, fixed_clock
from evidence.scrub import Exchange
from evidence.webarchive import ArchivedExchange, ArchivePage, build_wacz

runner = CliRunner()


def _bundle(tmp_path: Path, *, archive: bool) -> Path:
    artifacts = example_artifacts()
    if archive:
        url = f"https://seller.walmart.com/transactions?q={PO}"
        wacz, _ = build_wacz([ArchivedExchange(Exchange("GET", url, [], None, [], b"<h1>x</h1>"), 200, "OK", fixed_clock())],
                             [ArchivePage("01-refund-details", url, "transactions.refund-details", fixed_clock())],
                             secrets=[], created=fixed_clock(), software="test")
        artifacts = [*artifacts, Artifact("captures/archive.wacz", wacz, "application/wacz")]
    return write_bundle(tmp_path / "out", example_case(), artifacts, example_context(), clock=fixed_clock).path


def test_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["replay", str(tmp_path / "nope"), "--screenshot", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "no bundle folder at" in result.output


def test_a_folder_that_is_not_a_bundle_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["replay", str(tmp_path), "--screenshot", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "is not a readable bundle" in result.output


def test_a_bundle_without_an_archive_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["replay", str(_bundle(tmp_path, archive=False)), "--screenshot", str(tmp_path / "x.png")])
    assert result.exit_code == 1
    assert "has no web archive (captures/archive.wacz)" in result.output and "Traceback" not in result.output


def test_an_unknown_screen_lists_the_bundles_screens(tmp_path: Path) -> None:
    result = runner.invoke(app, ["replay", str(_bundle(tmp_path, archive=True)), "7", "--screenshot", str(tmp_path / "x.png")])
    assert result.exit_code == 1
    assert "no screen '7'" in result.output and "(its screens: 01-refund-details)" in result.output


def test_without_a_display_a_window_is_refused_with_the_way_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    result = runner.invoke(app, ["replay", str(_bundle(tmp_path, archive=True))])
    assert result.exit_code == 2 and "use --screenshot PATH" in result.output
