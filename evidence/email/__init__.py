"""E-mail evidence: parsing, sources, order matching, threading, automatic replies, reply times.

The one call the collector makes is ``collect_thread`` (see ``evidence.email.collect``). The
pieces are public for the CLI and for tests: ``parse_email`` / ``load_message`` (bytes ->
``Message``), ``classify`` (human / automatic with reasons), ``assign_role`` and ``EmailConfig``,
``match_order``, ``iter_path`` / ``fetch_imap`` (sources), ``merge_messages``, ``build_threads`` /
``to_threads`` and ``compute_reply_checks``. Never imports Playwright, ``pages`` or ``collector``.
"""

from __future__ import annotations

from evidence.email.classify import Classification, classify
from evidence.email.collect import EmailEvidence, PathSource, RawEmail, SourceSpec, collect_thread
from evidence.email.imap import ImapError, ImapSource, fetch_imap
from evidence.email.match import OrderKey, load_message, match_order
from evidence.email.merge import CollectedMessage, merge_messages
from evidence.email.parse import ParsedEmail, parse_email
from evidence.email.replies import INBOUND_ROLES, compute_reply_checks, needs_reply
from evidence.email.roles import EmailConfig, assign_role
from evidence.email.sources import EmailSourceError, RawMessage, iter_path
from evidence.email.thread import ThreadNode, build_threads, normalize_subject, to_threads

__all__ = [
    "INBOUND_ROLES",
    "Classification",
    "CollectedMessage",
    "EmailConfig",
    "EmailEvidence",
    "EmailSourceError",
    "ImapError",
    "ImapSource",
    "OrderKey",
    "ParsedEmail",
    "PathSource",
    "RawEmail",
    "RawMessage",
    "SourceSpec",
    "ThreadNode",
    "assign_role",
    "build_threads",
    "classify",
    "collect_thread",
    "compute_reply_checks",
    "fetch_imap",
    "iter_path",
    "load_message",
    "match_order",
    "merge_messages",
    "needs_reply",
    "normalize_subject",
    "parse_email",
    "to_threads",
]
