"""The run model: how settings become a backend and a job, and how a job's events become the
state that both the terminal's progress line and the window draw (and the history keeps).
No Qt here; building a backend reads model headers, so callers with a UI run it off its thread."""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from app.job.events import (
    BackendReady,
    CloneResult,
    ImageRead,
    JobEvent,
    JobFailed,
    JobFinished,
    ModelReady,
    Stage,
    StageStarted,
    TokenChunk,
)
from app.job.pipeline import CloneJob, failed_unexpectedly, run_clone
from app.page.repair import RepairOptions
from inference.backend import Backend, make_backend
from inference.cancel import CancelToken
from inference.errors import Cancelled, ShotCloneError

if TYPE_CHECKING:
    from app.intake import Screenshot
    from app.outputs.history import History, HistoryEntry
    from app.review.review import PageRenderer
    from app.settings import Settings

NEAR_LIMIT = 0.8  # from here on the progress line says how many tokens are left to write
STAGE_TEXT: dict[Stage, str] = {
    "check": "Checking the model…",
    "load": "Loading the model…",
    "prompt": "Reading the screenshot…",
    "generate": "Writing HTML",
    "html": "Cleaning the HTML…",
    "render": "Rendering…",
    "compare": "Comparing…",
    "repair": "Repairing words, pictures and colours…",
    "refine": "Asking the model to refine…",
}


# ------------------------------------------------------------------ settings -> backend, job

@dataclass(frozen=True, kw_only=True)
class BackendPlan:
    """A backend to make, and what was decided on the way (said to the user)."""

    name: str  # "local model", or the server's address
    make: Callable[[], Backend]
    explanation: str = ""  # where the layers go, for a local model
    warning: str = ""  # something the user asked for that cannot happen as asked


def plan_backends(settings: Settings, endpoints: Sequence[str] = (), *,
                  endpoint_model: str | None = None,
                  timeout_s: float | None = None) -> list[BackendPlan]:
    """One plan per server (``endpoints``, else the settings' own), else the local model in a
    worker: its files checked and its offload planned (slow: reads the model's headers)."""
    from inference.remote import RemoteConfig

    urls = list(endpoints) or ([settings.endpoint] if settings.endpoint else [])
    if urls:
        extra = {"timeout_s": timeout_s} if timeout_s is not None else {}
        configs = [RemoteConfig(endpoint=url, model=endpoint_model or settings.endpoint_model
                                or None, **extra) for url in urls]
        return [BackendPlan(name=c.endpoint, make=lambda c=c: make_backend("remote", config=c))
                for c in configs]
    from inference.engine import gpu_offload_supported
    from inference.gguf import inspect_pair
    from inference.limits import check_before_loading
    from inference.vram import auto_plan

    config = settings.engine_config()
    debug_ubatch = os.environ.get("SHOTCLONE_DEBUG_UBATCH")
    if debug_ubatch:
        config = replace(config, debug_ubatch=int(debug_ubatch))
    # bad model files, and settings this model or machine cannot take, refused before any job
    check_before_loading(config, inspect_pair(config.model, config.mmproj))
    config, explanation = auto_plan(config)
    warning = ""
    if isinstance(config.gpu_layers, int) and config.gpu_layers > 0 \
            and not gpu_offload_supported():
        warning = (f"You asked for {config.gpu_layers} GPU layers, but this llama.cpp was built "
                   "for the CPU only, so the model runs on the CPU. Run scripts/setup.sh again "
                   "on a machine with the CUDA toolkit (or Metal, or Vulkan) to build a "
                   "GPU-enabled llama.cpp.")
    return [BackendPlan(name="local model", make=lambda: make_backend("worker", config=config),
                        explanation=explanation, warning=warning)]


def backend_for(settings: Settings) -> BackendPlan:
    return plan_backends(settings)[0]


def job_for(settings: Settings, screenshot: Screenshot) -> CloneJob:
    repair = RepairOptions(text=settings.repair_text, images=settings.repair_images,
                           colours=settings.repair_colours)
    return CloneJob(screenshot=screenshot, max_tokens=settings.max_tokens,
                    temperature=settings.temperature, seed=settings.seed,
                    speculate=settings.speculate, text_hints=settings.text_hints,
                    repair=repair if repair.any else None, refine_rounds=settings.refine_rounds)


