"""One clone job end to end, as a generator of events. No Qt here: the CLI, the app and the
tests all drive this same function."""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field, replace

from app.errors import UnexpectedError
from app.intake import Screenshot
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
from app.job.refine import Asking, refine_rounds
from app.page.html import clean_model_output
from app.page.repair import RepairOptions, repair, score, text_reader
from app.review.review import PageRenderer, judge, original_blocks, page_blocks, render_page
from app.review.textblocks import TextBlock
from inference.backend import Backend
from inference.cancel import CancelToken
from inference.config import GenerationRequest
from inference.errors import ShotCloneError
from prompts import load_prompt

log = logging.getLogger("shotclone")


@dataclass(frozen=True, kw_only=True)
class CloneJob:
    screenshot: Screenshot
    max_tokens: int = 8192
    temperature: float = 0.2
    seed: int | None = None
    speculate: bool = True
    text_hints: bool = True  # the screenshot's OCR text in the prompt (when OCR is installed)
    text_scores: bool = True  # score the render's text blocks too (when OCR is installed)
    reference_html: str | None = None  # the page the screenshot was taken of (a benchmark pair)
    repair: RepairOptions | None = field(default_factory=RepairOptions)  # None: no repair
    refine_rounds: int = 0
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def request(self) -> GenerationRequest:
        shot = self.screenshot
        prompt = load_prompt("clone", width=shot.css_width, height=shot.css_height)
        blocks = original_blocks(shot) if self.text_hints else None
        if blocks:
            prompt += "\n\n" + text_hints(blocks, shot.device_pixel_ratio)
        return GenerationRequest(
            system=load_prompt("system"),
            prompt=prompt,
            image_png=shot.png,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            seed=self.seed,
            speculate=self.speculate,
        )


def text_hints(blocks: list[TextBlock], device_pixel_ratio: float = 1.0,
               limit: int = 4000) -> str:
    """The prompt's paragraph of OCR'd strings in reading order with their rough position
    (Design2Code found exact text lifts weaker models most); cut at ``limit`` characters so a
    page of small print cannot crowd out the answer."""
    lines, size = [], 0
    for b in sorted(blocks, key=lambda b: (round(b.box[1] / 8), b.box[0])):
        x, y = (round(v / device_pixel_ratio) for v in b.box[:2])
        line = f"- ({x}, {y}) {b.text}"
        size += len(line) + 1
        if size > limit:
            break
        lines.append(line)
    return load_prompt("text_hints", lines="\n".join(lines))


def run_clone(job: CloneJob, backend: Backend, cancel: CancelToken | None = None,
              renderer: PageRenderer | None = None) -> Iterator[JobEvent]:
    """Yield the job's events; the last one is ``JobFinished`` or ``JobFailed``, whatever goes
    wrong. With a renderer, the page is also rendered and compared with the screenshot; a
    failure there leaves the HTML result standing and says why in ``review_error``."""
    parts: list[str] = []  # the answer so far, kept when the job fails
    try:
        yield from _clone(job, backend, cancel or CancelToken(), renderer, parts)
    except ShotCloneError as e:
        yield JobFailed(job_id=job.job_id, error=e, partial_text="".join(parts))
    except Exception as e:  # a bug must still end the job, visibly
        yield failed_unexpectedly(job.job_id, e, "".join(parts))


def failed_unexpectedly(job_id: str, error: Exception, partial_text: str = "") -> JobFailed:
    """The terminal event for an exception nobody foresaw: logged, with its traceback kept."""
    details = "".join(traceback.format_exception(error))
    log.error("job %s failed unexpectedly\n%s", job_id, details)
    return JobFailed(job_id=job_id, error=UnexpectedError(error), partial_text=partial_text,
                     details=details)


