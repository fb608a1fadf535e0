"""What an engine reports while it works: frozen, picklable data with no handles in it.
A stream of these ends with exactly one ``GenerationDone``; failures are raised, not sent."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Literal

FinishReason = Literal["stop", "length", "cancelled"]


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineEvent:
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelLoading(EngineEvent):
    model: str
    size_bytes: int = 0  # the model and its projector on disk: what loading reads


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelLoaded(EngineEvent):
    model: str
    seconds: float
    gpu_layers: int
    gpu_offload_supported: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PromptStarted(EngineEvent):
    """The image is being encoded and the prompt read; no tokens come until this is done."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageEncoded(EngineEvent):
    tokens: int
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenText(EngineEvent):
    text: str
    n_tokens: int  # completion tokens so far


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerationStats:
    prompt_tokens: int = 0
    image_tokens: int = 0
    completion_tokens: int = 0
    load_s: float = 0.0
    ttft_s: float = 0.0  # request start to first token, image encode and prefill included
    decode_tps: float = 0.0  # every token written counts, accepted drafts included
    total_s: float = 0.0
    speculative: bool = False  # n-gram drafts were verified (or checked) while decoding
    decode_steps: int = 0  # model passes after the prompt: one token each, or a verification
    drafted: int = 0  # draft tokens verified
    accepted: int = 0  # of which kept
    ties: int = 0  # verified positions too close to call, decided again in a one-token pass


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerationDone(EngineEvent):
    finish_reason: FinishReason
    stats: GenerationStats


_EVENT_TYPES: dict[str, type[EngineEvent]] = {
    cls.__name__: cls for cls in (ModelLoading, ModelLoaded, PromptStarted, ImageEncoded,
                                  TokenText, GenerationDone)
}


def event_to_dict(event: EngineEvent) -> dict[str, object]:
    """Plain data for the wire between the worker and its parent."""
    return {"kind": type(event).__name__, **asdict(event)}


def event_from_dict(data: dict[str, object]) -> EngineEvent:
    fields = dict(data)
    cls = _EVENT_TYPES[str(fields.pop("kind"))]
    if cls is GenerationDone:
        fields["stats"] = GenerationStats(**fields["stats"])  # type: ignore[arg-type]
    return cls(**fields)  # type: ignore[arg-type]
