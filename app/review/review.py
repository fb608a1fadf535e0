"""Render a page at a screenshot's size, compare the two, and write the report: the one piece
that `shotclone diff`, `shotclone clone --report` and the app all use."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from app.intake import Screenshot
from app.outputs.files import write_folder_atomic
from app.review.compare import CompareConfig, Comparison, compare, heatmap, side_by_side
from app.review.render import Rendered

REPORT_FILES = ("render.png", "diff.png", "side_by_side.png", "scores.json")


@dataclass(frozen=True, kw_only=True)
class Review:
    """A page rendered at its screenshot's size and compared with it."""

    rendered: Rendered
    comparison: Comparison
    original: Image.Image = field(repr=False, compare=False)  # the screenshot, decoded once

    @cached_property
    def heatmap(self) -> Image.Image:
        """The difference picture, computed once per review (the app asks for it on the render
        thread; the window, the history and the export reuse it)."""
        return heatmap(self.original, self.comparison)

    def scores(self) -> dict[str, Any]:
        r = self.rendered
        return {
            **self.comparison.scores(),
            "blocked_requests": len(r.blocked_requests),
            "blocked_urls": list(r.blocked_requests),
            "dialogs_dismissed": r.dialogs_dismissed,
            "popups_blocked": r.popups_blocked,
            "scripts_killed": r.scripts_killed,
            "full_page": r.full_page,
            "page_overrun_px": r.overrun,
            "render_ms": round(r.seconds * 1000, 1),
        }


class PageRenderer(Protocol):
    """What renders a page: ``app.review.render.Renderer``, or the app's thread that owns one."""

    def render(self, html: str, width: int, height: int,
               device_pixel_ratio: float = 1.0) -> Rendered: ...


def render_page(renderer: PageRenderer, shot: Screenshot, html: str) -> Rendered:
    return renderer.render(html, shot.width, shot.height, shot.device_pixel_ratio)


def judge(shot: Screenshot, rendered: Rendered, config: CompareConfig | None = None) -> Review:
    """Compare a render with its screenshot."""
    original = shot.image()
    return Review(rendered=rendered, comparison=compare(original, rendered.rgb, config),
                  original=original)


def review(renderer: PageRenderer, shot: Screenshot, html: str,
           config: CompareConfig | None = None) -> Review:
    return judge(shot, render_page(renderer, shot, html), config)


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
