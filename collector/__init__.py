"""The collector: CLI, settings, jobs that walk orders, drive the page objects and write bundles.

The public surface, for scripts and the benchmark (the CLI is ``collector.cli``):
``load_settings`` / ``CollectorSettings``, ``run_job`` / ``JobRequest`` / ``JobResult``,
``run_demo``. Imported lazily: ``import collector`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["CollectorSettings", "JobRequest", "JobResult", "load_settings", "run_demo", "run_job"]

_WHERE = {
    "CollectorSettings": "collector.settings",
    "load_settings": "collector.settings",
    "JobRequest": "collector.jobs",
    "JobResult": "collector.jobs",
    "run_job": "collector.jobs",
    "run_demo": "collector.demo",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'collector' has no attribute {name!r}")
