"""The human-readable pages of the evidence: ``report.html`` per bundle and ``index.html`` per folder."""

from __future__ import annotations

from evidence.report.render import IndexRow, ListedFile, ReportInput, render_index, render_report

__all__ = ["IndexRow", "ListedFile", "ReportInput", "render_index", "render_report"]
