"""Review before filing: decisions, files added by a reviewer, and the filing packet.

Pure logic over bundles (no web, no browser): the review app (``collector/review``) and the
``collector packet`` / ``collector file`` commands call these.
"""

from __future__ import annotations

from evidence.review.decisions import DecisionError, add_evidence_and_reassess, approve, needs_evidence, reject
from evidence.review.packet import MAX_DESCRIPTION, MIN_DESCRIPTION, REASONS, FilingPacket, build_packet

__all__ = [
    "MAX_DESCRIPTION",
    "MIN_DESCRIPTION",
    "REASONS",
    "DecisionError",
    "FilingPacket",
    "add_evidence_and_reassess",
    "approve",
    "build_packet",
    "needs_evidence",
    "reject",
]
