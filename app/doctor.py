"""What is really on this machine, for `shotclone doctor`: llama.cpp's build and GPU support,
GPUs and their free memory, the browser, settings and the models found."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from app import __version__
from app.settings import data_dir, load_settings, settings_path
from inference.errors import ShotCloneError

GPU_HELP = {
    "cuda": "install the CUDA toolkit (nvcc), then run scripts/setup.sh again: it rebuilds "
            "llama.cpp with -DGGML_CUDA=on",
    "metal": "run scripts/setup.sh again: it rebuilds llama.cpp with -DGGML_METAL=on",
}


def model_folders() -> list[tuple[str, Path]]:
    """ShotClone's own download folder, searched beside the usual places."""
    return [("ShotClone", data_dir() / "models")]


def report() -> Iterator[str]:
    from inference.gpus import detect_gpus, llama_build

    yield f"ShotClone {__version__} on Python {sys.version.split()[0]}"
    build = llama_build()
    yield (f"llama.cpp: llama-cpp-python {build['version']}, backend {build['backend']}, "
           f"GPU offload {'supported' if build['gpu_offload'] else 'not supported'}")
    gpus = detect_gpus()
    if gpus:
        for g in gpus:
            yield f"GPU: {g.name}, {g.free / 1e9:.1f} of {g.total / 1e9:.1f} GB free ({g.kind})"
        if not build["gpu_offload"]:
            yield f"  warning: this llama.cpp cannot use it. To fix: {GPU_HELP[gpus[0].kind]}."
    else:
        yield "GPU: none found (no nvidia-smi, not Apple silicon): models run on the CPU"
    try:
        from app.review.browser import find_browser

        yield f"Browser: {find_browser()}"
    except ShotCloneError as e:
        yield f"Browser: none. {e}"
    yield f"Settings: {settings_path()}"
    try:
        from app.hotkey import describe

        s = load_settings()
        yield f"  global hotkey: {describe(s.hotkey)}"
        if s.endpoint:
            yield f"  model server: {s.endpoint}"
        yield f"  model: {s.model or '(none set)'}"
        yield f"  mmproj: {s.mmproj or '(none set)'}"
    except ShotCloneError as e:
        yield f"  {e}"
    from inference.discovery import find_models

    found = find_models(model_folders())
    yield f"Models found: {len(found)}"
    for m in found:
        sight = "sees images" if m.sees_images else "text only (no projector beside it)"
        yield f"  {m.name} [{m.info.quant}] {m.info.size_bytes / 1e9:.1f} GB, {sight}: {m.path}"
