"""The dispute area (``region`` "Dispute") in every layout, read into ``DisputeInfo``.

It holds exactly one of four things (docs/screens.md): OPEN (a dispute button and "Dispute window
ends <time>"), DISPUTED ("Disputed on <date>, case ID <id>"), WINDOW_PASSED ("The dispute window
for this refund has passed." optionally " It ended <time>.") or NOT_AVAILABLE ("This transaction
can't be disputed."). Only the OPEN button differs between layouts, so the layout passes its name.
An area that shows none of these, or an OPEN area whose button has another name, raises
``ElementMissing``: a wrong "not disputable" would cost the seller the refund.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect

from evidence.models import DisputeInfo, DisputeState
from pages.base import DEFAULT_TIMEOUT_MS, DEFAULT_TZ, Panel, verb
from pages.dispute_form import DisputeForm
from pages.errors import ElementMissing
from pages.parsing import clean, parse_datetime, parse_when

__all__ = ["BUTTON_PAYMENTS", "BUTTON_RETURNS", "BUTTON_TRANSACTIONS", "DisputeArea"]

BUTTON_PAYMENTS = "Dispute"
BUTTON_TRANSACTIONS = "Dispute refund"
BUTTON_RETURNS = "Dispute this return"

_OPEN = re.compile(r"Dispute window ends (?P<when>.+?)\.?$")
_DISPUTED = re.compile(r"Disputed on (?P<when>.+?), case ID (?P<case>[A-Za-z0-9-]+)\.?")
_PASSED = "The dispute window for this refund has passed."
_PASSED_WHEN = re.compile(r"It ended (?P<when>.+?)\.?$")
_NOT_AVAILABLE = "This transaction can't be disputed."
_ANY_STATE = re.compile(r"Dispute window ends|Disputed on|dispute window for this refund has passed|can.t be disputed")
# Which of the elements found (the area, its button, its help links; in document order) is which.
_SEEN_JS = """els => els.map(e => {
  const role = (e.getAttribute('role') || '').toLowerCase();
  const kind = e.tagName === 'BUTTON' || role === 'button' ? 'button' : e.tagName === 'A' || role === 'link' ? 'link' : 'other';
  return {kind, text: kind === 'other' ? e.innerText : '', href: e.getAttribute('href')};
})"""


class DisputeArea(Panel):
    """The ``region`` "Dispute" inside ``scope`` (a dialog, drawer or region)."""

    def __init__(
        self,
        page: Page,
        scope: Locator,
        *,
        button_name: str,
        screen: str,
        tz: str | ZoneInfo = DEFAULT_TZ,
        timeout: float = DEFAULT_TIMEOUT_MS,
    ) -> None:
        super().__init__(page, scope.get_by_role("region", name="Dispute", exact=True), tz=tz, timeout=timeout)
        self.name = f"{screen} (dispute area)"
        self.button_name = button_name
        self.button = self.root.get_by_role("button", name=button_name, exact=True)
        self.help_link = self.root.get_by_role("link", name=re.compile("Learn how to dispute"))

    def _seen(self) -> tuple[str, bool, list[str | None]] | None:
        """(the area's text, its OPEN button shown, the help links' hrefs) in one round trip, or
        None when the area does not show a state yet (then ``_text`` waits). The elements are
        found by role as always; the script only says which is which and reads them."""
        found = (self.root.filter(visible=True).filter(has_text=_ANY_STATE)
                 .or_(self.button.filter(visible=True)).or_(self.help_link).evaluate_all(_SEEN_JS))
        areas = [f["text"] for f in found if f["kind"] == "other"]
        if len(areas) != 1:
            return None
        return (clean(areas[0]), any(f["kind"] == "button" for f in found),
                [f["href"] for f in found if f["kind"] == "link"])

    def _text(self) -> str:
        try:
            expect(self.root).to_be_visible(timeout=self.timeout)
            expect(self.root).to_contain_text(_ANY_STATE, timeout=self.timeout)
        except AssertionError:
            self._raise_if_interrupted()
            if not self.root.count():
                raise self._missing("region 'Dispute'", role="region", scope=self.page.locator("body")) from None
            raise ElementMissing(
                self.name,
                "one of the dispute states ('Dispute window ends', 'Disputed on', 'has passed', \"can't be disputed\")",
                self.page.url,
                available=[clean(self.root.inner_text())],
                kind="text",
            ) from None
        return clean(self.root.inner_text())

    @verb
    def read(self) -> DisputeInfo:
        seen = self._seen()
        text = seen[0] if seen else self._text()
        if _NOT_AVAILABLE in text:
            return DisputeInfo(state=DisputeState.NOT_AVAILABLE, message=text)
        disputed = _DISPUTED.search(text)
        if disputed:
            return DisputeInfo(
                state=DisputeState.DISPUTED,
                disputed_at=parse_when(disputed["when"], self.tz, what="the dispute date"),
                case_id=disputed["case"],
                message=text,
            )
        if _PASSED in text:
            ended = _PASSED_WHEN.search(text.split(_PASSED, 1)[1].strip())
            return DisputeInfo(
                state=DisputeState.WINDOW_PASSED,
                window_ends_at=parse_datetime(ended["when"], self.tz, what="the window end") if ended else None,
                message=text,
            )
        # OPEN: the button must be there under the name this layout uses.
        if not (seen and seen[1]):
            self._require(self.button, f"button '{self.button_name}'", scope=self.root)
        window = re.search(r"Dispute window ends (?P<when>.+?(?:AM|PM) [A-Z]{2,5})", text)
        if window is None:  # the text matched _ANY_STATE, so it is the OPEN sentence without a time
            raise ElementMissing(self.name, "the time after 'Dispute window ends'", self.page.url)
        if seen:
            help_url = seen[2][0] if seen[2] else None
        else:
            help_url = self.help_link.first.get_attribute("href") if self.help_link.count() else None
        return DisputeInfo(
            state=DisputeState.OPEN,
            window_ends_at=parse_datetime(window["when"], self.tz, what="the dispute window end"),
            help_url=help_url,
            message=text,
        )

    @verb
    def start_dispute(self) -> DisputeForm:
        """Click the OPEN button; returns the dispute form (which files nothing by itself)."""
        self._text()
        button = self._require(self.button, f"button '{self.button_name}'", scope=self.root)
        with self._translated(f"clicking '{self.button_name}'"):
            button.click(timeout=self.timeout)
        return DisputeForm(self.page, tz=self.tz, timeout=self.timeout).wait_until_ready()
