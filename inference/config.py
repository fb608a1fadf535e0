"""Engine settings: one frozen dataclass, validated once when it is made."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from inference.errors import ConfigError

CacheType = Literal["f16", "q8_0", "q4_0"]
CACHE_TYPES: tuple[str, ...] = ("f16", "q8_0", "q4_0")
DEFAULT_IMAGE_TOKENS = 1120  # gemma4uv's own upper limit; fewer tokens hurt small-text OCR
MIN_BATCH = 512


@dataclass(frozen=True, kw_only=True)
class EngineConfig:
    """How to load a model. Two configs that compare equal can share one loaded model."""

    model: Path
    mmproj: Path | None = None
    gpu_layers: int | Literal["auto"] = "auto"  # auto: planned (inference.vram.auto_plan)
    n_ctx: int = 16384
    flash_attn: bool = True
    n_threads: int | None = None  # None: llama.cpp's default (physical cores)
    cache_type: CacheType = "f16"
    image_tokens: int = DEFAULT_IMAGE_TOKENS
    # where the n-gram tables of earlier answers are kept (inference.draft_table), one file
    # per vocabulary; None: speculation drafts from the prompt and answer only
    draft_tables: Path | None = None
    # Testing only: a micro-batch smaller than the image, which makes llama.cpp abort the
    # process, as a real crash would (SHOTCLONE_DEBUG_UBATCH sets it from the command line).
    debug_ubatch: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", Path(self.model).expanduser())
        for name in ("mmproj", "draft_tables"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, Path(getattr(self, name)).expanduser())
        layers = self.gpu_layers
        if layers != "auto" and (not isinstance(layers, int) or layers < 0):
            raise ConfigError(f"gpu layers = {self.gpu_layers!r}: use a number >= 0 or 'auto'.")
        if self.n_ctx < 2048:
            raise ConfigError(f"context = {self.n_ctx}: use at least 2048 tokens (image + HTML).")
        if self.cache_type not in CACHE_TYPES:
            raise ConfigError(
                f"KV-cache type {self.cache_type!r}: use one of {', '.join(CACHE_TYPES)}."
            )
        if self.cache_type != "f16" and not self.flash_attn:
            raise ConfigError(
                f"A {self.cache_type} KV cache needs flash attention: turn it on, or use f16."
            )
        if not 64 <= self.image_tokens <= 4096:
            raise ConfigError(f"image tokens = {self.image_tokens}: use 64 to 4096.")
        if self.image_tokens + 256 > self.n_ctx:
            raise ConfigError(
                f"image tokens ({self.image_tokens}) leave no room in a {self.n_ctx}-token "
                "context: raise the context or lower the image budget."
            )
        if self.n_threads is not None and self.n_threads < 1:
            raise ConfigError(f"threads = {self.n_threads}: use 1 or more.")

    @property
    def n_batch(self) -> int:
        """llama.cpp aborts the process when an image has more tokens than one micro-batch, so
        the batch always holds the whole image budget."""
        return max(MIN_BATCH, self.image_tokens)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["model"] = str(self.model)
        d["mmproj"] = str(self.mmproj) if self.mmproj else None
        d["draft_tables"] = str(self.draft_tables) if self.draft_tables else None
        return d


@dataclass(frozen=True, kw_only=True)
class GenerationRequest:
    """One answer to generate: a prompt about one image. Plain data, so it crosses processes."""

    system: str
    prompt: str
    image_png: bytes
    max_tokens: int = 8192
    temperature: float = 0.2
    seed: int | None = None
    speculate: bool = True  # verify n-gram drafts in one pass (same output at temperature 0)

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ConfigError(f"max tokens = {self.max_tokens}: use 1 or more.")
        if not 0.0 <= self.temperature <= 2.0:
            raise ConfigError(f"temperature = {self.temperature}: use 0 to 2.")
