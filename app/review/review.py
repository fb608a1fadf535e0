"""Render a page at a screenshot's size, compare the two, and write the report: the one piece
that `shotclone diff`, `shotclone clone --report`, `shotclone bench` and the app all use.

``similarity`` = (block + text + position + colour + visual) / 5: Design2Code's four text-block
scores (app/review/textscores.py; the original's blocks by OCR, the clone's from its DOM) and
the visual similarity (app/review/compare.py) standing in for Design2Code's CLIP score, all
equally weighted as Design2Code weights its five. Without an OCR engine it is the visual
similarity alone."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image, ImageDraw

from app.intake import Screenshot
from app.outputs.files import write_folder_atomic
from app.review.compare import (
    CompareConfig,
    Comparison,
    Reference,
    compare,
    heatmap,
    side_by_side,
)
from app.review.ocr import ocr_available, ocr_blocks
from app.review.render import Rendered
from app.review.textblocks import DOM_WORDS_JS, TextBlock, dom_blocks
from app.review.textscores import TextScores, score_blocks

REPORT_FILES = ("render.png", "diff.png", "side_by_side.png", "scores.json")


@dataclass(frozen=True, kw_only=True)
class Review:
    """A page rendered at its screenshot's size and compared with it."""

    rendered: Rendered
    comparison: Comparison
    original: np.ndarray = field(repr=False, compare=False)  # the screenshot, decoded once
    text: TextScores | None = None  # None: no OCR engine, or text scores not asked for
    # Design2Code's HTML-based scores: the blocks of a reference page's DOM, not of OCR
    reference: TextScores | None = None

    @property
    def similarity(self) -> float:
        return combined_similarity(self.comparison.similarity, self.text)

    @property
    def reference_similarity(self) -> float | None:
        if self.reference is None:
            return None
        return combined_similarity(self.comparison.similarity, self.reference)

    @cached_property
    def heatmap(self) -> Image.Image:
        """The difference picture, computed once per review (the app asks for it on the render
        thread; the window, the history and the export reuse it): the differing pixels, and
        the original's text blocks that the clone lacks outlined in orange, those it words
        differently in violet."""
        img = heatmap(self.original, self.comparison)
        if self.text is None:
            return img
        draw = ImageDraw.Draw(img)
        width = max(2, img.width // 640)
        outlined = [(b, MISSING_OUTLINE) for b in self.text.missing] + \
            [(a, MISTEXTED_OUTLINE) for a, _, _ in self.text.mistexted]
        for block, colour in outlined:
            x, y, w, h = block.box
            draw.rectangle([x - width, y - width, x + w + width, y + h + width],
                           outline=colour, width=width)
        return img

    def scores(self) -> dict[str, Any]:
        r = self.rendered
        visual = self.comparison.scores()
        return {
            "similarity": round(self.similarity, 4),
            **(self.text.scores() if self.text is not None else {}),
            "visual": visual.pop("similarity"),
            **visual,
            "blocked_requests": len(r.blocked_requests),
            "blocked_urls": list(r.blocked_requests),
            "dialogs_dismissed": r.dialogs_dismissed,
            "popups_blocked": r.popups_blocked,
            "scripts_killed": r.scripts_killed,
            "full_page": r.full_page,
            "page_overrun_px": r.overrun,
            "render_ms": round(r.seconds * 1000, 1),
            **({"reference": {"similarity": round(self.reference_similarity or 0.0, 4),
                              **self.reference.scores()}} if self.reference is not None else {}),
        }


MISSING_OUTLINE, MISTEXTED_OUTLINE = (234, 88, 12), (147, 51, 234)  # orange, violet


def combined_similarity(visual: float, text: TextScores | None) -> float:
    if text is None:
        return visual
    return (text.block + text.text + text.position + text.colour + visual) / 5


class PageRenderer(Protocol):
    """What renders a page: ``app.review.render.Renderer``, or the app's thread that owns one."""

    def render(self, html: str, width: int, height: int, device_pixel_ratio: float = 1.0,
               *, read: str | None = None) -> Rendered: ...


def render_page(renderer: PageRenderer, shot: Screenshot, html: str, *,
                text: bool = False, read: str | None = None) -> Rendered:
    """Render at the screenshot's size; ``text``: read the page's words from its DOM too;
    ``read``: another DOM read (a JavaScript function) instead."""
    return renderer.render(html, shot.width, shot.height, shot.device_pixel_ratio,
                           read=read or (DOM_WORDS_JS if text else None))


def page_blocks(rendered: Rendered, device_pixel_ratio: float = 1.0) -> list[TextBlock] | None:
    """The text blocks a render read from its DOM (None when it read none)."""
    if not isinstance(rendered.read, str):
        return None
    return dom_blocks(rendered.read, device_pixel_ratio, rendered.height)


def original_blocks(shot: Screenshot, cache_dir: Path | None = None) -> list[TextBlock] | None:
    """The screenshot's text blocks by OCR (read once, then cached); None without an engine."""
    if not ocr_available():
        return None
    return ocr_blocks(np.asarray(shot.image().convert("RGB")), cache_dir)


@lru_cache(maxsize=4)
def reference_for(shot: Screenshot, threshold: float) -> Reference:
    """The screenshot's share of every comparison, worked out once: the edit loop and refine
    rounds compare render after render with the same screenshot."""
    return Reference(shot.rgb, threshold)


def judge(shot: Screenshot, rendered: Rendered, config: CompareConfig | None = None,
          blocks: list[TextBlock] | None = None,
          reference: list[TextBlock] | None = None) -> Review:
    """Compare a render with its screenshot; with the original's text blocks (by OCR, or from
    a ``reference`` page's DOM) and the render's from its DOM, score the text too."""
    config = config or CompareConfig()
    clone = page_blocks(rendered, shot.device_pixel_ratio)
    size = (shot.width, shot.height)

    def scored(blocks: list[TextBlock] | None) -> TextScores | None:
        return None if blocks is None or clone is None else score_blocks(blocks, clone, size)

    comparison = compare(reference_for(shot, config.threshold), rendered.rgb, config)
    return Review(rendered=rendered, comparison=comparison, original=shot.rgb,
                  text=scored(blocks), reference=scored(reference))


def review(renderer: PageRenderer, shot: Screenshot, html: str,
           config: CompareConfig | None = None, *, text: bool = True,
           cache_dir: Path | None = None, reference_html: str | None = None) -> Review:
    """Render ``html`` at the screenshot's size and judge it (``text``: the text-block scores
    too, when OCR is installed; the screenshot's OCR is cached in ``cache_dir``). With the
    page the screenshot was taken of, ``reference_html``, the HTML-based scores too."""
    blocks = original_blocks(shot, cache_dir) if text else None
    reference = None
    if reference_html is not None:
        reference = page_blocks(render_page(renderer, shot, reference_html, text=True),
                                shot.device_pixel_ratio)
    rendered = render_page(renderer, shot, html,
                           text=blocks is not None or reference is not None)
    return judge(shot, rendered, config, blocks, reference)


def png_bytes(img: Any) -> bytes:
    """A PIL image as PNG bytes."""
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def write_report(folder: Path, result: Review,
                 extra: dict[str, Any] | None = None, *, only: Sequence[str] = REPORT_FILES,
                 prefix: str = "", overwrite: bool = True) -> list[Path]:
    """Write render.png, diff.png, side_by_side.png and scores.json (or ``only`` some of them)
    into ``folder``, each name after ``prefix``: the report, the history's pictures and the
    app's export all come from here. All of them or none; earlier ones are replaced only with
    ``overwrite`` (the CLI's --force; the app has asked the user already)."""
    files: dict[str, Callable[[], bytes | str]] = {
        "render.png": lambda: result.rendered.png,
        "diff.png": lambda: png_bytes(result.heatmap),
        "side_by_side.png": lambda: png_bytes(
            side_by_side(result.original, result.rendered.rgb, result.comparison)),
        "scores.json": lambda: json.dumps({**result.scores(), **(extra or {})}, indent=2) + "\n",
    }
    return write_folder_atomic(folder, {f"{prefix}{name}": files[name]() for name in only},
                               overwrite=overwrite)
