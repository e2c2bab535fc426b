"""The dispute form as data: its four reasons, its length limits, which reason a refund's
findings support, and where the form of a refund is (from the captured Seller Center URLs).

Pure (no I/O). The review packet (``evidence.review.packet``) and the report use it; the page
object ``pages/dispute_form.py`` has the same reasons (a test keeps them equal).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from evidence.models import Assessment, FindingStatus, RefundCase

REASONS = (
    "Customer was contacted within 48 hours",
    "Item was delivered",
    "Refund issued outside the return window",
    "Other",
)
MIN_DESCRIPTION = 20  # the form refuses shorter descriptions
MAX_DESCRIPTION = 2000  # our cap: Seller Center's limit is not documented; longer texts are cut, visibly
DISPUTE_FORM_PATH = "/disputes/new?transaction="

# Which passing finding supports which reason, strongest first.
_REASON_FOR = (
    ("replies.on_time", REASONS[0]),
    ("lost_order.delivery_proof", REASONS[1]),
    ("return_window", REASONS[2]),
)


def suggested_reason(assessment: Assessment | None) -> str:
    """The reason the strongest passing finding supports ("Other" when none does)."""
    passed = {f.code for f in assessment.findings if f.status is FindingStatus.PASS} if assessment else set()
    return next((reason for code, reason in _REASON_FOR if code in passed), REASONS[-1])


def refund_urls(case: RefundCase) -> tuple[str | None, str | None]:
    """The captured URL of the refund's details (where its Dispute button is) and the form's URL."""
    details = [c.url for c in case.captures if c.screen.endswith("details") and c.url]
    urls = details or [u for u in case.source_urls if "transaction" in u or "payments" in u] or case.source_urls
    refund_url = urls[0] if urls else None
    if refund_url is None:
        return None, None
    parts = urlsplit(refund_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None, None
    form = f"{parts.scheme}://{parts.netloc}{DISPUTE_FORM_PATH}{quote(case.refund_transaction_id, safe='')}"
    return refund_url, form
