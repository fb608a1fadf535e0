"""Colours: the dominant colours of a screenshot, measured from its pixels, and CSS colours that
a model got a few shades off snapped to them.

A UI is drawn in a handful of flat colours, so the original's exact colours are its most
frequent pixel values. Where the page's render paints a colour over an area, the screenshot's
colour under that area says which one was meant; elsewhere (text, thin lines) the nearest
dominant colour does. Either is taken only within a small CIEDE2000 distance (about what a
person just notices side by side; a little more for the colour measured under the area).
Only colour values inside CSS declarations change: selectors, text and all else stay."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from app.colour import delta_e, srgb_to_lab
from app.page.html import PLACEHOLDER_FILL
from app.page.source import pieces, splice

SNAP_DISTANCE = 6.0  # ΔE2000; beyond this a colour is a different colour, not a misreading
MEASURED_DISTANCE = 10.0  # the same, for a colour seen under the render's own pixels
MIN_SHARE = 0.0005  # a dominant colour covers at least this share of the screenshot
MAX_COLOURS = 48
MIN_PIXELS = 24  # a colour painted on fewer pixels than this is judged by the palette alone
_SAMPLE = 400_000  # pixels looked at: plenty to find the colours of a UI

_HEX = re.compile(r"#([0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3,4})\b")
_RGB = re.compile(r"rgba?\(\s*(\d{1,3})[\s,]+(\d{1,3})[\s,]+(\d{1,3})"
                  r"\s*(?:[,/]\s*([\d.]+%?)\s*)?\)", re.I)
_URL = re.compile(r"url\([^)]*\)", re.I)
_BLOCK = re.compile(r"\{([^{}]*)\}")  # innermost braces hold declarations, never selectors
_PLACEHOLDER = tuple(int(PLACEHOLDER_FILL[i:i + 2], 16) for i in (1, 3, 5))
# a style="…" attribute, or an SVG or old HTML colour attribute, in a start tag
_ATTR = re.compile(r"(\s(?:style|fill|stroke|color|bgcolor|stop-color)\s*=\s*([\"']))(.*?)(\2)",
                   re.I | re.S)


def dominant_colours(image: Image.Image | np.ndarray) -> np.ndarray:
    """The screenshot's most frequent exact colours (N x 3 uint8), most frequent first."""
    a = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image)[..., :3]
    step = max(1, int((a.shape[0] * a.shape[1] / _SAMPLE) ** 0.5))
    px = a[::step, ::step].reshape(-1, 3).astype(np.int32)
    packed = (px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2]
    colours, counts = np.unique(packed, return_counts=True)
    order = np.argsort(-counts)
    keep = order[counts[order] >= MIN_SHARE * len(packed)][:MAX_COLOURS]
    c = colours[keep]
    return np.stack([c >> 16, (c >> 8) & 255, c & 255], axis=1).astype(np.uint8)


@dataclass(frozen=True, slots=True)
class Snap:
    was: str  # as written in the page, e.g. "#5077e0"
    now: str
    distance: float  # ΔE2000
    places: int


def _parse(token: str) -> tuple[tuple[int, int, int], str | None] | None:
    """(rgb, alpha as written or None) of a hex or rgb()/rgba() colour."""
    if token.startswith("#"):
        h = token[1:]
        if len(h) in (3, 4):
            h = "".join(ch * 2 for ch in h)
        rgb = (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
        return rgb, (h[6:8] if len(h) == 8 else None)
    m = _RGB.fullmatch(token)
    if m is None or max(int(m.group(i)) for i in (1, 2, 3)) > 255:
        return None
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))), m.group(4)


def _format(rgb: tuple[int, int, int], alpha: str | None, like: str) -> str:
    if like.startswith("#"):
        return "#" + "".join(f"{v:02x}" for v in rgb) + (alpha or "")
    if alpha is None:
        return f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})"
    return f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, {alpha})"


def _pack(rgb: np.ndarray) -> np.ndarray:
    a = rgb.astype(np.int32)
    return (a[..., 0] << 16) | (a[..., 1] << 8) | a[..., 2]


