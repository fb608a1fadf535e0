"""Asking the model again, about a page that exists: refine rounds (fix the worst differences
from the screenshot) and edits by instruction ("make the header sticky"). The model answers
with search/replace edits (app.page.edits). A refine round's page is kept only if its score
beats the page before, so refining never ends lower than it started."""

from __future__ import annotations

import io
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from html import unescape

import numpy as np
from PIL import Image, ImageDraw

from app.intake import Screenshot, load_screenshot
from app.job.events import (
    CloneResult,
    JobEvent,
    JobFailed,
    JobFinished,
    StageStarted,
    StepFinished,
    Version,
)
from app.job.generate import generate
from app.page.edits import EditsRejected, apply_answer, shorten_pictures
from app.page.html import CleanHtml
from app.page.repair import ReadText, score
from app.page.source import pieces
from app.page.wording import closest_line, respell, without_spaces
from app.review.compare import Comparison
from app.review.review import PageRenderer, Review, review
from inference.backend import Backend
from inference.cancel import CancelToken
from inference.config import GenerationRequest
from inference.errors import Cancelled, ShotCloneError
from inference.events import GenerationDone, GenerationStats
from prompts import load_prompt

WORST_REGIONS = 6
MAX_TEXT_NOTES = 8
_FRAME = (220, 38, 38)


@dataclass(frozen=True, kw_only=True)
class Asking:
    """How the model is asked: the same knobs as a clone's."""

    max_tokens: int = 8192
    temperature: float = 0.2
    seed: int | None = None
    speculate: bool = True

    def request(self, prompt: str, image_png: bytes) -> GenerationRequest:
        return GenerationRequest(system=load_prompt("system"), prompt=prompt,
                                 image_png=image_png, max_tokens=self.max_tokens,
                                 temperature=self.temperature, seed=self.seed,
                                 speculate=self.speculate)


@dataclass(frozen=True, slots=True)
class Region:
    x: int  # CSS px of the screenshot
    y: int
    width: int
    height: int
    share: float  # of its pixels that differ


