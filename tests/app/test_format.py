"""Formatted HTML is for reading: a browser draws it exactly as it draws the original."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.page.format import format_css, format_html
from app.review.compare import compare
from app.review.render import Renderer
from tests.app.pages import card

ROOT = Path(__file__).resolve().parents[2]
MINIFIED = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Orders</title><style>"
    "body{margin:0;font:15px/1.5 sans-serif;background:#f4f6fb}"
    ".bar{display:flex;gap:12px;padding:12px 20px;background:#243b6b;color:#fff}"
    ".pill{display:inline-block;padding:2px 8px;border-radius:9px;background:#e0e7ff}"
    "td,th{padding:6px 10px;border-bottom:1px solid #dde}"
    ".logo{background:url(data:image/gif;base64,R0lGODlhAQABAAAAACw=) no-repeat}"
    "@media (max-width:500px){.bar{display:block}}</style></head><body>"
    "<div class='bar'><b>Shop</b><span>Orders</span><span>Help</span></div>"
    "<main><h1>Orders <small>(3)</small></h1><p>Last <em>7</em> days, <a href='#'>all</a>"
    " of them. <span class='pill'>new</span> <span class='pill'>paid</span></p>"
    "<table><thead><tr><th>#</th><th>Customer</th></tr></thead><tbody><tr><td>1</td>"
    "<td>Ann <i>Lee</i></td></tr><tr><td>2</td><td>Bo</td></tr></tbody></table>"
    "<ul><li>one</li><li>two <b>bold</b> three</li></ul>"
    "<pre>  keep\n    this</pre><textarea>  a\n b</textarea></main></body></html>"
)


@pytest.mark.parametrize("page", ["minified", "card", "login"])
def test_a_browser_draws_the_formatted_page_as_the_original(renderer: Renderer,
                                                            page: str) -> None:
    html = {"minified": MINIFIED, "card": card(),
            "login": (ROOT / "benchmarks" / "pages" / "login.html").read_text()}[page]
    formatted = format_html(html)
    assert formatted.count("\n") > html.count("\n")
    original, again = (renderer.render(h, 900, 700) for h in (html, formatted))
    assert compare(original.image(), again.rgb).pixel_mismatch == 0


def test_it_reads_well_and_is_stable() -> None:
    formatted = format_html(MINIFIED)
    lines = formatted.splitlines()
    assert "    <title>Orders</title>" in lines
    assert "        <li>two <b>bold</b> three</li>" in lines
    assert "      .bar {" in lines and "        display:flex;" in lines
    assert "<pre>  keep\n    this</pre>" in formatted  # untouched
    assert format_html(formatted) == formatted


def test_css_keeps_strings_and_urls_whole() -> None:
    css = format_css(".a{content:';{}';background:url(data:x;y)}")
    assert css.splitlines() == [".a {", "  content:';{}';", "  background:url(data:x;y)", "}"]
