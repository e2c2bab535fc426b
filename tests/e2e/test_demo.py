"""End to end: `collector demo` runs the whole job on the embedded mock and exits 0."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import run_collector

pytestmark = pytest.mark.slow


def test_demo_collects_every_customer_care_refund_and_exits_zero(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTOR_")}
    result = run_collector(["demo", "--out", str(tmp_path / "demo"), "--progress", "plain"], env, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "index.html" in result.stdout
    index = next((tmp_path / "demo").glob("run-*/bundles/index.html"))
    assert index.is_file()
    assert "4342076435326" in result.stdout  # the source article's PO is in the summary table
    assert "Traceback" not in result.stderr
