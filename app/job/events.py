"""What a clone job reports: frozen, picklable data. A job's stream ends with exactly one
``JobFinished`` or ``JobFailed``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from app.intake import Screenshot
from app.page.html import CleanHtml
from inference.errors import ShotCloneError
from inference.events import FinishReason, GenerationStats

if TYPE_CHECKING:  # the review stack (browser, OpenCV, OCR) loads only when a job reviews
    from app.review.review import Review

Stage = Literal["check", "load", "prompt", "generate", "html", "render", "compare", "repair",
                "refine"]
VersionKind = Literal["answer", "repair", "refine", "edit", "hand"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Version:
    """One state of a run's page: the model's first answer, a kept repair step, a kept refine
    round, an edit by instruction or by hand. A run's versions can each be gone back to."""

    kind: VersionKind
    label: str  # what made it, e.g. "round 1: 3 edits"
    html: str
    score: float | None = None  # similarity to the screenshot, when it was compared

    @property
    def short_name(self) -> str:
        return self.label.split(":")[0] if self.kind == "refine" else self.kind


def versions_line(versions: Sequence[Version]) -> str:
    """The versions with their scores: 'answer 0.742 · repair 0.803 · round 1 0.815'."""
    return " · ".join(v.short_name + (f" {v.score:.3f}" if v.score is not None else "")
                      for v in versions)


@dataclass(frozen=True, kw_only=True)
class CloneResult:
    screenshot: Screenshot
    page: CleanHtml  # the page made from the answer (its .html is the text to save)
    raw_text: str
    stats: GenerationStats
    finish_reason: FinishReason
    review: Review | None = None  # render + comparison, when a renderer was given
    review_error: ShotCloneError | None = None  # why there is no review; the HTML still stands
    versions: tuple[Version, ...] = ()  # every page the job kept, oldest first; html is the last


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
class StepFinished(JobEvent):
    """A repair step or a refine round was tried: what it changed, its score, whether kept."""

    line: str  # said as it is, e.g. "colours: #5077e0 -> #4e73df …; score 0.81 -> 0.83, kept"
    kept: bool
    score: float | None  # the page's score with the step; None when it was not tried


@dataclass(frozen=True, slots=True, kw_only=True)
class JobFinished(JobEvent):
    result: CloneResult


@dataclass(frozen=True, slots=True, kw_only=True)
class JobFailed(JobEvent):
    error: ShotCloneError
    partial_text: str = ""  # what the model had written when it failed or was stopped
    details: str = ""  # the traceback of an unexpected exception, for the log and the history
