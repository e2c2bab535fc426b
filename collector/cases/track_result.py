"""A tracking pass's result as JSON data and back: what a ``track`` task on a worker hands to the
command that queued it (collector/queue.py keeps it in PostgreSQL until read)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from collector.cases.store import CaseChange
from collector.cases.track import TrackResult
from evidence.models import CaseStatus

__all__ = ["result_from_dict", "result_to_dict"]


def result_to_dict(result: TrackResult) -> dict[str, Any]:
    return {
        "cases": result.cases,
        "pages_read": result.pages_read,
        "changes": [{"case_id": c.case_id, "status": c.status.value, "at": c.at.isoformat(),
                     "observed_at": c.observed_at.isoformat(), "source": c.source,
                     "amount_reimbursed": str(c.amount_reimbursed) if c.amount_reimbursed is not None else None}
                    for c in result.changes],
        "linked": [[case_id, bundle] for case_id, bundle in result.linked],
        "unmatched": list(result.unmatched),
    }


def result_from_dict(data: dict[str, Any]) -> TrackResult:
    return TrackResult(
        cases=int(data["cases"]),
        pages_read=int(data["pages_read"]),
        changes=[CaseChange(case_id=c["case_id"], status=CaseStatus(c["status"]), at=datetime.fromisoformat(c["at"]),
                            observed_at=datetime.fromisoformat(c["observed_at"]), source=c["source"],
                            amount_reimbursed=Decimal(c["amount_reimbursed"]) if c["amount_reimbursed"] is not None else None)
                 for c in data["changes"]],
        linked=[(case_id, bundle) for case_id, bundle in data["linked"]],
        unmatched=list(data["unmatched"]),
    )
