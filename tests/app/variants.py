"""Two real-looking pages written for these tests, and the ways a clone of them goes wrong:
words changed, blocks dropped, text recoloured, content shifted, fonts resized, another page,
a blank page. Sizes are in rem, so one rule resizes every font."""

from __future__ import annotations

PRICING = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Pricing</title>
<style>
html { font-size: 16px; }
body { margin: 0; font-family: DejaVu Sans, sans-serif; background: #f9fafb; color: #374151; }
nav { display: flex; align-items: center; gap: 2rem; padding: 1rem 3rem; background: #111827; }
nav b { color: #f9fafb; font-size: 1.25rem; margin-right: auto; }
nav a { color: #d1d5db; text-decoration: none; font-size: 0.95rem; }
main { padding: 2.5rem 3rem; }
h1 { color: #111827; font-size: 2.25rem; margin: 0 0 0.5rem; }
.lead { font-size: 1.1rem; color: #6b7280; margin: 0 0 2rem; }
.plans { display: flex; gap: 1.5rem; }
.plan { flex: 1; background: #fff; border: 1px solid #e5e7eb; border-radius: 10px;
        padding: 1.5rem; }
.plan h2 { font-size: 1.3rem; margin: 0 0 0.5rem; color: #1f2937; }
.price { font-size: 2rem; font-weight: bold; color: #4f46e5; margin: 0 0 1rem; }
.plan li { margin: 0.3rem 0; font-size: 0.95rem; }
.plan button { margin-top: 1rem; padding: 0.6rem 1.2rem; border: 0; border-radius: 6px;
               background: #4f46e5; color: #fff; font-size: 0.95rem; }
footer { padding: 1rem 3rem; color: #9ca3af; font-size: 0.85rem; }
</style></head><body>
<nav><b>Lumen Analytics</b><a href="#">Product</a><a href="#">Pricing</a><a href="#">Docs</a>
<a href="#">Sign in</a></nav>
<main>
<h1>Simple pricing for growing teams</h1>
<p class="lead">Start free, upgrade when your dashboards need more data.</p>
<div class="plans">
<section class="plan" id="starter"><h2>Starter</h2><p class="price">$0</p>
<ul><li>Three dashboards</li><li>Seven days of history</li><li>Community support</li></ul>
<button>Start for free</button></section>
<section class="plan" id="team"><h2>Team</h2><p class="price">$29</p>
<ul><li>Unlimited dashboards</li><li>One year of history</li><li>Email support</li></ul>
<button>Try Team</button></section>
<section class="plan" id="business"><h2>Business</h2><p class="price">$99</p>
<ul><li>Single sign-on</li><li>Audit logs and exports</li><li>A named support engineer</li></ul>
<button>Talk to sales</button></section>
</div></main>
<footer>Prices in US dollars, billed monthly. Cancel any time.</footer>
</body></html>"""

ARTICLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Notes</title>
<style>
html { font-size: 16px; }
body { margin: 0; font-family: DejaVu Serif, serif; background: #fffdf7; color: #292524; }
header { padding: 1.2rem 4rem; border-bottom: 1px solid #e7e5e4; font-family: DejaVu Sans,
         sans-serif; color: #57534e; font-size: 0.9rem; }
.wrap { display: flex; gap: 3rem; padding: 2rem 4rem; }
article { flex: 3; }
aside { flex: 1; font-family: DejaVu Sans, sans-serif; font-size: 0.9rem; }
h1 { font-size: 2rem; margin: 0 0 0.4rem; color: #7c2d12; }
.byline { color: #78716c; font-size: 0.9rem; margin: 0 0 1.5rem; }
article p { font-size: 1.05rem; line-height: 1.6; margin: 0 0 1rem; }
aside h3 { font-size: 1rem; color: #44403c; margin: 0 0 0.6rem; }
aside li { margin: 0.4rem 0; color: #0369a1; }
</style></head><body>
<header>Field Notes &middot; a small journal about bread</header>
<div class="wrap"><article>
<h1>Why the crust cracks when it cools</h1>
<p class="byline">By Ines Marlow, 12 March</p>
<p id="first">A loaf leaves the oven at nearly two hundred degrees. The crust dries and
shrinks faster than the crumb beneath it, and the thin shell splits along its weakest lines.
Bakers call this singing, because you can hear it.</p>
<p id="second">Steam in the first minutes keeps the surface soft for longer, so the crust
stretches before it sets. Less steam gives a duller, thicker crust that barely cracks.</p>
<p id="third">Let the loaf rest on a rack, not on the tray, so the bottom crust does not turn
soggy while the rest of it sings.</p>
</article><aside><h3>More notes</h3><ul>
<li>Starters that sulk in winter</li><li>Salt, later than you think</li>
<li>A cheap lame that works</li></ul></aside></div>
</body></html>"""

BLANK = "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body></body></html>"


def _with_css(html: str, css: str) -> str:
    return html.replace("</style>", css + "\n</style>", 1)


def variants(base: str, other: str) -> dict[str, str]:
    """Clones of ``base`` from perfect to useless, by name."""
    words = {"PRICING": [("growing teams", "large companies"), ("Start free", "Begin today"),
                         ("Unlimited dashboards", "Many reports"), ("Talk to sales", "Call us")],
             "ARTICLE": [("crust cracks", "bread breaks"), ("singing", "talking"),
                         ("Steam in the first minutes", "Water at the start"),
                         ("More notes", "Other posts")]}["PRICING" if base is PRICING else
                                                          "ARTICLE"]
    some_words = base
    for old, new in words[:2]:
        some_words = some_words.replace(old, new)
    many_words = base
    for old, new in words:
        many_words = many_words.replace(old, new)
    dropped = base.replace('id="team"', 'id="team" style="display:none"') if base is PRICING \
        else base.replace('id="second"', 'id="second" style="display:none"')
    return {
        "same": base,
        "recoloured": _with_css(base, "h1, h2 { color: #dc2626 !important; }"),
        "shifted": _with_css(base, "body { padding-top: 14px; }"),
        "fonts resized": _with_css(base, "html { font-size: 18px; }"),
        "some words": some_words,
        "dropped block": dropped,
        "many words": many_words,
        "shifted far": _with_css(base, "body { padding-top: 160px; padding-left: 120px; }"),
        "another page": other,
        "blank": BLANK,
    }
