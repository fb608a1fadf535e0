"""Text blocks: what a page says, where, and in which colour, in a screenshot's physical pixels.

The original's blocks come from OCR (app/review/ocr.py); the clone's from its rendered DOM,
read in the same render call that takes the picture (``DOM_WORDS_JS``). Both sides go through
the same grouping: words into lines (same row, small gaps, same colour), lines into blocks
(stacked, aligned, same size and colour), so the two are comparable."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Box = tuple[float, float, float, float]  # x, y, width, height
Colour = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class TextBlock:
    """Text in reading order, its box (x, y, w, h) in physical pixels, and its colour."""

    text: str
    box: Box
    color: Colour

    @property
    def area(self) -> float:
        return self.box[2] * self.box[3]

    @property
    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return x + w / 2, y + h / 2

    def to_json(self) -> list[Any]:
        return [self.text, [round(v, 1) for v in self.box], list(self.color)]

    @classmethod
    def from_json(cls, item: Sequence[Any]) -> TextBlock:
        text, box, color = item
        return cls(str(text), (float(box[0]), float(box[1]), float(box[2]), float(box[3])),
                   (int(color[0]), int(color[1]), int(color[2])))


def union_box(boxes: Iterable[Box]) -> Box:
    boxes = list(boxes)
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return x0, y0, x1 - x0, y1 - y0


def merge(blocks: Sequence[TextBlock]) -> TextBlock:
    """Several blocks read as one: texts joined in order, boxes united, the colour of the
    largest."""
    if len(blocks) == 1:
        return blocks[0]
    return TextBlock(" ".join(b.text for b in blocks), union_box(b.box for b in blocks),
                     max(blocks, key=lambda b: b.area).color)


def _close_colour(a: Colour, b: Colour, tolerance: int = 60) -> bool:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) <= tolerance


def join_words(words: Sequence[TextBlock]) -> list[TextBlock]:
    """Words in reading order into lines: a word continues a line when it sits on the same row
    a small gap after the previous word and has its colour (table cells and button rows stay
    apart, as an OCR detector keeps them)."""
    lines: list[list[TextBlock]] = []
    for word in words:
        line = lines[-1] if lines else None
        if line is not None:
            last = line[-1]
            lx, ly, lw, lh = last.box
            x, y, _, h = word.box
            overlap = min(ly + lh, y + h) - max(ly, y)
            gap = x - (lx + lw)
            if overlap > 0.5 * min(lh, h) and -0.5 * lh <= gap <= 0.9 * max(lh, h) \
                    and _close_colour(last.color, word.color):
                line.append(word)
                continue
        lines.append([word])
    return [merge(line) for line in lines]


def group_lines(lines: Sequence[TextBlock]) -> list[TextBlock]:
    """Lines into blocks: a line joins the block above it when it starts (or is centred) where
    that block's last line does and overlaps it sideways, is about as tall, has its colour and
    follows within half a line's height. The lines keep their order."""
    blocks: list[list[TextBlock]] = []
    for line in sorted(lines, key=lambda b: (round(b.box[1]), b.box[0])):
        x, y, w, h = line.box
        for block in reversed(blocks[-8:]):  # a neighbouring column may sit between
            last = block[-1]
            lx, ly, lw, lh = last.box
            gap = y - (ly + lh)
            overlap = min(x + w, lx + lw) - max(x, lx)
            aligned = (abs(x - lx) < 0.6 * lh or abs((x + w / 2) - (lx + lw / 2)) < 0.6 * lh) \
                and overlap > 0.5 * min(w, lw)
            if -0.2 * lh <= gap <= 0.6 * lh and aligned and 0.75 < h / lh < 1.33 \
                    and _close_colour(last.color, line.color):
                block.append(line)
                break
        else:
            blocks.append([line])
    return [merge(b) for b in blocks]


