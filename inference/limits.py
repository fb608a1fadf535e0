"""Limits checked before a model is loaded, so that a setting llama.cpp would crash on, or that
would grow the worker until the out-of-memory killer ends it, is a clear message instead."""

from __future__ import annotations

import os
import sys

from inference.config import EngineConfig
from inference.errors import ConfigError
from inference.gguf import VisionModel
from inference.vram import PROJECTOR_COMPUTE, needs_on_cpu

# The fewest image tokens llama.cpp accepts per projector (measured with llama-cpp-python
# 0.3.36: fewer, and the projector fails to load with "image_max_pixels is less than
# image_min_pixels"). Projectors not listed are left to llama.cpp.
MIN_IMAGE_TOKENS = {"gemma4uv": 70}


def available_memory() -> int:
    """Bytes of memory a new process can still use: MemAvailable on Linux, else all of it."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/meminfo") as f:
                for line in f:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # Windows has no sysconf: trust the user
        return sys.maxsize


def _gpu_free() -> int:
    from inference.engine import gpu_offload_supported
    from inference.gpus import detect_gpus

    if not gpu_offload_supported():
        return 0
    return max((g.free for g in detect_gpus()), default=0)


def check_before_loading(config: EngineConfig, vision: VisionModel) -> None:
    """Refuse what llama.cpp cannot do with this model on this machine, saying what would."""
    cpus = os.cpu_count() or 1
    if config.n_threads is not None and config.n_threads > cpus:
        raise ConfigError(f"threads = {config.n_threads}: this machine has {cpus} CPU threads; "
                          f"use 1 to {cpus} (more only slows llama.cpp down).")
    projector = vision.mmproj.projector_type or ""
    least = MIN_IMAGE_TOKENS.get(projector)
    if least is not None and config.image_tokens < least:
        raise ConfigError(f"image tokens = {config.image_tokens}: llama.cpp's {projector} "
                          f"projector takes at least {least} tokens per image; use {least} "
                          "or more.")
    model = vision.model
    trained = model.context_length
    if trained and config.n_ctx > trained:
        raise ConfigError(f"context = {config.n_ctx}: {model.display_name} was trained for "
                          f"{trained} tokens; use at most {trained}.")
    room = available_memory() + _gpu_free()
    need = _bytes_needed(config, vision, config.n_ctx)
    if need > room:
        fits = _largest_context(config, vision, room)
        advice = (f"the most that fits is about {fits} tokens" if fits else
                  "the model itself does not fit: free some memory or use a smaller quant")
        raise ConfigError(
            f"context = {config.n_ctx}: the model and its KV cache need about "
            f"{need / 1e9:.1f} GB, but this machine has {room / 1e9:.1f} GB free "
            f"(memory and GPU together); {advice}.")


def _bytes_needed(config: EngineConfig, vision: VisionModel, n_ctx: int) -> int:
    needs = needs_on_cpu(vision.model, n_ctx, config.n_batch, config.cache_type)
    return (needs.weights + needs.kv + needs.compute + vision.mmproj.tensor_bytes
            + PROJECTOR_COMPUTE)


def _largest_context(config: EngineConfig, vision: VisionModel, room: int) -> int:
    """The largest context (a multiple of 1024, at least 2048) that fits in ``room``, or 0."""
    low, high = 2, config.n_ctx // 1024  # in units of 1024 tokens
    if _bytes_needed(config, vision, low * 1024) > room:
        return 0
    while low < high:  # what is needed grows with the context: bisect
        mid = (low + high + 1) // 2
        if _bytes_needed(config, vision, mid * 1024) <= room:
            low = mid
        else:
            high = mid - 1
    return low * 1024
