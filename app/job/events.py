"""What a clone job reports: frozen, picklable data. A job's stream ends with exactly one
``JobFinished`` or ``JobFailed``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from app.intake import Screenshot
from app.page.html import CleanHtml
from inference.errors import ShotCloneError
from inference.events import FinishReason, GenerationStats

if TYPE_CHECKING:  # the review stack (browser, OpenCV, OCR) loads only when a job reviews
    from app.review.review import Review

Stage = Literal["check", "load", "prompt", "generate", "html", "render", "compare"]


@dataclass(frozen=True, kw_only=True)
class CloneResult:
    screenshot: Screenshot
    page: CleanHtml  # the page made from the answer (its .html is the text to save)
    raw_text: str
    stats: GenerationStats
    finish_reason: FinishReason
    review: Review | None = None  # render + comparison, when a renderer was given
    review_error: ShotCloneError | None = None  # why there is no review; the HTML still stands


@dataclass(frozen=True, slots=True, kw_only=True)
class JobEvent:
    job_id: str
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True, kw_only=True)
class StageStarted(JobEvent):
    stage: Stage
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendReady(JobEvent):
    name: str  # "local model", or the server's address
    explanation: str = ""  # where the layers go
    warning: str = ""  # something asked for that cannot happen as asked


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelReady(JobEvent):
    model: str
    gpu_layers: int
    load_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageRead(JobEvent):
    tokens: int
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenChunk(JobEvent):
    text: str
    n_tokens: int
    max_tokens: int


@dataclass(frozen=True, slots=True, kw_only=True)
class JobFinished(JobEvent):
    result: CloneResult


@dataclass(frozen=True, slots=True, kw_only=True)
class JobFailed(JobEvent):
    error: ShotCloneError
    partial_text: str = ""  # what the model had written when it failed or was stopped
    details: str = ""  # the traceback of an unexpected exception, for the log and the history
