"""Assisted filing: the dispute form filled from an approved packet, never submitted silently.

``fill_and_stop`` opens the form (``pages.dispute_form``) in the seller's saved session, checks it
is the refund's form (its PO), picks the packet's reason, pastes the text, attaches the files and
stops at Review. Then either a person submits in the (headed) window, and the case ID on the
confirmation is read when they do, or, with ``submit=True``, ``DisputeForm.submit()`` is called;
``collector file --submit`` allows that only when the custody log holds an approval for the
bundle's current evidence (checked again just before the click). The case ID goes into the
bundle's custody log as ``filed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from collector.browser import in_own_thread
from collector.errors import CollectorError, EXIT_FAILED
from collector.settings import CollectorSettings, context_options_for, launch_options_for
from evidence.bundle import read_bundle
from evidence.review import FilingPacket, build_packet


class NotFilable(CollectorError):
    """The bundle cannot be filed as it is (no current approval, already filed, a wrong form)."""

    exit_code = EXIT_FAILED


@dataclass(frozen=True)
class Filing:
    review_text: str  # the form's Review step as shown
    case_id: str | None  # None: stopped at Review and nobody submitted


def approved_packet(bundle_path: Path) -> FilingPacket:
    """The packet, or ``NotFilable`` with the one reason it cannot be filed."""
    packet = build_packet(read_bundle(bundle_path))
    if not packet.approved:
        raise NotFilable(f"not filed: {packet.problems[0] if packet.problems else 'no current approval'}")
    return packet


@in_own_thread
def fill_and_stop(
    settings: CollectorSettings,
    bundle_path: Path,
    packet: FilingPacket,
    *,
    submit: bool,
    headed: bool,
    wait_for_person: bool,
    say: Callable[[str], None] = print,
) -> Filing:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from pages.dispute_form import REASONS, DisputeForm
    from pages.errors import PageError

    if packet.reason not in REASONS:
        raise NotFilable(f"not filed: the form has no reason {packet.reason!r}")
    shown = settings.model_copy(update={"headless": not headed})
    timeout = settings.navigation_timeout_s * 1000
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options_for(shown, p.chromium))
        try:
            context = browser.new_context(**context_options_for(settings, storage_state=settings.session_path))
            page = context.new_page()
            try:
                form = DisputeForm.open_for(page, packet.transaction_id, tz=settings.seller_timezone, timeout=timeout)
                facts = form.read_facts()
                if facts.po != packet.po:
                    raise NotFilable(f"not filed: the form is for PO {facts.po}, the bundle for PO {packet.po}")
                form.choose_reason(packet.reason)
                form.describe(packet.description, [bundle_path / path for path in packet.attachments])
                review = form.review_text()
                if submit:
                    approved_packet(bundle_path)  # still approved for the evidence as it is now
                    return Filing(review, form.submit().case_id)
                if not wait_for_person:
                    return Filing(review, None)
                say("Stopped at Review: check the answers and press 'Submit dispute' in the browser window.")
                try:
                    return Filing(review, form.confirmation(timeout=settings.login_timeout_s * 1000).case_id)
                except (PageError, PlaywrightError):
                    return Filing(review, None)  # the window was closed, or nobody submitted in time
            except PageError as exc:
                raise NotFilable(f"not filed: {exc}") from None
        finally:
            browser.close()
