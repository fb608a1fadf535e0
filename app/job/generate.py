"""One model answer as job events: the backend's engine events turned into the job's, the text
gathered as it streams. Every job that asks the model something (clone, refine, edit) uses it."""

from __future__ import annotations

from collections.abc import Generator

from app.job.events import ImageRead, JobEvent, ModelReady, StageStarted, TokenChunk
from inference.backend import Backend
from inference.cancel import CancelToken
from inference.config import GenerationRequest
from inference.errors import Cancelled, GenerationFailed
from inference.events import (
    GenerationDone,
    ImageEncoded,
    ModelLoaded,
    ModelLoading,
    PromptStarted,
    TokenText,
)


def generate(job_id: str, request: GenerationRequest, backend: Backend, cancel: CancelToken,
             parts: list[str]) -> Generator[JobEvent, None, GenerationDone]:
    """Yield the answer's events, appending its text to ``parts`` (kept by the caller when this
    raises); return the backend's ``GenerationDone``. Raises ``Cancelled`` when stopped and
    ``GenerationFailed`` when the stream ends without one."""
    done: GenerationDone | None = None
    for ev in backend.stream(request, cancel):
        match ev:
            case ModelLoading():
                size = f", {ev.size_bytes / 1e9:.1f} GB" if ev.size_bytes else ""
                yield StageStarted(job_id=job_id, stage="load", detail=ev.model + size)
            case ModelLoaded():
                yield ModelReady(job_id=job_id, model=ev.model, gpu_layers=ev.gpu_layers,
                                 load_s=ev.seconds)
            case PromptStarted():
                yield StageStarted(job_id=job_id, stage="prompt", detail="reading the image")
            case ImageEncoded():
                yield ImageRead(job_id=job_id, tokens=ev.tokens, seconds=ev.seconds)
            case TokenText():
                if not parts:
                    yield StageStarted(job_id=job_id, stage="generate")
                parts.append(ev.text)
                yield TokenChunk(job_id=job_id, text=ev.text, n_tokens=ev.n_tokens,
                                 max_tokens=request.max_tokens)
            case GenerationDone():
                done = ev
    if done is None:
        raise GenerationFailed("The model stopped without finishing its answer.")
    if done.finish_reason == "cancelled":
        raise Cancelled()
    return done
