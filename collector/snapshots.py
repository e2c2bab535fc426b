"""Evidence HTML snapshots: the page's markup and its style sheets, made inert by ``evidence.snapshot``.

``html_snapshot(page)``: one ``page.evaluate`` that reads the markup as ``page.content()`` does (the doctype and the root element's HTML) and the text of
every style sheet the page applies (linked, inline, ``@import``-ed and constructed sheets, each
under its media condition), so the snapshot shows the same styles without loading ``/static/...``
from a bundle folder. A sheet the browser does not let the page read (another origin) is left out.
``ScreenRecorder`` (handlers.py) reads the same (``SNAPSHOT_JS``) in the round trip that reads the
screen's text, and makes it inert with ``snapshot_of``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evidence.snapshot import inert_snapshot

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Page

PAGE_CSS_JS = """() => {
  const parts = [];
  const walk = (sheet, media) => {
    let rules;
    try { rules = Array.from(sheet.cssRules); } catch (e) { return; }  // another origin: unreadable
    let text = "";
    for (const rule of rules) {
      if (rule instanceof CSSImportRule) {
        if (rule.styleSheet) walk(rule.styleSheet, rule.media ? rule.media.mediaText : "");
      } else {
        text += rule.cssText + "\\n";
      }
    }
    parts.push(media ? `@media ${media} {\\n${text}}` : text);
  };
  for (const sheet of [...document.styleSheets, ...(document.adoptedStyleSheets || [])]) {
    if (!sheet.disabled) walk(sheet, sheet.media ? sheet.media.mediaText : "");
  }
  return parts.join("\\n");
}"""


# The markup exactly as Playwright's page.content() reads it, and the styles: one round trip.
SNAPSHOT_JS = """() => {
  let html = document.doctype ? new XMLSerializer().serializeToString(document.doctype) : "";
  if (document.documentElement) html += document.documentElement.outerHTML;
  return [html, (%s)()];
}""" % PAGE_CSS_JS


def page_css(page: Page) -> str:
    """The text of every style sheet ``page`` applies, in document order."""
    css = page.evaluate(PAGE_CSS_JS)
    return css if isinstance(css, str) else ""


def html_snapshot(page: Page) -> bytes:
    """The inert snapshot of what ``page`` shows now (UTF-8 bytes)."""
    html, css = page.evaluate(SNAPSHOT_JS)
    return snapshot_of(html, css)


def snapshot_of(html: str, css: object) -> bytes:
    """The inert snapshot of what ``SNAPSHOT_JS`` answered (for a caller that read it along with
    other things in the same round trip)."""
    return inert_snapshot(html, css if isinstance(css, str) else "")
