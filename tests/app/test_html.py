"""The HTML stage against what models really write."""

import re

import pytest
from bs4 import BeautifulSoup

from app.page.html import NO_HTML_FLAG, clean_model_output, placeholder_uri

DOC = ("<!DOCTYPE html><html><head><title>Login</title><style>body{margin:0}</style></head>"
       "<body><h1>Welcome Back!</h1></body></html>")

# (name, model output, text that must be in the result, text that must not, expected change)
CASES = [
    ("bare document", DOC, ["<h1>Welcome Back!</h1>"], [], None),
    ("fenced with prose", f"Sure! Here is the page:\n\n```html\n{DOC}\n```\n\nLet me know!",
     ["<h1>Welcome Back!</h1>"], ["Sure!", "Let me know"], None),
    ("fence without language", f"```\n{DOC}\n```", ["Welcome Back!"], ["```"], None),
    ("prose after </html>, no fence", f"{DOC}\nThis page uses flexbox.",
     ["Welcome Back!"], ["flexbox"], "dropped the text after </html>"),
    ("gemma thinking channel", f"<|channel>thought\nThe user wants <div>s<channel|>{DOC}",
     ["Welcome Back!"], ["thought", "<div>s"], "removed the model's thinking"),
    ("think tags", f"<think>plan: <html> first</think>\n```html\n{DOC}\n```",
     ["Welcome Back!"], ["plan:"], "removed the model's thinking"),
    ("two documents, second is the fix",
     "```html\n<html><body><p>draft</p></body></html>\n```\nOops, fixed:\n"
     "```html\n<html><body><p>final</p></body></html>\n```",
     ["<p>final</p>"], ["draft"], "2 HTML documents"),
    ("truncated mid-tag",
     "```html\n<!DOCTYPE html><html><head><style>.a{color:red}</style></head><body>"
     "<div class=\"card\"><p>Total: $40,000</p><span cla",
     ["<p>Total: $40,000</p></div></body></html>"], ["<span"], "cut off before </html>"),
    ("truncated inside CSS",
     "<html><head><style>body { margin: 0 }\n.card { padding: 12px; border: 1px so",
     ["</style>", ".card { padding: 12px"], [], "closed CSS rules"),
    ("truncated inside a comment", "<html><body><p>a</p><!-- side bar",
     ["<p>a</p>"], [], "unterminated comment"),
    ("html fragment plus a css block",
     "```html\n<div class=\"x\">Hi</div>\n```\nAnd the CSS:\n```css\n.x { color: red }\n```",
     ["<style>", ".x { color: red }", "<body><div class=\"x\">Hi</div>"], [],
     "separate CSS block"),
    ("external CDN links",
     "<html><head><link rel=\"stylesheet\" href=\"https://cdn.jsdelivr.net/bootstrap.css\">"
     "<link rel=\"preconnect\" href=\"https://fonts.gstatic.com\">"
     "<script src=\"https://cdn.tailwindcss.com\"></script>"
     "<style>@import url('https://fonts.googleapis.com/css2?family=Nunito');"
     "@font-face{font-family:X;src:url(https://x.test/x.woff2)}"
     ".hero{background:url(/img/hero.jpg)}</style></head>"
     "<body><img src=\"https://picsum.photos/200\" width=\"200\" height=\"120\" alt=\"team\">"
     "<div style=\"background-image:url('http://x.test/a.png')\">a</div>"
     "<iframe src=\"https://www.youtube.com/embed/x\" width=\"560\" height=\"315\"></iframe>"
     "</body></html>",
     ['alt="team"', "data:image/svg+xml", "width:560px;height:315px"],
     ["cdn.jsdelivr", "tailwindcss", "fonts.g", "x.test", "/img/hero.jpg", "picsum",
      "youtube", "@import", "@font-face"],
     "removed 1 external stylesheet"),
]


@pytest.mark.parametrize("name, text, present, absent, change", CASES, ids=[c[0] for c in CASES])
def test_model_outputs(name: str, text: str, present: list[str], absent: list[str],
                       change: str | None) -> None:
    out = clean_model_output(text)
    assert out.found_html
    assert out.html.startswith("<!DOCTYPE html>")
    for s in present:
        assert s in out.html
    for s in absent:
        assert s not in out.html
    if change:
        assert any(change in c for c in out.changes), out.changes
    soup = BeautifulSoup(out.html, "html.parser")
    assert soup.find("meta", charset=True) is not None
    assert soup.find("meta", attrs={"name": "viewport"}) is not None
    assert soup.head is not None and soup.body is not None


def test_nothing_external_survives() -> None:
    out = clean_model_output(CASES[-1][1])
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", out.html)
    urls += re.findall(r"url\(([^)]+)\)", out.html)
    assert urls and all(u.strip("'\"").startswith("data:") for u in urls)


def test_placeholder_keeps_declared_size() -> None:
    out = clean_model_output('<img src="https://x.test/a.png" style="width: 320px; height:90px">')
    assert placeholder_uri(320, 90) in out.html


def test_no_html_at_all_is_flagged_and_the_text_kept() -> None:
    out = clean_model_output("I'm sorry, I can't read that image. <maybe> try again?")
    assert not out.found_html
    assert NO_HTML_FLAG in out.html
    assert "I&#x27;m sorry, I can&#x27;t read that image. &lt;maybe&gt; try again?" in out.html
    assert any("no HTML" in c for c in out.changes)


def test_empty_answer() -> None:
    out = clean_model_output("")
    assert not out.found_html and "wrote nothing" in out.html


def test_gibberish_from_the_tiny_model_never_crashes() -> None:
    for text in ["}!htmzFTX<\x05", "<<<>>></div></html", "```html\n", "<html", "<!--"]:
        assert clean_model_output(text).html.startswith("<!DOCTYPE html>")
