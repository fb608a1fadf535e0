"""Pages written for the repair, refine and edit tests: an original (rendered to make the
"screenshot") and the ways a model gets it wrong: misread words, colours a few shades off,
grey boxes where the pictures were."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image, ImageDraw

PHOTO_BOX = (40, 150, 320, 180)  # x, y, width, height in CSS px
LOGO_BOX = (24, 14, 36, 36)


def photo_png(width: int, height: int, seed: int = 3) -> bytes:
    """A photo-like picture: a sky gradient, hills and noise, so every crop is distinct."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height)[:, None]
    x = np.linspace(0, 1, width)[None, :]
    sky = np.stack([90 + 100 * y + 0 * x, 150 + 60 * y + 0 * x, 230 - 40 * y + 0 * x], axis=-1)
    hill = (y > 0.6 + 0.15 * np.sin(x * 7)).astype(float)[..., None]
    img = sky * (1 - hill) + np.array([60, 140, 70]) * hill + rng.normal(0, 6, sky.shape)
    out = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def logo_png(size: int) -> bytes:
    img = Image.new("RGB", (size, size), "#ffffff")
    d = ImageDraw.Draw(img)
    d.ellipse([2, 2, size - 3, size - 3], fill="#e8590c")
    d.polygon([(size // 2, 6), (size - 8, size - 8), (8, size - 8)], fill="#fff4e6")
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #ffffff; font: 16px "DejaVu Sans", sans-serif; color: #212529; }}
header {{ height: 64px; background: {brand}; display: flex; align-items: center; }}
header h1 {{ margin: 0 0 0 72px; font-size: 22px; color: #ffffff; }}
.logo {{ position: absolute; left: 24px; top: 14px; width: 36px; height: 36px; }}
.card {{ position: absolute; left: 380px; top: 150px; width: 340px; padding: 20px;
         background: {card}; border-radius: 8px; }}
.card h2 {{ margin: 0 0 8px; font-size: 24px; color: {ink}; }}
.card p {{ margin: 0; line-height: 1.5; }}
.btn {{ display: inline-block; margin-top: 16px; padding: 10px 18px; background: {accent};
        color: #ffffff; border-radius: 6px; font-weight: bold; }}
.photo {{ position: absolute; left: 40px; top: 150px; width: 320px; height: 180px; }}
</style></head>
<body><header>{logo}<h1>{title}</h1></header>
{photo}
<div class="card"><h2>{heading}</h2><p>{body}</p><span class="btn">{button}</span></div>
</body></html>
"""

TRUE_WORDS = {"title": "Northwind Travel", "heading": "Weekend in the Alps",
              "body": "Three nights in a mountain lodge, breakfast included.",
              "button": "Book now"}
TRUE_COLOURS = {"brand": "#1d4ed8", "card": "#f1f5f9", "ink": "#0f172a", "accent": "#16a34a"}


def original_page() -> str:
    logo = f'<img class="logo" src="{_uri(logo_png(36))}" alt="">'
    photo = f'<img class="photo" src="{_uri(photo_png(320, 180))}" alt="">'
    return PAGE.format(logo=logo, photo=photo, **TRUE_WORDS, **TRUE_COLOURS)


def clone_page(*, words: dict[str, str] | None = None, colours: dict[str, str] | None = None,
               boxes: bool = False) -> str:
    """The original as a model might write it: other words, other colours, and (boxes) grey
    placeholders instead of the logo and the photo."""
    if boxes:
        logo = '<svg class="logo" viewBox="0 0 36 36"><circle cx="18" cy="18" r="16" ' \
               'fill="#f97316"/></svg>'
        photo = '<div class="photo" style="background:#e5e7eb"></div>'
    else:
        logo = f'<img class="logo" src="{_uri(logo_png(36))}" alt="">'
        photo = f'<img class="photo" src="{_uri(photo_png(320, 180))}" alt="">'
    return PAGE.format(logo=logo, photo=photo, **{**TRUE_WORDS, **(words or {})},
                       **{**TRUE_COLOURS, **(colours or {})})


MISREAD = {"title": "Northwlnd Travel", "heading": "Weekend in the Alsp",
           "body": "Three nights in a mountian lodge, breakfast inclued."}
SHIFTED = {"brand": "#2152d6", "card": "#eef3f7", "accent": "#19a54d"}


# ---------------------------------------------------------------- pages for measuring repair

def avatar_png(size: int, hue: tuple[int, int, int], seed: int) -> bytes:
    """A portrait-like picture: a coloured backdrop, a head and shoulders, some grain."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (size, size), hue)
    d = ImageDraw.Draw(img)
    d.ellipse([size * 0.3, size * 0.18, size * 0.7, size * 0.58], fill=(233, 196, 170))
    d.ellipse([size * 0.12, size * 0.62, size * 0.88, size * 1.3], fill=(55, 65, 81))
    a = np.asarray(img).astype(float) + rng.normal(0, 4, (size, size, 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


_SYSTEM_FONT = '"DejaVu Sans", Arial, sans-serif'

DASHBOARD = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Orders</title><style>
body {{ margin: 0; font: 14px {_SYSTEM_FONT}; background: #f4f6fa; color: #1f2937; }}
aside {{ position: fixed; left: 0; top: 0; bottom: 0; width: 200px; background: #111827;
         color: #d1d5db; padding: 20px 16px; box-sizing: border-box; }}
aside .brand {{ color: #ffffff; font-weight: bold; font-size: 16px; margin-bottom: 28px; }}
aside a {{ display: block; padding: 8px 10px; border-radius: 6px; color: #9ca3af; }}
aside a.on {{ background: #1f2a44; color: #ffffff; }}
main {{ margin-left: 200px; padding: 24px 32px; }}
.top {{ display: flex; justify-content: space-between; align-items: center; }}
.top h1 {{ font-size: 22px; margin: 0; }}
.me {{ display: flex; align-items: center; gap: 10px; color: #4b5563; }}
.me img {{ width: 36px; height: 36px; border-radius: 50%; }}
.stats {{ display: flex; gap: 16px; margin: 24px 0; }}
.stat {{ flex: 1; background: #ffffff; border: 1px solid #e5e9f2; border-radius: 10px;
         padding: 16px; }}
.stat b {{ display: block; font-size: 24px; margin-top: 6px; color: #111827; }}
.stat .up {{ color: #059669; }} .stat .down {{ color: #dc2626; }}
table {{ width: 100%; border-collapse: collapse; background: #ffffff; border-radius: 10px; }}
th, td {{ text-align: left; padding: 10px 14px; border-bottom: 1px solid #eef1f6; }}
th {{ color: #6b7280; font-weight: normal; background: #f9fafc; }}
.pill {{ padding: 2px 8px; border-radius: 10px; font-size: 12px; }}
.paid {{ background: #d1fae5; color: #065f46; }} .due {{ background: #fee2e2; color: #991b1b; }}
</style></head><body>
<aside><div class="brand">Ledgerly</div><a class="on">Orders</a><a>Customers</a><a>Invoices</a>
<a>Reports</a><a>Settings</a></aside>
<main><div class="top"><h1>Orders this week</h1><div class="me">Priya Raman
<img src="{_uri(avatar_png(72, (191, 219, 254), 5))}" alt=""></div></div>
<div class="stats"><div class="stat">Revenue<b>$18,420</b>
<span class="up">+12.4% on last week</span>
</div><div class="stat">Orders<b>312</b><span class="up">+8 today</span></div>
<div class="stat">Refunds<b>7</b><span class="down">3 waiting for review</span></div></div>
<table><tr><th>Order</th><th>Customer</th><th>Total</th><th>Status</th></tr>
<tr><td>#10482</td><td>Marta Kowalska</td><td>$129.00</td>
<td><span class="pill paid">Paid</span></td></tr>
<tr><td>#10481</td><td>Jonas Becker</td><td>$54.50</td>
<td><span class="pill due">Overdue</span></td></tr>
<tr><td>#10480</td><td>Aiko Tanaka</td><td>$310.75</td>
<td><span class="pill paid">Paid</span></td></tr>
<tr><td>#10479</td><td>Samuel Okafor</td><td>$88.20</td>
<td><span class="pill paid">Paid</span></td></tr>
</table></main></body></html>
"""

ARTICLE = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Field notes</title><style>
body {{ margin: 0; font: 16px/1.6 Georgia, "DejaVu Serif", serif; background: #fffdf8;
        color: #292524; }}
nav {{ display: flex; gap: 24px; padding: 18px 48px; border-bottom: 1px solid #e7e5e4;
       font: 14px {_SYSTEM_FONT}; color: #57534e; }}
nav b {{ color: #9a3412; margin-right: auto; }}
article {{ width: 680px; margin: 28px auto; }}
h1 {{ font-size: 34px; line-height: 1.2; margin: 0 0 12px; color: #1c1917; }}
.byline {{ display: flex; align-items: center; gap: 12px; font: 14px {_SYSTEM_FONT};
           color: #78716c; }}
.byline img {{ width: 44px; height: 44px; border-radius: 50%; }}
.hero {{ display: block; width: 680px; height: 260px; margin: 20px 0; border-radius: 6px; }}
blockquote {{ margin: 0; padding-left: 16px; border-left: 4px solid #ea580c; color: #57534e; }}
</style></head><body>
<nav><b>Field Notes</b><span>Essays</span><span>Travel</span><span>About</span></nav>
<article><h1>What the river taught me about patience</h1>
<div class="byline"><img src="{_uri(avatar_png(88, (254, 215, 170), 9))}" alt="">
<span>Tomás Herrera · 12 min read · March 4</span></div>
<img class="hero" src="{_uri(photo_png(680, 260, 11))}" alt="">
<p>We set out before dawn, when the water was still the colour of slate and the herons had the
banks to themselves. Nobody spoke for the first hour.</p>
<blockquote>The current does not hurry, and yet it carves the canyon.</blockquote>
</article></body></html>
"""

PRICING = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Pricing</title><style>
body {{ margin: 0; font: 15px {_SYSTEM_FONT}; background: #0b1020; color: #e2e8f0; }}
header {{ text-align: center; padding: 36px 0 8px; }}
header img {{ width: 48px; height: 48px; }}
h1 {{ font-size: 30px; margin: 10px 0 6px; color: #ffffff; }}
header p {{ color: #94a3b8; margin: 0; }}
.plans {{ display: flex; gap: 20px; justify-content: center; margin-top: 30px; }}
.plan {{ width: 230px; background: #131a2e; border: 1px solid #243049; border-radius: 12px;
         padding: 22px; }}
.plan.best {{ border-color: #8b5cf6; background: #1a1535; }}
.plan h2 {{ margin: 0; font-size: 18px; color: #c4b5fd; }}
.price {{ font-size: 32px; font-weight: bold; margin: 10px 0; color: #ffffff; }}
.price small {{ font-size: 14px; color: #94a3b8; font-weight: normal; }}
.plan li {{ margin: 6px 0; color: #cbd5e1; }}
.plan ul {{ padding-left: 18px; }}
.cta {{ display: block; text-align: center; padding: 10px; border-radius: 8px;
        background: #8b5cf6; color: #ffffff; font-weight: bold; margin-top: 14px; }}
</style></head><body>
<header><img src="{_uri(logo_png(48))}" alt=""><h1>Simple plans for growing teams</h1>
<p>Start free. Upgrade when your workspace does.</p></header>
<div class="plans">
<div class="plan"><h2>Starter</h2><div class="price">$0 <small>per month</small></div><ul>
<li>3 projects</li><li>Community support</li><li>1 GB storage</li></ul>
<span class="cta">Get started</span></div>
<div class="plan best"><h2>Team</h2><div class="price">$24 <small>per seat</small></div><ul>
<li>Unlimited projects</li><li>Priority support</li><li>100 GB storage</li></ul>
<span class="cta">Start a trial</span></div>
<div class="plan"><h2>Enterprise</h2><div class="price">Custom</div><ul>
<li>Single sign-on</li><li>Audit logs</li><li>Dedicated manager</li></ul>
<span class="cta">Talk to sales</span></div>
</div></body></html>
"""

REAL_PAGES = {"travel-card": original_page(), "dashboard": DASHBOARD, "article": ARTICLE,
              "pricing": PRICING}
PAGE_SIZE = {"travel-card": (760, 420), "dashboard": (1100, 560), "article": (900, 720),
             "pricing": (960, 520)}

_MISREADINGS = [("i", "l"), ("o", "0"), ("e", "c"), ("rn", "m"), ("a", "o"), ("t", "f")]


def misread(html: str) -> str:
    """Every other run of text of two words or more with one character misread, as a model
    reading a small screenshot does ("Orders" -> "0rders", "Tomás" -> "Tornás")."""
    from app.page.source import pieces, splice

    changes, k = [], 0
    for piece in pieces(html):
        raw = html[piece.start:piece.end]
        if piece.kind != "text" or piece.name in ("style", "title") or len(raw.split()) < 2:
            continue
        k += 1
        if k % 2:
            continue
        for was, now in _MISREADINGS[k % len(_MISREADINGS):] + _MISREADINGS:
            at = raw.find(was, len(raw) // 3)
            if at >= 0:
                changes.append((piece.start, piece.end, raw[:at] + now + raw[at + len(was):]))
                break
    return splice(html, changes)


def shift_colours(html: str, by: tuple[int, int, int] = (5, -4, 6)) -> str:
    """Every hex colour in the CSS a few units off, as a model picking colours by eye does."""
    import re

    def shift(m: re.Match[str]) -> str:
        h = m.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        rgb = [min(255, max(0, int(h[i:i + 2], 16) + d)) for i, d in zip((0, 2, 4), by,
                                                                         strict=True)]
        return "#" + "".join(f"{v:02x}" for v in rgb)

    head, body = html.split("</style>", 1)
    return re.sub(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b(?=[;\s}])", shift, head) + "</style>" + body


def boxed(html: str) -> str:
    """Every picture replaced by the grey box the clone prompt asks for, same size and place."""
    import re

    return re.sub(r'<img([^>]*?)\ssrc="data:[^"]*"([^>]*)>',
                  lambda m: f'<img{m.group(1)}{m.group(2)} style="background:#e5e7eb">', html)