# Every visible word of the page (and the text of form fields), in document order, with its
# box in CSS pixels of the page and its computed colour: one pass, about a millisecond per
# thousand words.
DOM_WORDS_JS = r"""() => {
  const out = [];
  const sx = window.scrollX, sy = window.scrollY;
  const visible = (el) => {
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && parseFloat(s.opacity) > 0.05 &&
           !/rgba\(.*, 0\)$/.test(s.color);
  };
  const walker = document.createTreeWalker(document.body || document.documentElement,
                                           NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const word = /\S+/g;
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|TITLE|OPTION)$/.test(el.tagName)) continue;
    if (!node.data.trim() || !visible(el)) continue;
    const color = getComputedStyle(el).color;
    let m;
    word.lastIndex = 0;
    while ((m = word.exec(node.data))) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const r = range.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) continue;
      out.push([m[0], r.left + sx, r.top + sy, r.width, r.height, color]);
    }
  }
  const ctx = document.createElement('canvas').getContext('2d');
  for (const el of document.querySelectorAll('input, textarea')) {
    const type = (el.type || '').toLowerCase();
    if (/^(hidden|checkbox|radio|range|color|file|image)$/.test(type) || !visible(el)) continue;
    const shown = el.value || el.placeholder;
    if (!shown || !shown.trim()) continue;
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    const color = el.value ? s.color : getComputedStyle(el, '::placeholder').color;
    ctx.font = s.font;
    const size = parseFloat(s.fontSize);
    const width = Math.min(ctx.measureText(shown).width,
                           r.width - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight));
    const centred = /^(submit|button|reset)$/.test(type) || s.textAlign === 'center';
    const left = centred ? r.left + (r.width - width) / 2 : r.left + parseFloat(s.paddingLeft) +
                 parseFloat(s.borderLeftWidth);
    out.push([shown.trim(), left + sx, r.top + sy + (r.height - size * 1.2) / 2, width,
              size * 1.2, color]);
  }
  return JSON.stringify(out);  // one string crosses to Python 30x faster than nested arrays
}"""

_RGB = re.compile(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)")


def _css_colour(value: str) -> Colour:
    m = _RGB.match(value)
    if not m:
        return (0, 0, 0)
    return (round(float(m[1])), round(float(m[2])), round(float(m[3])))


def dom_blocks(raw: str | Sequence[Sequence[Any]], device_pixel_ratio: float = 1.0,
               height: float | None = None) -> list[TextBlock]:
    """Blocks from ``DOM_WORDS_JS``'s words (its JSON, or the list), scaled to physical pixels;
    words below ``height`` (outside the picture) are left out. The read runs after the page's
    own scripts, which may have replaced ``JSON.stringify`` or the DOM's geometry: what is not
    JSON, or not a row of a word, four finite numbers and a colour, is left out too."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = []
    s = device_pixel_ratio
    words = [TextBlock(str(row[0]), (x * s, y * s, w * s, h * s), _css_colour(str(row[5])))
             for row in (raw if isinstance(raw, list | tuple) else ()) if _word_row(row)
             for x, y, w, h in [row[1:5]] if height is None or y * s < height]
    return group_lines(join_words(words))


def _word_row(row: object) -> bool:
    return isinstance(row, list | tuple) and len(row) == 6 and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in row[1:5])


def text_colour(rgb: np.ndarray, box: Box) -> Colour:
    """The colour of the text in a box of a picture, not of its background: the background is
    the box's most common colour; the text is what differs from it most (its strongest third,
    so anti-aliased edges do not pale it)."""
    x, y, w, h = (round(v) for v in box)
    patch = rgb[max(0, y):max(0, y + h), max(0, x):max(0, x + w)].reshape(-1, 3).astype(np.int32)
    if len(patch) == 0:
        return (0, 0, 0)
    packed = (patch[:, 0] << 16) | (patch[:, 1] << 8) | patch[:, 2]
    colours, counts = np.unique(packed, return_counts=True)
    bg = int(colours[counts.argmax()])
    background = np.array([bg >> 16, (bg >> 8) & 255, bg & 255])
    distance = np.abs(patch - background).sum(axis=1)
    ink = distance > 60
    if not ink.any():
        ink = distance > 0
        if not ink.any():
            return (int(background[0]), int(background[1]), int(background[2]))
    strong = distance >= np.percentile(distance[ink], 66)
    r, g, b = np.median(patch[strong & ink], axis=0)
    return (int(r), int(g), int(b))