def worst_regions(comparison: Comparison, device_pixel_ratio: float = 1.0,
                  n: int = WORST_REGIONS) -> list[Region]:
    """Where the page differs most, as boxes: neighbouring cells of a grid over the page in
    which a good share of the pixels differ, joined, the ones with the most differing pixels
    first."""
    mask = comparison.diff_mask
    h, w = mask.shape
    cell = max(16, min(h, w) // 24)
    rows, cols = -(-h // cell), -(-w // cell)
    padded = np.zeros((rows * cell, cols * cell), bool)
    padded[:h, :w] = mask
    counts = padded.reshape(rows, cell, cols, cell).sum(axis=(1, 3))
    hot = counts >= 0.05 * cell * cell
    seen = np.zeros_like(hot)
    found: list[tuple[int, Region]] = []
    for r0, c0 in zip(*np.nonzero(hot), strict=True):
        if seen[r0, c0]:
            continue
        todo, cells = [(int(r0), int(c0))], []
        seen[r0, c0] = True
        while todo:  # flood fill over the grid's 8-neighbourhood
            r, c = todo.pop()
            cells.append((r, c))
            for rr in range(max(0, r - 1), min(rows, r + 2)):
                for cc in range(max(0, c - 1), min(cols, c + 2)):
                    if hot[rr, cc] and not seen[rr, cc]:
                        seen[rr, cc] = True
                        todo.append((rr, cc))
        rs, cs = [r for r, _ in cells], [c for _, c in cells]
        y0, x0 = min(rs) * cell, min(cs) * cell
        y1, x1 = min(h, (max(rs) + 1) * cell), min(w, (max(cs) + 1) * cell)
        differing = int(mask[y0:y1, x0:x1].sum())
        d = device_pixel_ratio
        found.append((differing, Region(round(x0 / d), round(y0 / d), round((x1 - x0) / d),
                                        round((y1 - y0) / d),
                                        differing / ((x1 - x0) * (y1 - y0)))))
    return [region for _, region in sorted(found, key=lambda f: -f[0])[:n]]


def text_notes(html: str, original_lines: list[str]) -> list[str]:
    """Lines of the screenshot's text that the page does not hold as they are (spaces aside:
    OCR runs words together), with the page's nearest text, spelt as the screenshot has it."""
    page_text = " ".join(" ".join(unescape(html[p.start:p.end]).split()) for p in pieces(html)
                         if p.kind == "text" and p.name not in ("style", "script", "title"))
    solid = without_spaces(page_text)
    notes = []
    for line in original_lines:
        line = " ".join(line.split())
        if len(line) < 3 or without_spaces(line) in solid:
            continue
        near = closest_line(line, [page_text])
        notes.append(f"- the screenshot says {respell(near, line)!r}; the page has {near!r}"
                     if near else f"- the screenshot says {line!r}; the page does not have it")
    return notes[:MAX_TEXT_NOTES]


def refine_picture(shot: Screenshot, rendered: np.ndarray, regions: list[Region]) -> bytes:
    """One image for the model: the screenshot on the left, the render on the right with the
    worst regions framed in red."""
    original = shot.image().convert("RGB")
    render = Image.fromarray(rendered).convert("RGB")
    gap = max(8, original.width // 100)
    sheet = Image.new("RGB", (original.width * 2 + gap, original.height), (255, 255, 255))
    sheet.paste(original, (0, 0))
    sheet.paste(render, (original.width + gap, 0))
    draw = ImageDraw.Draw(sheet)
    dpr, line = shot.device_pixel_ratio, max(2, round(2 * shot.device_pixel_ratio))
    for r in regions:
        x0 = original.width + gap + r.x * dpr
        draw.rectangle([x0, r.y * dpr, x0 + r.width * dpr - 1, r.y * dpr + r.height * dpr - 1],
                       outline=_FRAME, width=line)
    buf = io.BytesIO()
    sheet.save(buf, "PNG")
    return buf.getvalue()


def refine_prompt(shot: Screenshot, html: str, current: Review,
                  original_lines: list[str]) -> tuple[str, bytes]:
    """The prompt and picture for one refine round."""
    regions = worst_regions(current.comparison, shot.device_pixel_ratio)
    region_text = "\n".join(f"- {r.x},{r.y} {r.width}x{r.height}: {r.share:.0%} of its pixels "
                            "differ" for r in regions) or "- none stands out"
    notes = text_notes(html, original_lines)
    short, _ = shorten_pictures(html)
    prompt = load_prompt("refine", width=shot.css_width, height=shot.css_height,
                         regions=region_text, html=short, edit_format=load_prompt("edit_format"),
                         text_mismatches=("Text that differs from the screenshot:\n"
                                          + "\n".join(notes) + "\n") if notes else "")
    return prompt, refine_picture(shot, current.rendered.rgb, regions)


@dataclass(frozen=True, kw_only=True)
class Refined:
    html: str
    review: Review
    versions: tuple[Version, ...]
    raw_text: str  # the last answer
    done: GenerationDone | None  # of the last answer


def refine_rounds(job_id: str, shot: Screenshot, html: str, current: Review, rounds: int,
                  backend: Backend, renderer: PageRenderer, asking: Asking, cancel: CancelToken,
                  read_text: ReadText | None = None) -> Generator[JobEvent, None, Refined]:
    """Up to ``rounds`` rounds; each kept only if it scores higher than the page before, and
    the first that does not ends them. A model error or a stop ends them too, keeping the best
    page so far. Returns the best page, its review and a version per kept round."""
    lines = read_text(shot) if read_text is not None and rounds else []
    versions: list[Version] = []
    raw, done = "", None
    for n in range(1, rounds + 1):
        yield StageStarted(job_id=job_id, stage="refine", detail=f"round {n} of {rounds}")
        prompt, picture = refine_prompt(shot, html, current, lines)
        parts: list[str] = []
        head = f"refine round {n}"
        try:
            done = yield from generate(job_id, asking.request(prompt, picture), backend, cancel,
                                       parts)
            raw = "".join(parts)
            applied = apply_answer(html, raw)
            yield StageStarted(job_id=job_id, stage="render")
            trial = review(renderer, shot, applied.html, text=current.text is not None)
        except EditsRejected as e:
            yield StepFinished(job_id=job_id, line=f"{head}: answer not used: {e}", kept=False,
                               score=None)
            break
        except Cancelled:
            yield StepFinished(job_id=job_id, line=f"{head}: stopped", kept=False, score=None)
            break
        except ShotCloneError as e:
            yield StepFinished(job_id=job_id, line=f"{head}: failed: {e}", kept=False,
                               score=None)
            break
        before, after = score(current), score(trial)
        kept = after > before
        yield StepFinished(job_id=job_id, kept=kept, score=after,
                           line=f"{head}: {applied.summary}; score {before:.3f} -> {after:.3f}, "
                                f"{'kept' if kept else 'not kept, no better'}")
        if not kept:
            break
        html, current = applied.html, trial
        versions.append(Version(kind="refine", label=f"round {n}: {applied.summary}",
                                html=html, score=after))
    return Refined(html=html, review=current, versions=tuple(versions), raw_text=raw, done=done)


def _result(shot: Screenshot, html: str, changes: tuple[str, ...], raw: str,
            done: GenerationDone | None, review_: Review | None,
            versions: tuple[Version, ...]) -> CloneResult:
    return CloneResult(screenshot=shot, page=CleanHtml(html=html, found_html=True,
                                                       changes=changes),
                       raw_text=raw, stats=done.stats if done else GenerationStats(),
                       finish_reason=done.finish_reason if done else "stop", review=review_,
                       versions=versions)


@dataclass(frozen=True, kw_only=True)
class RefineJob:
    screenshot: Screenshot
    html: str
    rounds: int = 1
    asking: Asking = field(default_factory=Asking)
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


def run_refine(job: RefineJob, backend: Backend, renderer: PageRenderer,
               cancel: CancelToken | None = None,
               read_text: ReadText | None = None) -> Iterator[JobEvent]:
    """Refine an existing page: its events end with ``JobFinished`` holding the best page (the
    one it started from when no round beat it) or ``JobFailed`` when it could not even be
    rendered."""
    jid = job.job_id
    try:
        yield StageStarted(job_id=jid, stage="render")
        start = review(renderer, job.screenshot, job.html)
        refined = yield from refine_rounds(jid, job.screenshot, job.html, start, job.rounds,
                                           backend, renderer, job.asking,
                                           cancel or CancelToken(), read_text)
    except ShotCloneError as e:
        yield JobFailed(job_id=jid, error=e)
        return
    yield JobFinished(job_id=jid, result=_result(
        job.screenshot, refined.html, tuple(v.label for v in refined.versions), refined.raw_text,
        refined.done, refined.review, refined.versions))


@dataclass(frozen=True, kw_only=True)
class EditJob:
    html: str
    instruction: str
    screenshot: Screenshot | None = None  # the original, when there is one to compare with
    asking: Asking = field(default_factory=Asking)
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


def run_edit(job: EditJob, backend: Backend, renderer: PageRenderer,
             cancel: CancelToken | None = None) -> Iterator[JobEvent]:
    """Change a page as the instruction asks. The model sees the screenshot when there is one,
    else the page as it renders. Ends with ``JobFinished`` (the edited page, one version) or
    ``JobFailed``: an answer that cannot be applied changes nothing and says why."""
    jid = job.job_id
    parts: list[str] = []
    try:
        if job.screenshot is not None:
            shot, note = job.screenshot, "The image is the screenshot this page recreates."
        else:
            yield StageStarted(job_id=jid, stage="render")
            png = renderer.render(job.html, 1280, 800).png
            shot, note = load_screenshot(png, name="page"), "The image shows the page as it " \
                "renders now, in a 1280 x 800 window."
        short, _ = shorten_pictures(job.html)
        prompt = load_prompt("edit", image_note=note, instruction=job.instruction.strip(),
                             html=short, edit_format=load_prompt("edit_format"))
        done = yield from generate(jid, job.asking.request(prompt, shot.png), backend,
                                   cancel or CancelToken(), parts)
        applied = apply_answer(job.html, "".join(parts))
        checked = None
        if job.screenshot is not None:
            yield StageStarted(job_id=jid, stage="render")
            checked = review(renderer, shot, applied.html)
    except ShotCloneError as e:
        yield JobFailed(job_id=jid, error=e, partial_text="".join(parts))
        return
    version = Version(kind="edit", label=job.instruction.strip(), html=applied.html,
                      score=score(checked) if checked else None)
    yield JobFinished(job_id=jid, result=_result(
        shot if job.screenshot is None else job.screenshot, applied.html, (applied.summary,),
        "".join(parts), done, checked, (version,)))

