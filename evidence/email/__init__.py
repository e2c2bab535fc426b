"""E-mail evidence: parsing, sources, order matching, threading, automatic replies, reply times.

Never imports Playwright, ``pages`` or ``collector``.
"""

from __future__ import annotations

from evidence.email.replies import INBOUND_ROLES, compute_reply_checks, needs_reply

__all__ = ["INBOUND_ROLES", "compute_reply_checks", "needs_reply"]
