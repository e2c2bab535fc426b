"""What a ``collector worker`` keeps between tasks is kept per account (and layout), and dropped
when a task of that account fails. No browser here (``start_browser`` is not called)."""

from __future__ import annotations

import time
from pathlib import Path

from collector.settings import load_settings
from collector.worker_kept import SESSION_RECHECK_S, Kept


def _settings(tmp_path: Path, **extra: object):  # noqa: ANN202
    return load_settings(data_dir=tmp_path / "data", base_url="http://127.0.0.1:9", **extra)


def test_kept_per_site_and_layout_and_dropped_on_failure(tmp_path: Path) -> None:
    kept = Kept()
    auto, payments = _settings(tmp_path), _settings(tmp_path, layout="payments-2022")
    _, cache, check = kept.for_task(auto)
    assert check  # nothing checked yet
    kept.succeeded(auto, checked_at=time.monotonic())
    _, again, check = kept.for_task(auto)
    assert again is cache and not check  # the same Inbox index, the session trusted
    _, other, _ = kept.for_task(payments)
    assert other is not cache  # another layout: another cache (a detected layout never overrides a chosen one)
    kept.failed(auto)  # drops every cache of that account and site
    _, fresh, check = kept.for_task(auto)
    assert fresh is not cache and check  # a failed task: the retry starts afresh


def test_the_session_is_checked_again_after_a_while(tmp_path: Path) -> None:
    kept = Kept()
    settings = _settings(tmp_path)
    kept.succeeded(settings, checked_at=time.monotonic() - SESSION_RECHECK_S - 1)
    assert kept.for_task(settings)[2]


def test_without_a_kept_browser_the_settings_are_left_alone(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert Kept().with_browser(settings).browser_endpoint is None
    remote = _settings(tmp_path, browser_endpoint="ws://127.0.0.1:9/abc")
    assert Kept().with_browser(remote).browser_endpoint == "ws://127.0.0.1:9/abc"


def test_a_kept_browser_found_dead_is_not_used_again(tmp_path: Path) -> None:
    kept = Kept()
    settings = _settings(tmp_path)
    kept.start_browser(settings)
    try:
        endpoint = kept.with_browser(settings).browser_endpoint
        assert endpoint and endpoint.startswith("ws://127.0.0.1:")
        assert kept._browser is not None and kept._browser._proc is not None
        kept._browser._proc.kill()  # Chromium's server gone (a crash, the OOM killer)
        kept._browser.wait(10)
        assert kept.with_browser(settings).browser_endpoint is None  # each task starts its own again
    finally:
        kept.close()
