"""structlog, configured once per command: JSON lines to the job's log, readable lines on the console.

Libraries (pages, evidence, the rest of collector) only call ``structlog.get_logger()``; the
CLI calls ``configure_logging`` once. Every event passes through ``redact_secrets`` first:
``SecretStr`` values and keys that look like secrets (password, totp, secret, cookie, token,
storage_state) never reach a sink.

Context: ``job_id`` and ``po`` are bound with ``structlog.contextvars`` by the walker/workers.
A new thread starts with an empty context, so each worker binds them itself (``bind_job``).

Event names are stable and documented in docs/collector.md: ``job.started``, ``order.started``,
``screen.reached``, ``capture.saved``, ``retry.scheduled``, ``session.renewed``,
``order.failed``, ``order.written``, ``order.skipped``, ``job.stopped``, ``job.finished``.
"""

from __future__ import annotations

import json
import logging as std_logging
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import structlog
from pydantic import SecretStr

MASK = "**********"
_SECRET_KEY = re.compile(r"password|passwd|secret|totp|cookie|token|storage_state|authorization", re.IGNORECASE)
_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}


def redact_secrets(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: mask secret values before any renderer sees them."""
    for key, value in list(event.items()):
        if isinstance(value, SecretStr) or (_SECRET_KEY.search(key) and value not in (None, "")):
            event[key] = MASK
    return event


class _Sinks:
    """Where rendered events go: a JSON-lines file and a console writer (each optional)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.file: TextIO | None = None
        self.console: Callable[[str], None] | None = None
        self.console_level = 20
        self.renderer = structlog.dev.ConsoleRenderer(colors=False, pad_event_to=0)

    def write(self, method: str, event: dict[str, Any]) -> None:
        level = _LEVELS.get(event.get("level", method), 20)
        with self.lock:
            if self.file is not None:
                self.file.write(json.dumps(event, default=str, ensure_ascii=False) + "\n")
                self.file.flush()
            if self.console is not None and level >= self.console_level:
                shown = {k: v for k, v in event.items() if k not in ("timestamp", "job_id")}
                self.console(self.renderer(None, method, shown).rstrip())


_SINKS = _Sinks()


class _SinkLogger:
    """The logger structlog hands the final event dict to (any method name writes it)."""

    def __getattr__(self, method: str) -> Callable[..., None]:
        def emit(**event: Any) -> None:
            _SINKS.write(method, event)

        return emit


def _to_kwargs(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    return event


# The operator's -q / -v / -vv on the command line (``set_verbosity``): it overrides the console
# level a caller of ``configure_logging`` asks for. The log file always gets every event.
_VERBOSITY = {"value": 0}
_VERBOSITY_LEVELS = {-1: "error", 1: "info", 2: "debug"}


def set_verbosity(value: int) -> None:
    """-1 quiet (errors only, no progress), 0 the command's default, 1 info, 2 and more debug."""
    _VERBOSITY["value"] = max(-1, min(2, value))


def verbosity() -> int:
    return _VERBOSITY["value"]


def configure_logging(
    *,
    log_file: Path | None = None,
    console: Callable[[str], None] | None = None,
    console_level: str = "info",
) -> None:
    """Send events to ``log_file`` (JSON lines, appended) and to ``console`` (readable lines).

    ``console_level`` is the caller's default; ``-q``/``-v`` on the command line override it."""
    close_log_file()
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        _SINKS.file = log_file.open("a", encoding="utf-8")
    _SINKS.console = console if console is not None else _stderr_writer
    _SINKS.console_level = _LEVELS.get(_VERBOSITY_LEVELS.get(verbosity(), console_level), 20)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            structlog.processors.format_exc_info,
            _to_kwargs,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(std_logging.DEBUG),
        logger_factory=lambda *_: _SinkLogger(),
        cache_logger_on_first_use=False,
    )


def set_console(console: Callable[[str], None] | None) -> None:
    """Swap the console writer (the rich progress display prints log lines above its bar)."""
    with _SINKS.lock:
        _SINKS.console = console


def get_console() -> Callable[[str], None] | None:
    with _SINKS.lock:
        return _SINKS.console


def close_log_file() -> None:
    with _SINKS.lock:
        if _SINKS.file is not None:
            _SINKS.file.close()
            _SINKS.file = None


def _stderr_writer(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def bind_job(job_id: str, **extra: Any) -> None:
    """Bind the job id (and e.g. the worker name) in this thread's logging context."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(job_id=job_id, **extra)


def bind_order(po: str) -> None:
    structlog.contextvars.bind_contextvars(po=po)


def unbind_order() -> None:
    structlog.contextvars.unbind_contextvars("po", "transaction_id")
