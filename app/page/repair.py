"""Repair a page without the model, from what the screenshot itself says: its words (read by
OCR), its exact colours (its pixels) and its pictures (crops of it). Each step is rendered and
scored, and kept only if the score does not drop, so a repair never makes a page worse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.intake import Screenshot
from app.page.colours import dominant_colours, snap_colours
from app.page.placeholders import READ_BOXES, fill_placeholders, mark_placeholders
from app.page.wording import fix_wording
from app.review.ocr import ocr_available
from app.review.review import PageRenderer, Review, original_blocks, render_page, review

STEPS = ("text", "images", "colours")  # pictures first: they cover the grey a snap would move


@dataclass(frozen=True, kw_only=True)
class RepairOptions:
    text: bool = True
    images: bool = True
    colours: bool = True

    def wanted(self, step: str) -> bool:
        return bool(getattr(self, step))

    @property
    def any(self) -> bool:
        return any(self.wanted(step) for step in STEPS)


@dataclass(frozen=True, kw_only=True)
class RepairStep:
    name: str  # one of STEPS
    changes: tuple[str, ...]  # what it changed, e.g. "#5077e0 -> #4e73df (ΔE 1.4, 2 places)"
    before: float  # the score before the step
    after: float | None  # the score with it; None when it found nothing to change
    kept: bool
    page: str | None = None  # the page with the step, when kept

    def line(self) -> str:
        """One line for the terminal and the result's list of changes."""
        if self.after is None:
            return f"{self.name}: nothing to change" + (
                f" ({self.changes[0]})" if self.changes else "")
        verdict = "kept" if self.kept else "undone, the score dropped"
        what = "; ".join(self.changes[:6]) + (f"; … {len(self.changes) - 6} more"
                                              if len(self.changes) > 6 else "")
        return f"{self.name}: {what}; score {self.before:.3f} -> {self.after:.3f}, {verdict}"


@dataclass(frozen=True, kw_only=True)
class Repaired:
    html: str
    review: Review  # of ``html``
    steps: tuple[RepairStep, ...]

    @property
    def changes(self) -> tuple[str, ...]:
        return tuple(f"repair {s.line()}" for s in self.steps)


def score(review: Review) -> float:
    """The one number a step or a refine round must not lower: the similarity (with the text
    scores, where OCR is installed)."""
    return review.similarity


ReadText = Callable[[Screenshot], list[str]]  # the screenshot's lines of text (OCR)


def text_reader() -> ReadText | None:
    """The screenshot's text by OCR (``app.review.ocr``, read once per screenshot), or None
    when no OCR engine is installed: the text step is then skipped and says so."""
    if not ocr_available():
        return None
    return lambda shot: [block.text for block in original_blocks(shot) or []]


def repair(renderer: PageRenderer, shot: Screenshot, html: str,
           options: RepairOptions | None = None, *, read_text: ReadText | None = None,
           current: Review | None = None,
           on_step: Callable[[RepairStep], None] | None = None) -> Repaired:
    """Run the wanted steps in order (text, images, colours) on ``html``. ``current`` is the
    page's review when the caller has one already; ``on_step`` hears of each step as it ends."""
    options = options or RepairOptions()
    best = current or review(renderer, shot, html)
    steps: list[RepairStep] = []
    for name in STEPS:
        if not options.wanted(name):
            continue
        if name == "text" and read_text is None:
            step = RepairStep(name=name, changes=("no text reader here",), before=score(best),
                              after=None, kept=False)
            candidate = None
        else:
            candidate, changes = _propose(name, renderer, shot, html, read_text, best)
            if candidate is None:
                step = RepairStep(name=name, changes=(), before=score(best), after=None,
                                  kept=False)
            else:
                trial = review(renderer, shot, candidate, text=best.text is not None)
                kept = score(trial) >= score(best)
                step = RepairStep(name=name, changes=tuple(changes), before=score(best),
                                  after=score(trial), kept=kept,
                                  page=candidate if kept else None)
                if kept:
                    html, best = candidate, trial
        steps.append(step)
        if on_step is not None:
            on_step(step)
    return Repaired(html=html, review=best, steps=tuple(steps))


def _propose(name: str, renderer: PageRenderer, shot: Screenshot, html: str,
             read_text: ReadText | None, current: Review) -> tuple[str | None, list[str]]:
    """The page with one step applied and what it changed, or (None, []) when it has nothing
    to change."""
    if name == "text":
        assert read_text is not None
        new, fixes = fix_wording(html, read_text(shot))
        return (new, [f"{f.was!r} -> {f.now!r}" for f in fixes]) if fixes else (None, [])
    if name == "colours":
        original = np.asarray(shot.image().convert("RGB"))
        new, snaps = snap_colours(html, dominant_colours(original),
                                  render=current.rendered.rgb, original=original)
        return (new, [f"{s.was} -> {s.now} (ΔE {s.distance:.1f}, {s.places} "
                      f"place{'s' if s.places > 1 else ''})" for s in snaps]) \
            if snaps else (None, [])
    marked, n = mark_placeholders(html)
    if not n:
        return None, []
    rendered = render_page(renderer, shot, marked, read=READ_BOXES)
    new, filled = fill_placeholders(marked, rendered.read, shot.image(), shot.device_pixel_ratio)
    if not filled:
        return None, []
    return new, [f"<{f.tag}> at {f.box[0]},{f.box[1]} {f.box[2]}x{f.box[3]}" for f in filled]
