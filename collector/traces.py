"""Order traces (``--trace``): stopped into a private temporary folder, scrubbed, then kept.

A Playwright trace of a signed-in context holds the live session cookie in its network log and,
when a worker renewed the session on the traced page, the typed e-mail, password and 2FA code.
``stop_scrubbed`` stops the trace into a temporary folder only the owner can read, scrubs it
(``evidence.scrub.scrub_trace``) with the configured credentials and the saved session's cookie
values, and only then writes it where it is kept (``<job>/failures/<po>-trace.zip``; the worker
moves a bundle's trace from there into ``captures/trace.zip``). If scrubbing fails for any
reason, nothing is kept: a warning is logged and the caller gets ``None``.

A bundle's trace travels as a ``ScrubbedTrace`` (a ``StagedFile`` that says what was masked);
the pipeline puts ``custody_details`` of its files into the bundle's ``captured`` custody entry.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from collector.handlers import StagedFile
from collector.settings import CollectorSettings
from evidence.scrub import ScrubReport, scrub_trace

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import BrowserContext

log = structlog.get_logger()
BUNDLE_TRACE = "captures/trace.zip"
CUSTODY_KEY = "scrubbed"


@dataclass(frozen=True)
class ScrubbedFile(StagedFile):
    """A file for the bundle, already scrubbed; ``masked`` is the report's summary (no values)."""

    masked: str = field(default="")


@dataclass(frozen=True)
class ScrubbedTrace(ScrubbedFile):
    """A scrubbed trace (``captures/trace.zip``)."""


def trace_secrets(settings: CollectorSettings, storage_state: Path | None) -> list[str]:
    """What must not appear in a trace: the credentials and the saved session's cookie values."""
    secrets = [
        s.get_secret_value()
        for s in (settings.email, settings.password, settings.totp_secret, settings.imap_password)
        if s is not None
    ]
    if storage_state is not None:
        try:
            state = json.loads(storage_state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}  # no saved session: the cookies the trace itself carries are still masked
        cookies = state.get("cookies") if isinstance(state, dict) else None
        secrets += [c["value"] for c in cookies or [] if isinstance(c, dict) and isinstance(c.get("value"), str)]
    return secrets


def stop_scrubbed(context: BrowserContext, path: Path, settings: CollectorSettings,
                  storage_state: Path | None) -> ScrubReport | None:
    """Stop ``context``'s trace and keep it at ``path`` scrubbed; ``None`` (nothing kept) on failure."""
    with tempfile.TemporaryDirectory(prefix="collector-trace-") as private:  # mode 0700
        raw = Path(private) / "trace.zip"
        context.tracing.stop(path=str(raw))
        try:
            clean, report = scrub_trace(raw.read_bytes(), trace_secrets(settings, storage_state))
            _write_atomically(path, clean)
        # Fail closed: whatever went wrong (a malformed entry, a full disk, a bug), an unscrubbed
        # trace holds the session cookie, so it is dropped; the order itself is not affected.
        except Exception as exc:  # noqa: BLE001
            path.unlink(missing_ok=True)
            log.warning("trace.scrub_failed", trace=path.name, error=type(exc).__name__, kept=False)
            return None
    log.info("trace.scrubbed", trace=path.name, masked=report.summary())
    return report


def bundle_trace(path: Path, report: ScrubReport) -> ScrubbedTrace:
    """The scrubbed trace at ``path`` as the bundle's ``captures/trace.zip``."""
    return ScrubbedTrace(BUNDLE_TRACE, path.read_bytes(), "application/zip", masked=report.summary())


def custody_details(files: Iterable[StagedFile]) -> dict[str, str]:
    """The ``captured`` custody entry's note on scrubbed files: ``{"scrubbed": "<path>: <kinds=counts>"}``."""
    notes = [f"{f.path}: {f.masked}" for f in files if isinstance(f, ScrubbedFile)]  # traces, web archives
    return {CUSTODY_KEY: "; ".join(notes)} if notes else {}


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
