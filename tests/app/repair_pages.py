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