def reviews(settings: Settings) -> bool:
    """Whether a clone is rendered after the answer even without a report: to repair or
    refine it."""
    return settings.repair_text or settings.repair_images or settings.repair_colours \
        or settings.refine_rounds > 0


class BackendKeeper:
    """The backend for the current settings, kept while they stay the same, so the model stays
    loaded between runs. Used from one thread at a time (the job's)."""

    def __init__(self) -> None:
        self.backend: Backend | None = None
        self.plan: BackendPlan | None = None
        self._key: tuple[Any, ...] | None = None

    def get(self, settings: Settings) -> tuple[Backend, BackendPlan]:
        key = (settings.endpoint, settings.endpoint_model) if settings.endpoint else \
            (settings.engine_config(),)
        if self.backend is None or self.plan is None or key != self._key:
            self.close()
            self.plan = backend_for(settings)
            self.backend, self._key = self.plan.make(), key
        return self.backend, self.plan

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
        self.backend = self.plan = self._key = None


def run_job(settings: Settings, screenshot: Screenshot, backends: BackendKeeper,
            cancel: CancelToken, renderer: PageRenderer | None = None,
            first: Callable[[], object] | None = None) -> Iterator[JobEvent]:
    """A job from settings to its terminal event, the backend built first (off the UI thread
    when a window calls it), so that nothing slow waits before the first event. ``first`` runs
    before that, its failures ending the job too (a window records the run there)."""
    job = job_for(settings, screenshot)
    yield from with_backend(settings, backends, job.job_id,
                            lambda backend: run_clone(job, backend, cancel, renderer), first)


def with_backend(settings: Settings, backends: BackendKeeper, job_id: str,
                 events: Callable[[Backend], Iterator[JobEvent]],
                 first: Callable[[], object] | None = None) -> Iterator[JobEvent]:
    """The backend for ``settings`` got first (a failure is the job's terminal event; so is
    one of ``first``, run before it), then the events of the job that uses it: a clone, a
    refine or an edit."""
    yield StageStarted(job_id=job_id, stage="check")
    try:
        if first is not None:
            first()
        backend, plan = backends.get(settings)
    except ShotCloneError as e:
        yield JobFailed(job_id=job_id, error=e)
        return
    except Exception as e:  # whatever happens, the job ends with an event
        yield failed_unexpectedly(job_id, e)
        return
    yield BackendReady(job_id=job_id, name=plan.name, explanation=plan.explanation,
                       warning=plan.warning)
    yield from events(backend)


# --------------------------------------------------------------------- events -> run state

