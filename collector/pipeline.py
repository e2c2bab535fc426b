"""The pipeline: captured refund -> merged e-mail -> assessment -> sealed bundle. Never touches a Page.

``Pipeline.process`` takes a ``RefundCapture`` (typed models + staged files, from a handler) and

1. merges the Inbox messages with the configured mailbox / IMAP sources into threads, reply
   checks and raw e-mails (``evidence.email``);
2. builds the ``RefundCase`` and assesses it under the selected policy (``evidence.policy``);
3. writes the bundle (``evidence.bundle.write_bundle``: staged, then renamed into place).

It is safe to call from several worker threads at once: each call only reads shared state.
Exactly-once: before writing, it looks for a bundle of the same refund that this job already
wrote (a run killed between the rename and the journal update) and adopts it instead of writing
a second version.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import structlog

from collector.handlers import RefundCapture
from collector.settings import CollectorSettings
from collector.traces import custody_details
from evidence.bundle import (
    Artifact,
    BundleContext,
    BundleError,
    load_signing_key,
    read_bundle,
    write_bundle,
    write_index,
)
from evidence.bundle.layout import MANIFEST, bundle_key, parse_version
from evidence.email.merge import collect_for_order
from evidence.email.replies import unidentified_messages
from evidence.models import Assessment, RefundCase, ReplyCheck, Seller, Thread
from evidence.policy import assess as assess_case
from evidence.policy import default_registry

log = structlog.get_logger()
TOOL = "cc-refund-collector"


def _tool_version() -> str:
    try:
        return metadata.version(TOOL)
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def _playwright_version() -> str | None:
    try:
        return metadata.version("playwright")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return None


@dataclass(frozen=True)
class WrittenRefund:
    po: str
    transaction_id: str
    bundle: Path
    amount: str
    verdict: str | None
    deadline: datetime | None
    bytes: int
    adopted: bool = False


class Pipeline:
    """Writes one bundle per captured refund into ``out_dir``, and the index over them."""

    def __init__(
        self,
        *,
        out_dir: Path,
        settings: CollectorSettings,
        job_id: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        assess_now: Callable[[], datetime] | None = None,
        recapture: bool = False,
    ) -> None:
        self.out_dir = out_dir
        self.settings = settings
        self.job_id = job_id
        self.clock = clock
        # "now" for deadlines and reply windows; the demo passes the mock's scenario clock.
        self.assess_now = assess_now or clock
        self.recapture = recapture
        # Signing at collection (setting signing_key / --key): every bundle's manifest is signed.
        self.signing_key = load_signing_key(settings.signing_key) if settings.signing_key else None
        self._roles_lock, self._roles_warned = threading.Lock(), False  # email.roles_unknown: once per job

    # ------------------------------------------------------------------ steps

    def merge_email(self, capture: RefundCapture) -> tuple[list[Thread], list[ReplyCheck], list[tuple[str, bytes]]]:
        """Threads, reply checks and raw e-mails (bundle path, bytes) for the refund's order."""
        return collect_for_order(
            po=capture.po,
            order=capture.order,
            inbox=capture.inbox_messages,
            settings=self.settings,
            now=self.assess_now(),
        )

    def warn_roles_unknown(self, po: str, threads: list[Thread]) -> None:
        """Warn once per job when senders could not be identified (their reply findings say unknown)."""
        unknown = len(unidentified_messages([m for thread in threads for m in thread.messages]))
        with self._roles_lock:
            if not unknown or self._roles_warned:
                return
            self._roles_warned = True
        log.warning("email.roles_unknown", po=po, messages=unknown, hint="set seller_addresses (the seller's own)")

    def build_case(self, capture: RefundCapture, threads: list[Thread], checks: list[ReplyCheck]) -> RefundCase:
        return RefundCase(
            po=capture.po,
            refund_transaction_id=capture.transaction_id,
            seller=Seller(name=capture.seller_name or self.settings.operator, timezone=self.settings.seller_timezone),
            order=capture.order,
            transactions=capture.transactions,
            refund=capture.refund,
            returns=capture.returns,
            dispute_case=capture.dispute_case,
            threads=threads,
            reply_checks=checks,
            captures=capture.captures,
            source_urls=capture.source_urls,
        )

    def assess(self, case: RefundCase) -> Assessment | None:
        registry = default_registry()
        policy = registry.select(
            policy_id=self.settings.policy_id, issued_at=case.refund.issued_at, timezone=case.seller.timezone
        )
        return assess_case(case, policy, self.assess_now())

    # ------------------------------------------------------------------ the whole thing

    def process(self, capture: RefundCapture) -> WrittenRefund:
        # A bundle of this refund that this job wrote just before it was killed (renamed into place,
        # not yet recorded) is adopted; with --recapture the point is a new version, so never.
        existing = None if self.recapture else self._already_written(capture.po, capture.transaction_id)
        if existing is not None:
            return existing
        threads, checks, raw_emails = self.merge_email(capture)
        self.warn_roles_unknown(capture.po, threads)
        case = self.build_case(capture, threads, checks)
        assessment = self.assess(case)
        case = case.model_copy(update={"assessment": assessment})
        artifacts = [Artifact(f.path, f.data, f.media_type) for f in capture.files]
        artifacts += [Artifact(path, data, "message/rfc822") for path, data in raw_emails]
        context = BundleContext(
            tool_version=_tool_version(),
            operator=self.settings.operator,
            playwright_version=_playwright_version(),
            browser_version=capture.browser_version,
            job_id=self.job_id,
            policy_id=assessment.policy_id if assessment else self.settings.policy_id,
            custody_details=custody_details(capture.files),  # a scrubbed trace says what was masked
            signing_key=self.signing_key,
        )
        ref = write_bundle(self.out_dir, case, artifacts, context, clock=self.clock)
        size = sum(len(a.data) for a in artifacts)
        log.info("bundle.written", transaction_id=capture.transaction_id, bundle=ref.name, bytes=size,
                 verdict=assessment.verdict.value if assessment else None)
        return WrittenRefund(
            po=capture.po,
            transaction_id=capture.transaction_id,
            bundle=ref.path,
            amount=str(capture.refund.breakdown.net_payable),
            verdict=assessment.verdict.value if assessment else None,
            deadline=assessment.deadline if assessment else None,
            bytes=size,
        )

    def _already_written(self, po: str, transaction_id: str) -> WrittenRefund | None:
        """A bundle of this refund that this job already wrote (its manifest names the job)."""

        key = bundle_key(po, transaction_id)
        if not self.out_dir.is_dir():
            return None
        for folder in sorted(self.out_dir.iterdir()):
            if parse_version(folder.name, key) is None or not (folder / MANIFEST).is_file():
                continue
            try:
                manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):
                continue
            if manifest.get("job_id") != self.job_id:
                continue
            case = _read_case(folder)
            assessment = case.assessment if case else None
            log.info("bundle.adopted", transaction_id=transaction_id, bundle=folder.name)
            return WrittenRefund(
                po=po,
                transaction_id=transaction_id,
                bundle=folder,
                amount=str(case.refund.breakdown.net_payable) if case else "",
                verdict=assessment.verdict.value if assessment else None,
                deadline=assessment.deadline if assessment else None,
                bytes=0,
                adopted=True,
            )
        return None

    def finish(self) -> Path | None:
        """Write the index over every bundle in the output folder."""
        from collector.cases.overview import index_states

        now = self.assess_now()
        # the states `collector status` shows (review, and the disputes tracked in the case store)
        return write_index(self.out_dir, clock=self.clock, now=now,
                           states=index_states(self.out_dir.parent, now, self.settings.policy_id, self.settings))


def _read_case(folder: Path) -> RefundCase | None:
    """The case (with its latest assessment) of a bundle on disk; None when it does not read."""
    try:
        return read_bundle(folder).case
    except (BundleError, OSError, ValueError):
        return None
