"""The dispute form (``/disputes/new?transaction=<id>``): read the pre-filled facts, fill each step.

The product never files a dispute on its own: a person reviews the evidence and files. The form
object exists so that tests can drive the whole flow against the mock site, and so that a
reviewer-approved draft can be prepared; ``submit()`` is a separate, explicit call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Unpack

from playwright.sync_api import Page

from evidence.models import Money
from pages.base import Options, Screen, verb
from pages.errors import ElementMissing
from pages.parsing import parse_money
from pages.widgets import read_dl

__all__ = ["REASONS", "DisputeForm", "DisputeFormFacts", "DisputeSubmitted"]

REASONS = (
    "Customer was contacted within 48 hours",
    "Item was delivered",
    "Refund issued outside the return window",
    "Other",
)
MIN_DESCRIPTION = 20


@dataclass(frozen=True)
class DisputeFormFacts:
    """The read-only facts the form is pre-filled with."""

    item_id: str | None
    po: str
    sales_order: str | None
    net_payable: Money


@dataclass(frozen=True)
class DisputeSubmitted:
    """The confirmation after submitting: the new case's ID."""

    case_id: str


class DisputeForm(Screen):
    """Three steps: Reason -> Details -> Review; then (tests only) ``submit()``."""

    name = "Dispute form"
    heading = "Dispute a Walmart Customer Care refund"

    def __init__(self, page: Page, **kwargs: Unpack[Options]) -> None:
        super().__init__(page, **kwargs)
        self.reason = page.get_by_role("combobox", name="Reason")
        self.description = page.get_by_role("textbox", name="Description")
        self.attachments = page.get_by_label("Attachments")
        self.continue_button = page.get_by_role("button", name="Continue", exact=True)
        self.back_button = page.get_by_role("button", name="Back", exact=True)
        self.submit_button = page.get_by_role("button", name="Submit dispute", exact=True)
        self.submitted_heading = page.get_by_role("heading", name="Dispute submitted")

    @classmethod
    def open_for(cls, page: Page, transaction_id: str, **kwargs: Unpack[Options]) -> DisputeForm:
        form = cls(page, **kwargs)
        form._goto(f"/disputes/new?transaction={transaction_id}")
        return form.wait_until_ready()

    def _step(self, title: str) -> None:
        heading = self.page.get_by_role("heading", name=title, exact=True)
        with self._translated(f"reaching step '{title}'"):
            self._require(heading, f"step heading '{title}'", role="heading", timeout=self.timeout)

    @verb
    def read_facts(self) -> DisputeFormFacts:
        fields = read_dl(self.main)
        for term in ("PO #", "NET PAYABLE"):
            if term not in fields:
                raise ElementMissing(self.name, f"field '{term}'", self.page.url, available=list(fields), kind="fields")
        item = fields.get("Item ID")
        sales = fields.get("Sales order #")
        return DisputeFormFacts(
            item_id=item.text if item else None,
            po=fields["PO #"].text,
            sales_order=sales.text if sales else None,
            net_payable=parse_money(fields["NET PAYABLE"].text, what="NET PAYABLE"),
        )

    @verb
    def choose_reason(self, reason: str) -> DisputeForm:
        """Step 1: pick one of ``REASONS`` and continue to Details."""
        self._step("Reason")
        self._require(self.reason, "combobox 'Reason'", role="combobox")
        self.reason.select_option(label=reason, timeout=self.timeout)
        self._require(self.continue_button, "button 'Continue'").click(timeout=self.timeout)
        self._step("Details")
        return self

    @verb
    def describe(self, text: str, attachments: Sequence[str | Path] = ()) -> DisputeForm:
        """Step 2: the description (20+ characters) and optional files; continue to Review."""
        if len(text.strip()) < MIN_DESCRIPTION:
            raise ValueError(f"The description needs at least {MIN_DESCRIPTION} characters.")
        self._step("Details")
        self._require(self.description, "textbox 'Description'", role="textbox").fill(text, timeout=self.timeout)
        if attachments:
            self.attachments.set_input_files([str(a) for a in attachments], timeout=self.timeout)
        self._require(self.continue_button, "button 'Continue'").click(timeout=self.timeout)
        self._step("Review")
        return self

    @verb
    def review_text(self) -> str:
        """Step 3: the answers as the form shows them before submitting."""
        self._step("Review")
        return self.main.inner_text()

    @verb
    def back(self) -> DisputeForm:
        self._require(self.back_button, "button 'Back'").click(timeout=self.timeout)
        return self

    @verb
    def submit(self) -> DisputeSubmitted:
        """File the dispute. Used by tests against the mock only: the product never files by itself."""
        self._step("Review")
        self._require(self.submit_button, "button 'Submit dispute'").click(timeout=self.timeout)
        return self.confirmation()

    @verb
    def confirmation(self, timeout: float | None = None) -> DisputeSubmitted:
        """Wait for "Dispute submitted" (a person's click, or ``submit()``) and read the case ID."""
        with self._translated("waiting for 'Dispute submitted'"):
            self._require(
                self.submitted_heading, "heading 'Dispute submitted'", role="heading",
                timeout=self.timeout if timeout is None else timeout,
            )  # fmt: skip
        match = re.search(r"Case ID\s+([A-Za-z0-9-]+)", self.main.inner_text())
        if not match:
            raise ElementMissing(self.name, "text 'Case ID <id>'", self.page.url)
        return DisputeSubmitted(case_id=match[1])
