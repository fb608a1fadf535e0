"""Render a page at a screenshot's size, compare the two, and write the report: the one piece
that `shotclone diff`, `shotclone clone --report` and the app all use."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.intake import Screenshot
from app.outputs.files import write_atomic
from app.review.compare import CompareConfig, Comparison, compare, heatmap, side_by_side
from app.review.render import Rendered, Renderer

REPORT_FILES = ("render.png", "diff.png", "side_by_side.png", "scores.json")


@dataclass(frozen=True, kw_only=True)
class Review:
    rendered: Rendered
    comparison: Comparison

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


def render_page(renderer: Renderer, shot: Screenshot, html: str) -> Rendered:
    return renderer.render(html, shot.width, shot.height, shot.device_pixel_ratio)


def review(renderer: Renderer, shot: Screenshot, html: str,
           config: CompareConfig | None = None) -> Review:
    rendered = render_page(renderer, shot, html)
    return Review(rendered=rendered, comparison=compare(shot.image(), rendered.rgb, config))


def png_bytes(img: Any) -> bytes:
    """A PIL image as PNG bytes."""
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def write_report(folder: Path, shot: Screenshot, result: Review,
                 extra: dict[str, Any] | None = None, *, only: Sequence[str] = REPORT_FILES,
                 prefix: str = "") -> list[Path]:
    """Write render.png, diff.png, side_by_side.png and scores.json (or ``only`` some of them)
    into ``folder``, each name after ``prefix``: the report, the history's pictures and the
    app's export all come from here."""
    original = shot.image()
    files: dict[str, Callable[[], bytes | str]] = {
        "render.png": lambda: result.rendered.png,
        "diff.png": lambda: png_bytes(heatmap(original, result.comparison)),
        "side_by_side.png": lambda: png_bytes(
            side_by_side(original, result.rendered.rgb, result.comparison)),
        "scores.json": lambda: json.dumps({**result.scores(), **(extra or {})}, indent=2) + "\n",
    }
    return [write_atomic(folder / f"{prefix}{name}", files[name](), overwrite=True)
            for name in only]
