"""What an engine reports while it works: frozen, picklable data with no handles in it.
A stream of these ends with exactly one ``GenerationDone``; failures are raised, not sent."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

FinishReason = Literal["stop", "length", "cancelled"]


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineEvent:
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelLoading(EngineEvent):
    model: str


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
    decode_tps: float = 0.0
    total_s: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerationDone(EngineEvent):
    finish_reason: FinishReason
    stats: GenerationStats