class RunState:
    """What a run has done so far, kept from its events. The terminal's progress line and the
    window draw it; with a history entry, it also records the run there as it goes."""

    def __init__(self, *, max_tokens: int, entry: HistoryEntry | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 background: Callable[[Callable[[], object]], None] | None = None) -> None:
        self.entry = entry
        # runs the slow history writes (the pictures); a window passes its thread pool
        self._background = background or _now
        self.clock = clock
        self.started = clock()
        self.max_tokens = max_tokens
        self.stage: Stage | None = None
        self.detail = ""
        self.model_state = ""  # "loading", "ready", "not loaded"; "" until an event says
        self.model_detail = ""
        self.backend: BackendReady | None = None
        self.tokens = 0
        self.first_token_at = self.last_token_at = 0.0
        self.parts: list[str] = []
        self.image_tokens: ImageRead | None = None
        self.result: CloneResult | None = None
        self.failure: JobFailed | None = None
        self._previewed = 0

    def record_in(self, history: History, screenshot: Screenshot, settings: Settings) -> None:
        """Keep this run in ``history`` (with the settings it used) from its first event on.
        It writes (and syncs) the screenshot: a window calls it on the job's thread."""
        self.entry = history.start(screenshot, asdict(settings))

    # -- reading events
    def apply(self, ev: JobEvent) -> None:
        match ev:
            case StageStarted(stage=stage, detail=detail):
                self.stage, self.detail = stage, detail
                if stage == "load":
                    self.model_state = "loading"
            case BackendReady():
                self.backend = ev
            case ModelReady(gpu_layers=layers, load_s=seconds):
                where = f"GPU, {layers} layers" if layers else "CPU"
                self.model_state = "ready"
                self.model_detail = f"{where} · loaded in {seconds:.1f} s"
            case ImageRead():
                self.image_tokens = ev
            case TokenChunk(text=text, n_tokens=n, max_tokens=limit, at=at):
                self.stage = "generate"
                if self.model_state != "ready":
                    self.model_state = "ready"
                self.first_token_at = self.first_token_at or at
                self.last_token_at = at
                self.tokens, self.max_tokens = n, limit
                self.parts.append(text)
                if self.entry is not None:
                    self.entry.append_stream(text)
            case JobFinished(result=result):
                self.result = result
                if self.entry is not None:
                    entry, review = self.entry, result.review
                    entry.finish(result)  # the page and "done" at once; the pictures may wait
                    if review is not None:
                        self._background(lambda: entry.save_review(review))
            case JobFailed():
                self.failure = ev
                if not self.stopped:
                    self.model_state, self.model_detail = "not loaded", ""
                if self.entry is not None:
                    if self.stopped:
                        self.entry.fail("stopped by the user", status="stopped")
                    else:
                        self.entry.fail(str(ev.error), details=ev.details)

    # -- what to show
    @property
    def ended(self) -> bool:
        return self.result is not None or self.failure is not None

    @property
    def stopped(self) -> bool:
        return self.failure is not None and isinstance(self.failure.error, Cancelled)

    @property
    def text(self) -> str:
        """The answer as far as it streamed."""
        return "".join(self.parts)

    @property
    def rate(self) -> float:
        """Tokens per second since the first token (the prompt's time left out)."""
        if self.result is not None:
            return self.result.stats.decode_tps
        span = self.last_token_at - self.first_token_at
        return (self.tokens - 1) / span if span > 0 else 0.0

    def elapsed(self) -> float:
        return self.clock() - self.started

    def phase(self) -> str:
        """One line saying where the run is."""
        if self.failure is not None:
            return f"Stopped after {self.tokens} tokens; what was written is kept." \
                if self.stopped else "Failed"
        if self.stage == "generate":
            if self.tokens >= NEAR_LIMIT * self.max_tokens:
                return f"Writing HTML: {self.tokens} of at most {self.max_tokens} tokens"
            return f"Writing HTML: {self.tokens} tokens"
        if self.stage == "prompt" and self.image_tokens is not None:
            i = self.image_tokens
            return f"Read the screenshot: {i.tokens} image tokens in {i.seconds:.1f} s"
        if self.stage is None:
            return "Starting…"
        if self.stage == "load" and self.model_state == "ready":
            return f"Loaded the model ({self.model_detail})"
        text = STAGE_TEXT[self.stage]
        return f"{text[:-1]}: {self.detail}…" if self.detail and text.endswith("…") else text

    def take_preview(self) -> str | None:
        """The streamed answer when tokens have come since the last time it was taken (the
        window renders a preview of it about once a second)."""
        if self.tokens == self._previewed or not self.parts:
            return None
        self._previewed = self.tokens
        return self.text


def _now(write: Callable[[], object]) -> None:
    write()


def error_text(error: BaseException, what: str = "", details: str = "") -> tuple[str, str]:
    """(one line for the user, the details: llama.cpp's log and the traceback). A message's
    first line is its headline (see ``inference.errors``)."""
    if isinstance(error, ShotCloneError):
        message = str(error).split("\n", 1)[0]
    else:
        message = f"{what or 'Something went wrong'}: {error or type(error).__name__}"
    details = details or "".join(traceback.format_exception(error))
    log = getattr(error, "log_tail", ())
    if log:
        details = "llama.cpp's log:\n" + "\n".join(log) + "\n\n" + details
    return message, details
