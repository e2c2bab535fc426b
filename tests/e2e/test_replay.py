"""End to end: bundles collected from the mock replay offline from their web archives. Every
captured screen shows again what its HTML snapshot (opened from the bundle folder, as the report
links it) shows: headings, the fields of its lists, its tables, the same computed styles; every
request the replay makes is answered from the archive, and the site is not asked for anything
while it replays."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from collector.cli import app
from collector.inputs import InputBatch
from collector.jobs import JobRequest, run_job
from collector.progress import PlainProgress
from collector.replay import Replayer
from evidence.bundle import read_bundle
from fixtures.site import MockSite
from tests.e2e.conftest import save_signed_in_session, settings_for

pytestmark = pytest.mark.slow

# What a reviewer compares: the page's and any open dialog's headings, every "label: value" of
# its description lists, its tables (captions and rows) and the headings of its messages.
KEY_FIELDS_JS = """() => {
  const text = (el) => (el ? el.textContent.replace(/\\s+/g, " ").trim() : null);
  const dialog = document.querySelector("[role=dialog]:not([hidden]), dialog[open]");
  const scope = dialog || document.querySelector("main") || document.body;
  const fields = [];
  for (const dt of scope.querySelectorAll("dt")) {
    let dd = dt.nextElementSibling;
    while (dd && dd.tagName !== "DD") dd = dd.nextElementSibling;
    fields.push([text(dt), text(dd)]);
  }
  return {
    h1: text(document.querySelector("h1")),
    dialog: dialog ? text(dialog.querySelector("h1, h2, h3")) : null,
    fields,
    captions: [...scope.querySelectorAll("table caption")].map(text),
    rows: [...scope.querySelectorAll("table tbody tr")].map(text),
    articles: [...scope.querySelectorAll("article h2, article h3")].map(text),
    styles: [document.body, document.querySelector("h1"), document.querySelector("th")].map((el) => {
      if (!el) return null;
      const s = getComputedStyle(el);
      return [s.fontFamily, s.fontSize, s.fontWeight, s.color, s.backgroundColor];
    }),
  };
}"""
UNSTYLED_BODY = "Times New Roman"  # Chromium's default font: a page whose styles did not load


def _collect(site: MockSite, tmp_path: Path, pos: list[str], **settings: Any) -> list[Path]:
    config = settings_for(site, tmp_path / "data", concurrency=1, **settings)
    save_signed_in_session(site, config)
    result = run_job(config, JobRequest(orders=InputBatch(pos=pos)), tmp_path / "out", progress=PlainProgress(io.StringIO()))
    assert result.exit_code == 0, result.report.failures
    return sorted(p for p in (tmp_path / "out" / "bundles").iterdir() if p.is_dir())


def _assert_valid_wacz(path: Path) -> None:
    """py-wacz (the reference implementation) accepts the archive: layout, package, paths, hashes."""
    validate = pytest.importorskip("wacz.validate")
    check = validate.Validation(str(path))
    assert check.version == "1.1.1" and check.check_required_contents() == 0
    assert check.frictionless_validate() and check.check_file_paths() and check.check_file_hashes()


def _assert_replays_like_its_snapshots(browser: Any, site: MockSite, bundle_dir: Path) -> list[str]:
    bundle = read_bundle(bundle_dir)
    _assert_valid_wacz(bundle_dir / "captures" / "archive.wacz")
    replayer = Replayer(browser, bundle)
    requests: list[str] = []
    replayer.context.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    site_asked = len(site.request_log)
    viewer = browser.new_page()  # the snapshots are opened in a page of their own, not routed
    screens = []
    try:
        assert [s.title for s in replayer.screens] == [c.screen for c in bundle.case.captures]
        for screen, capture in zip(replayer.screens, bundle.case.captures, strict=True):
            page, result = replayer.open(screen)
            replayed = page.evaluate(KEY_FIELDS_JS)
            viewer.goto((bundle.path / capture.snapshot).as_uri())  # as the report's link opens it
            snapshot = viewer.evaluate(KEY_FIELDS_JS)
            assert replayed == snapshot, f"{bundle.name} {screen.id} replays differently from its snapshot"
            assert replayed["h1"] and result.heading, f"{screen.id}: nothing shown"
            assert UNSTYLED_BODY not in snapshot["styles"][0][0], f"{capture.snapshot} opens unstyled"
            assert result.blocked == [], f"{screen.id}: requests the archive could not answer: {result.blocked}"
            screens.append(screen.title)
            page.close()
    finally:
        viewer.close()
        replayer.close()
    assert requests and sorted(requests) == sorted(replayer.router.served)  # each one answered from the archive
    assert len(site.request_log) == site_asked  # and the site heard nothing
    return screens


def test_bundles_replay_offline_showing_what_their_snapshots_show(site: MockSite, tmp_path: Path, browser: Any) -> None:
    disputed = "4619078251801"  # its dispute case page is part of the evidence
    with_return = "4089262468838"  # a Keep-It return: the Returns search and its details
    bundles = _collect(site, tmp_path, [disputed, with_return])
    assert len(bundles) == 2
    shown = [name for bundle in bundles for name in _assert_replays_like_its_snapshots(browser, site, bundle)]
    # Whole pages and panels opened on them (a drawer, a return's details) were replayed.
    assert {"transactions.search-results", "transactions.details", "returns.details", "inbox.thread", "disputes.case"} <= set(shown)


def test_a_payments_layout_bundle_replays_its_dialogs(site: MockSite, tmp_path: Path, browser: Any) -> None:
    (bundle,) = _collect(site, tmp_path, ["4451991446239"], layout="payments-2022")
    shown = _assert_replays_like_its_snapshots(browser, site, bundle)
    assert {"payments.search-results", "payments.transaction-history", "payments.transaction-details"} <= set(shown)
    # The command a reviewer runs: the details dialog by its name, saved headless.
    site_asked = len(site.request_log)
    png = tmp_path / "details.png"
    result = CliRunner().invoke(app, ["replay", str(bundle), "payments.transaction-details", "--screenshot", str(png), "--json"])
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(x) for x in result.output.splitlines() if x.startswith("{")]
    assert line["name"] == "payments.transaction-details" and line["heading"] and line["blocked"] == []
    assert png.read_bytes().startswith(b"\x89PNG") and len(site.request_log) == site_asked
