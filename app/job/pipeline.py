"""One clone job end to end, as a generator of events. No Qt here: the CLI, the app and the
tests all drive this same function."""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from app.errors import UnexpectedError
from app.intake import Screenshot
from app.job.events import (
    CloneResult,
    ImageRead,
    JobEvent,
    JobFailed,
    JobFinished,
    ModelReady,
    StageStarted,
    TokenChunk,
)
from app.page.html import clean_model_output
from app.review.review import PageRenderer, judge, original_blocks, page_blocks, render_page
from app.review.textblocks import TextBlock
from inference.backend import Backend
from inference.cancel import CancelToken
from inference.config import GenerationRequest
from inference.errors import Cancelled, GenerationFailed, ShotCloneError
from inference.events import (
    GenerationDone,
    ImageEncoded,
    ModelLoaded,
    ModelLoading,
    PromptStarted,
    TokenText,
)
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
    done: GenerationDone | None = None
    request = job.request()
    for ev in backend.stream(request, cancel):
        match ev:
            case ModelLoading():
                size = f", {ev.size_bytes / 1e9:.1f} GB" if ev.size_bytes else ""
                yield StageStarted(job_id=jid, stage="load", detail=ev.model + size)
            case ModelLoaded():
                yield ModelReady(job_id=jid, model=ev.model, gpu_layers=ev.gpu_layers,
                                 load_s=ev.seconds)
            case PromptStarted():
                yield StageStarted(job_id=jid, stage="prompt", detail="reading the image")
            case ImageEncoded():
                yield ImageRead(job_id=jid, tokens=ev.tokens, seconds=ev.seconds)
            case TokenText():
                if not parts:
                    yield StageStarted(job_id=jid, stage="generate")
                parts.append(ev.text)
                yield TokenChunk(job_id=jid, text=ev.text, n_tokens=ev.n_tokens,
                                 max_tokens=request.max_tokens)
            case GenerationDone():
                done = ev
    raw = "".join(parts)
    if done is None:
        yield JobFailed(job_id=jid, partial_text=raw,
                        error=GenerationFailed("The model stopped without finishing its answer."))
        return
    if done.finish_reason == "cancelled":
        yield JobFailed(job_id=jid, error=Cancelled(), partial_text=raw)
        return
    yield StageStarted(job_id=jid, stage="html")
    result = CloneResult(screenshot=job.screenshot, page=clean_model_output(raw), raw_text=raw,
                         stats=done.stats, finish_reason=done.finish_reason)
    if renderer is not None:
        yield from _review(job, renderer, result)
        return
    yield JobFinished(job_id=jid, result=result)


def _review(job: CloneJob, renderer: PageRenderer, result: CloneResult) -> Iterator[JobEvent]:
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
        result = replace(result, review_error=e)
    except Exception as e:  # the page stands even when reviewing it fails
        result = replace(result, review_error=failed_unexpectedly(jid, e).error)
    else:
        result = replace(result, review=judged)
    yield JobFinished(job_id=jid, result=result)


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