class _Seen:
    """What the screenshot shows where the page's render paints each colour exactly."""

    def __init__(self, render: np.ndarray, original: np.ndarray) -> None:
        h, w = min(render.shape[0], original.shape[0]), min(render.shape[1], original.shape[1])
        self.render, self.original = _pack(render[:h, :w]), original[:h, :w]

    def under(self, rgb: tuple[int, int, int]) -> tuple[int, int, int] | None:
        """The screenshot's colour under the render's pixels of ``rgb``, when most of them
        (and at least MIN_PIXELS) agree on one."""
        mask = self.render == ((rgb[0] << 16) | (rgb[1] << 8) | rgb[2])
        if mask.sum() < MIN_PIXELS:
            return None
        colours, counts = np.unique(_pack(self.original[mask]), return_counts=True)
        top = int(counts.argmax())
        if counts[top] < 0.5 * mask.sum():
            return None
        c = int(colours[top])
        return c >> 16, (c >> 8) & 255, c & 255


class _Snapper:
    """Decides, once per distinct colour written in the page, what it becomes: the colour the
    screenshot shows where the render paints it, else the nearest of the screenshot's dominant
    colours; either only when it is within ``distance``."""

    def __init__(self, palette: np.ndarray, distance: float, seen: _Seen | None) -> None:
        self.palette, self.lab, self.distance = palette, srgb_to_lab(palette), distance
        self.seen = seen
        self.snaps: dict[str, Snap] = {}
        self._seen: dict[str, str] = {}

    def __call__(self, m: re.Match[str]) -> str:
        token = m.group(0)
        if token not in self._seen:
            self._seen[token] = self._decide(token)
        now = self._seen[token]
        if now != token:
            s = self.snaps[token]
            self.snaps[token] = Snap(s.was, s.now, s.distance, s.places + 1)
        return now

    def _decide(self, token: str) -> str:
        parsed = _parse(token)
        if parsed is None or not len(self.palette):
            return token
        rgb, alpha = parsed
        if rgb == _PLACEHOLDER:  # the stand-in grey asked for on purpose, not a misreading
            return token
        lab = srgb_to_lab(np.array(rgb, np.uint8))
        under = self.seen.under(rgb) if self.seen is not None else None
        if under is not None:
            target, distance = under, float(delta_e(lab, srgb_to_lab(np.array(under, np.uint8))))
        else:
            d = delta_e(lab, self.lab)
            best = int(d.argmin())
            target, distance = tuple(int(v) for v in self.palette[best]), float(d[best])
        limit = self.distance * (1 if under is None else MEASURED_DISTANCE / SNAP_DISTANCE)
        if distance > limit or target == rgb:
            return token
        now = _format(target, alpha, token)  # type: ignore[arg-type]
        self.snaps[token] = Snap(token, now, distance, 0)
        return now


def _in_declarations(css: str, fix: Callable[[str], str]) -> str:
    """Apply ``fix`` to the declarations in a stylesheet, leaving selectors alone."""
    return _BLOCK.sub(lambda m: "{" + fix(m.group(1)) + "}", css)


def _colour_values(text: str, snapper: _Snapper) -> str:
    """Snap the colours in CSS declarations, never inside url(...)."""
    parts, last = [], 0
    for u in _URL.finditer(text):
        parts += [_RGB.sub(snapper, _HEX.sub(snapper, text[last:u.start()])), u.group(0)]
        last = u.end()
    parts.append(_RGB.sub(snapper, _HEX.sub(snapper, text[last:])))
    return "".join(parts)


def snap_colours(html: str, palette: np.ndarray, distance: float = SNAP_DISTANCE, *,
                 render: np.ndarray | None = None,
                 original: np.ndarray | None = None) -> tuple[str, list[Snap]]:
    """The page with each CSS colour near the screenshot's written as that colour, and what
    was snapped. Given the page's ``render`` and the ``original`` (RGB arrays), a colour the
    render paints is matched with what the screenshot shows there; others (text, thin lines)
    with the nearest dominant colour. Only colour values change; every other byte stays."""
    seen = _Seen(render, original) if render is not None and original is not None else None
    snapper = _Snapper(palette, distance, seen)
    changes = []
    for piece in pieces(html):
        raw = html[piece.start:piece.end]
        if piece.kind == "css":
            new = _in_declarations(raw, lambda d: _colour_values(d, snapper))
        elif piece.kind == "tag":
            new = _ATTR.sub(lambda m: m.group(1) + _colour_values(m.group(3), snapper)
                            + m.group(4), raw)
        else:
            continue
        if new != raw:
            changes.append((piece.start, piece.end, new))
    snaps = sorted(snapper.snaps.values(), key=lambda s: -s.places)
    return splice(html, changes), snaps
