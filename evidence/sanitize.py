"""Make hostile HTML (e-mail bodies, Inbox messages) safe to show, and turn it into plain text.

E-mail bodies are written by strangers, so everything that could run code, phone home or change
the page that shows them is removed: scripts and styles (with their content), event handlers,
``style`` attributes, ``javascript:``/``data:``/relative URLs, and every kind of remote content
(``img``, ``srcset``, ``background``, ``iframe``, ``object``/``embed``, ``form``). What stays is
plain formatting (paragraphs, emphasis, lists, quotes, tables) and links with an ``http``,
``https`` or ``mailto`` URL, each marked ``rel="noopener noreferrer nofollow"``.

``sanitize_html`` is built on nh3 (the Rust ammonia sanitizer) with an explicit allow-list: a tag
or attribute not named here is dropped, so a new HTML feature is unsafe-by-default-removed rather
than let through.

``html_to_text`` gives the plain view of an HTML body (for the timeline, matching and the
normalized-body comparison used for de-duplication); it never returns markup.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

__all__ = ["LINK_REL", "html_to_text", "sanitize_html"]

LINK_REL = "noopener noreferrer nofollow"

_ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl",
        "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark",
        "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
    }
)  # fmt: skip

# Tags removed together with everything inside them (code, styling, embedded documents).
_DROP_WITH_CONTENT: frozenset[str] = frozenset(
    {
        "script", "style", "template", "iframe", "frame", "frameset", "object", "embed", "applet",
        "noscript", "noembed", "noframes", "title", "head", "svg", "math", "select", "textarea",
        "button", "audio", "video", "canvas",
    }
)  # fmt: skip

_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "p": {"align"},
    "div": {"align"},
}

_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})

_CLEANER = nh3.Cleaner(
    tags=set(_ALLOWED_TAGS),
    clean_content_tags=set(_DROP_WITH_CONTENT),
    attributes=_ALLOWED_ATTRIBUTES,
    url_schemes=set(_URL_SCHEMES),
    link_rel=LINK_REL,
    url_relative="deny",  # a relative URL would resolve against the page showing the evidence
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Return ``html`` with only plain formatting and safe links left (see the module docstring)."""
    if not html:
        return ""
    return _CLEANER.clean(html)


# --------------------------------------------------------------------------- plain text

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
        "pre", "section", "table", "tbody", "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset(
    {"script", "style", "template", "head", "title", "noscript", "svg", "math", "iframe", "object", "embed"}
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "pre":
            self._pre_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "hr":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if not self._pre_depth:
            data = re.sub(r"[ \t\r\n\f\v]+", " ", data)
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: no markup, block elements on their own lines, entities decoded.

    Scripts, styles and the document head contribute nothing. Runs of blank lines collapse to one.
    """
    if not html:
        return ""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - HTMLParser is lenient; this is a last-resort fallback
        return html_lib.unescape(re.sub(r"<[^>]*>", " ", html)).strip()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [line.strip(" ") for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()
