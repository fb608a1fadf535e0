"""Image placeholders filled with the original's pixels.

A model cannot draw a photo or a logo, so it leaves a stand-in: the grey box the prompt asks
for, an ``<img>`` with no source (or the grey picture the HTML stage put in place of a remote
one), or a small inline ``<svg>`` for an icon. Each stand-in is marked, the marked page is
rendered once with ``READ_BOXES`` reading where each one landed, and each is then filled with
the crop of the screenshot at that place as a data: URI, so the page shows the real picture."""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from string import Template

import numpy as np
from bs4 import BeautifulSoup, Tag
from PIL import Image

from app.page.html import PLACEHOLDER_FILL, placeholder_uri

MARK = "data-shotclone-slot"
MIN_SIDE = 8  # CSS px: smaller boxes are rules and dots, not pictures
_FLAT = 2.0  # a crop whose pixels vary less than this is a plain colour, not a picture
_LEAF_BOX_TAGS = ("div", "span", "figure", "picture", "i", "a", "section", "aside", "header",
                  "li", "td", "button", "canvas")

# For each marked element: its box in page CSS pixels, and whether it looks like a stand-in
# (an img or svg always; any other element only when it is an empty grey box).
READ_BOXES = Template("""() => Array.from(document.querySelectorAll('[$mark]'), el => {
  const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
  const m = cs.backgroundColor.match(/\\d+(\\.\\d+)?/g) || [];
  const [cr, cg, cb, ca] = m.map(Number);
  const grey = m.length >= 3 && (ca === undefined || ca > 0.5)
    && Math.max(cr, cg, cb) - Math.min(cr, cg, cb) <= 16 && (cr + cg + cb) / 3 >= 150
    && (cr + cg + cb) / 3 <= 245;
  const placeholderImage = cs.backgroundImage.includes('svg+xml');
  return {slot: +el.getAttribute('$mark'), x: r.left + scrollX, y: r.top + scrollY,
          w: r.width, h: r.height, tag: el.tagName.toLowerCase(),
          standIn: el.tagName === 'IMG' || el.tagName.toLowerCase() === 'svg' || grey
                   || placeholderImage,
          visible: cs.visibility !== 'hidden' && cs.display !== 'none' && +cs.opacity > 0.1};
})""").substitute(mark=MARK)


@dataclass(frozen=True, slots=True)
class Box:
    slot: int
    x: float
    y: float
    w: float
    h: float
    tag: str


@dataclass(frozen=True, slots=True)
class Filled:
    tag: str
    box: tuple[int, int, int, int]  # x, y, width, height in CSS px


def _is_placeholder_src(src: str) -> bool:
    s = src.strip()
    return not s or s == placeholder_uri(None, None) or (
        s.startswith("data:image/svg+xml") and PLACEHOLDER_FILL.replace("#", "%23") in s)


def _candidates(soup: BeautifulSoup) -> list[Tag]:
    found: list[Tag] = []
    for tag in soup.find_all(["img", "svg", *_LEAF_BOX_TAGS]):
        if tag.name == "img":
            if _is_placeholder_src(str(tag.get("src", ""))):
                found.append(tag)
        elif tag.name == "svg":
            if tag.find_parent("svg") is None:
                found.append(tag)
        elif tag.find(True) is None and not tag.get_text(strip=True):
            found.append(tag)  # an empty element: a grey box if its background says so
    return found


def mark_placeholders(html: str) -> tuple[str, int]:
    """The page with each possible stand-in marked with its slot number, and how many."""
    soup = BeautifulSoup(html, "html.parser")
    found = _candidates(soup)
    for i, tag in enumerate(found):
        tag[MARK] = str(i)
    return str(soup), len(found)


def boxes_from(read: object) -> list[Box]:
    """The stand-ins among what ``READ_BOXES`` returned: visible and big enough. The read runs
    after the page's own scripts, which may have replaced ``Array.from`` or the DOM's geometry:
    an item that is not a box of finite numbers is left out."""
    boxes = []
    for item in read if isinstance(read, list) else []:
        if not (isinstance(item, dict) and all(
                isinstance(item.get(k), int | float) and math.isfinite(item[k])
                for k in ("slot", "x", "y", "w", "h"))):
            continue
        if item.get("standIn") and item.get("visible") and \
                item["w"] >= MIN_SIDE and item["h"] >= MIN_SIDE:
            boxes.append(Box(int(item["slot"]), float(item["x"]), float(item["y"]),
                             float(item["w"]), float(item["h"]), str(item["tag"])))
    return boxes


def _crop_uri(original: np.ndarray, box: Box, dpr: float) -> str | None:
    """The original's pixels under a box, as a PNG data: URI; None when the box lies outside
    the screenshot or covers a plain colour (that is a box, not a picture)."""
    h, w = original.shape[:2]
    x0, y0 = max(0, round(box.x * dpr)), max(0, round(box.y * dpr))
    x1, y1 = min(w, round((box.x + box.w) * dpr)), min(h, round((box.y + box.h) * dpr))
    if x1 - x0 < MIN_SIDE or y1 - y0 < MIN_SIDE:
        return None
    crop = original[y0:y1, x0:x1]
    if float(crop.reshape(-1, 3).std(axis=0).max()) < _FLAT:
        return None
    buf = io.BytesIO()
    Image.fromarray(crop).save(buf, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _fill(tag: Tag, uri: str, box: Box, soup: BeautifulSoup) -> None:
    if tag.name == "img":
        tag["src"] = uri
        for side, size in (("width", box.w), ("height", box.h)):  # the crop's own size is in
            if not tag.get(side):  # physical pixels: pin the box the stand-in had
                tag[side] = str(round(size))
        tag["style"] = (str(tag.get("style", "")).rstrip("; ") + ";object-fit:fill").lstrip(";")
    elif tag.name == "svg":
        view = str(tag.get("viewBox", tag.get("viewbox", ""))).replace(",", " ").split()
        x, y, w, h = view if len(view) == 4 else ("0", "0", "100%", "100%")
        tag.clear()
        tag.append(soup.new_tag("image", attrs={"href": uri, "x": x, "y": y, "width": w,
                                                "height": h, "preserveAspectRatio": "none"}))
    else:
        style = str(tag.get("style", "")).rstrip("; ")
        tag["style"] = (f"{style};" if style else "") + \
            f"background:url({uri}) 0 0/100% 100% no-repeat"


def fill_placeholders(marked_html: str, read: object, original: Image.Image | np.ndarray,
                      device_pixel_ratio: float = 1.0) -> tuple[str, list[Filled]]:
    """The marked page with each stand-in filled with the crop of ``original`` where it
    rendered, all marks removed; and what was filled."""
    a = np.asarray(original.convert("RGB") if isinstance(original, Image.Image) else original)
    soup = BeautifulSoup(marked_html, "html.parser")
    slots = {int(str(t[MARK])): t for t in soup.find_all(attrs={MARK: True})}
    filled = []
    for box in boxes_from(read):
        tag = slots.get(box.slot)
        uri = _crop_uri(a, box, device_pixel_ratio) if tag is not None else None
        if tag is None or uri is None:
            continue
        _fill(tag, uri, box, soup)
        filled.append(Filled(tag.name, (round(box.x), round(box.y), round(box.w), round(box.h))))
    for tag in slots.values():
        del tag[MARK]
    return str(soup), filled
