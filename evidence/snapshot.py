"""Inert HTML snapshots: what a screen showed, as a file that runs nothing and loads nothing.

``page.content()`` is the live page: its ``<script>`` tags, event handlers, form actions and
``/static/...`` stylesheet links. Opened from a bundle (``file://``) it would try to load
``file:///static/app.js`` and render unstyled, and opened from anywhere else it could run the
site's code or call home. ``inert_snapshot(html, css)`` turns it into a document that shows the
same text with the same styles and does nothing else:

* removed with their content: ``script``, ``noscript`` (not shown when the page was captured),
  ``template``, ``iframe``/``frame``/``frameset``, ``object``/``embed``/``applet``, ``base``,
  every ``link``, ``style`` and ``meta`` (the styles come back inlined, below), and SVG
  ``animate``/``set`` elements that target a link;
* removed attributes: every ``on*`` handler; form ``action``/``method``/``enctype``/``target``
  and the ``form*`` overrides of buttons; every URL-bearing attribute (``src``, ``srcset``,
  ``href``, ``poster``, ``background``, ``ping``, ``cite``, ...) except in-page ``#fragment``
  links and ``data:image`` sources; a link points to ``#`` (it still looks like a link) and keeps
  its target, inert, as ``data-href``; the
  values of password and hidden inputs (tokens live there);
* styles: the page's style sheets, read by the collector from the live page
  (``document.styleSheets`` cssText: the mock's ``/static/site.css`` and any inline sheet), go in
  one ``<style>`` element; ``url(...)`` references other than ``data:`` are emptied, in the
  sheets and in ``style`` attributes;
* a Content-Security-Policy meta tag opens the ``<head>``: ``default-src 'none'; style-src
  'unsafe-inline'; img-src data:`` (plus ``base-uri`` and ``form-action 'none'``), so even what
  this missed cannot run or load.

It is parsed with an HTML5 parser (lexbor, via selectolax): the tree cleaned is the tree a
browser builds from the same bytes. No Playwright here: the collector passes the strings in.
"""

from __future__ import annotations

import html as html_lib
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["SNAPSHOT_CSP", "inert_snapshot", "neutralize_css"]

SNAPSHOT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_REMOVE = (
    "script, noscript, template, iframe, frame, frameset, object, embed, applet, portal, base, "
    "link, style, meta, noembed, noframes, param"
)
# Attributes whose value is a URL the browser may load or navigate to.
_URL_ATTRIBUTES = frozenset(
    {
        "href", "xlink:href", "src", "srcset", "imagesrcset", "action", "formaction", "poster",
        "background", "data", "ping", "cite", "longdesc", "lowsrc", "dynsrc", "manifest",
        "codebase", "archive", "profile", "srcdoc", "classid", "attributionsrc",
    }
)  # fmt: skip
_FORM_ATTRIBUTES = frozenset(
    {"method", "enctype", "target", "formmethod", "formenctype", "formtarget", "formnovalidate"}
)  # fmt: skip
_LINK_TAGS = frozenset({"a", "area"})
_CSS_URL = re.compile(r"""url\(\s*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^)'"]*)\s*\)""", re.IGNORECASE)
_DATA_URL = re.compile(r"""url\(\s*["']?\s*data:""", re.IGNORECASE)
_SCRIPT_SCHEME = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)
_IMAGE_DATA = re.compile(r"^\s*data:image/", re.IGNORECASE)


def inert_snapshot(html: str, css: str = "") -> bytes:
    """The page ``html`` as an inert, self-styled UTF-8 document (``css``: the page's style sheets)."""
    tree = LexborHTMLParser(html)
    title = tree.css_first("title")
    title_text = title.text(deep=True) if title is not None else ""
    viewport = tree.css_first("meta[name=viewport]")
    viewport_content = viewport.attrs.get("content") if viewport is not None else None
    for node in tree.css(_REMOVE):
        node.decompose()
    for node in tree.css("animate, set"):
        if (node.attrs.get("attributeName") or "").lower().endswith("href"):
            node.decompose()
    root = tree.root
    if root is None:
        return _document("", "", title_text, viewport_content, css)
    for node in root.traverse():
        _clean_attributes(node)
    body = tree.body
    return _document(_start_tag(root), body.html if body is not None else "<body></body>",
                     title_text, viewport_content, css)


def neutralize_css(css: str) -> str:
    """CSS with every ``url(...)`` other than a ``data:`` URL emptied (``url("data:,")``: loads
    nothing, keeps the declaration's syntax) and no way to close the ``<style>`` element."""
    css = _CSS_URL.sub(lambda m: m.group(0) if _DATA_URL.match(m.group(0)) else 'url("data:,")', css)
    return re.sub(r"</", r"<\\/", css)  # "</style>" inside a CSS string would end the element


def _clean_attributes(node: LexborNode) -> None:
    tag = (node.tag or "").lower()
    attrs = node.attrs
    for name in list(attrs.keys()):
        lower = name.lower()
        value = attrs.get(name) or ""
        if lower.startswith("on") or lower in _FORM_ATTRIBUTES:
            del attrs[name]
        elif lower in _URL_ATTRIBUTES:
            keep_fragment = lower in {"href", "xlink:href"} and value.strip().startswith("#")
            keep_image = lower == "src" and tag == "img" and _IMAGE_DATA.match(value)
            if keep_fragment or keep_image:
                continue
            del attrs[name]
            if tag in _LINK_TAGS and lower == "href":
                # Still a link (so it looks like one: :link styles apply), but to this page only;
                # where it went is kept for the reader, never followed.
                attrs["href"] = "#"
                if not _SCRIPT_SCHEME.match(value):
                    attrs["data-href"] = value
        elif lower == "style":
            attrs[name] = neutralize_css(value)
        elif lower == "value" and tag == "input" and (attrs.get("type") or "").lower() in {"password", "hidden"}:
            del attrs[name]


def _start_tag(node: LexborNode) -> str:
    attributes = "".join(
        f' {name}="{html_lib.escape(value or "", quote=True)}"' for name, value in node.attrs.items()
    )
    return f"<html{attributes}>"


def _document(html_tag: str, body: str, title: str, viewport: str | None, css: str) -> bytes:
    head = [
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{html_lib.escape(SNAPSHOT_CSP, quote=True)}">',
    ]
    if viewport:
        head.append(f'<meta name="viewport" content="{html_lib.escape(viewport, quote=True)}">')
    if title:
        head.append(f"<title>{html_lib.escape(title, quote=False)}</title>")
    if css.strip():
        head.append(f"<style>\n{neutralize_css(css)}\n</style>")
    parts = ["<!DOCTYPE html>", html_tag or "<html>", "<head>", *head, "</head>", body, "</html>"]
    return "\n".join(parts).encode("utf-8")