def _clone(job: CloneJob, backend: Backend, cancel: CancelToken, renderer: PageRenderer | None,
           parts: list[str]) -> Iterator[JobEvent]:
    jid = job.job_id
    done = yield from generate(jid, job.request(), backend, cancel, parts)
    raw = "".join(parts)
    yield StageStarted(job_id=jid, stage="html")
    result = CloneResult(screenshot=job.screenshot, page=clean_model_output(raw), raw_text=raw,
                         stats=done.stats, finish_reason=done.finish_reason)
    if renderer is not None:
        result = yield from _review(job, renderer, result)
        result = yield from _improve(job, backend, renderer, cancel, result)
    yield JobFinished(job_id=jid, result=result)


def _review(job: CloneJob, renderer: PageRenderer,
            result: CloneResult) -> Generator[JobEvent, None, CloneResult]:
    jid = job.job_id
    yield StageStarted(job_id=jid, stage="render")
    try:
        shot = job.screenshot
        blocks = original_blocks(shot) if job.text_scores else None
        reference = None if job.reference_html is None else page_blocks(
            render_page(renderer, shot, job.reference_html, text=True), shot.device_pixel_ratio)
        rendered = render_page(renderer, shot, result.page.html,
                               text=blocks is not None or reference is not None)
        yield StageStarted(job_id=jid, stage="compare")
        judged = judge(shot, rendered, blocks=blocks, reference=reference)
        _ = judged.heatmap  # every caller shows or writes it: computed here, once
    except ShotCloneError as e:
        return replace(result, review_error=e)
    except Exception as e:  # the page stands even when reviewing it fails
        return replace(result, review_error=failed_unexpectedly(jid, e).error)
    return replace(result, review=judged)


def _improve(job: CloneJob, backend: Backend, renderer: PageRenderer, cancel: CancelToken,
             result: CloneResult) -> Generator[JobEvent, None, CloneResult]:
    """Repair and refine the reviewed answer as the job asks; each kept page a version. A
    failure on the way leaves the best page so far standing, and says why."""
    jid, shot, current = job.job_id, job.screenshot, result.review
    if current is None:
        return result
    html, changes = result.page.html, result.page.changes
    versions = [Version(kind="answer", label="the model's answer", html=html,
                        score=score(current))]
    read_text = text_reader() if job.text_scores else None
    try:
        if job.repair is not None and result.page.found_html:
            yield StageStarted(job_id=jid, stage="repair")
            repaired = repair(renderer, shot, html, job.repair, read_text=read_text,
                              current=current)
            for step in repaired.steps:
                yield StepFinished(job_id=jid, line=f"repair {step.line()}", kept=step.kept,
                                   score=step.after)
                if step.page is not None:
                    versions.append(Version(kind="repair", label=step.name, html=step.page,
                                            score=step.after))
            html, current, changes = repaired.html, repaired.review, changes + repaired.changes
        if job.refine_rounds:  # even after an answer with no HTML: a round may bring a page
            refined = yield from refine_rounds(
                jid, shot, html, current, job.refine_rounds, backend, renderer,
                Asking(max_tokens=job.max_tokens, temperature=job.temperature, seed=job.seed,
                       speculate=job.speculate), cancel, read_text)
            html, current = refined.html, refined.review
            versions += refined.versions
            changes += tuple(f"refine {v.label}" for v in refined.versions)
    except ShotCloneError as e:  # the best page so far stands
        result = replace(result, review_error=e)
    except Exception as e:
        result = replace(result, review_error=failed_unexpectedly(jid, e).error)
    _ = current.heatmap
    return replace(result, page=replace(result.page, html=html, changes=changes), review=current,
                   versions=tuple(versions))


def unwrap(event: JobEvent) -> CloneResult:
    """The result of a job's terminal event, or its error raised."""
    if isinstance(event, JobFinished):
        return event.result
    if isinstance(event, JobFailed):
        raise event.error
    raise TypeError(f"{type(event).__name__} is not a terminal job event")


def clone(job: CloneJob, backend: Backend) -> CloneResult:
    """Run a job to the end and return its result (tests, scripts)."""
    *_, last = run_clone(job, backend)
    return unwrap(last)
