"""What is really on this machine, for `shotclone doctor`: llama.cpp's build and GPU support,
GPUs and their free memory, the browser, settings, the configured model checked as `clone`
checks it, and the models found. ``diagnose`` also says what stops a clone, if anything."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from app import __version__
from app.models import Machine, model_folders, model_rows, served_models, table
from app.settings import Settings, load_settings, settings_path
from inference.errors import ShotCloneError

GPU_HELP = {
    "cuda": "install the CUDA toolkit (nvcc), then run scripts/setup.sh again: it rebuilds "
            "llama.cpp with -DGGML_CUDA=on",
    "metal": "run scripts/setup.sh again: it rebuilds llama.cpp with -DGGML_METAL=on",
}
ENDPOINT_CHECK_S = 5.0  # doctor asks a model server for its models, briefly


@dataclass
class Diagnosis:
    lines: list[str] = field(default_factory=list)
    problems: list[ShotCloneError] = field(default_factory=list)  # each stops a clone

    def fail(self, error: ShotCloneError, indent: str = "  ") -> None:
        self.lines.append(f"{indent}PROBLEM: {error}")
        self.problems.append(error)

    @property
    def exit_code(self) -> int:
        return self.problems[0].exit_code if self.problems else 0


def _check_endpoint(settings: Settings, d: Diagnosis) -> None:
    d.lines.append(f"  model server: {settings.endpoint}")
    try:
        served = served_models(settings, ENDPOINT_CHECK_S)
    except ShotCloneError as e:
        d.fail(e, "    ")
        return
    d.lines.append(f"    serves: {', '.join(served) or '(no list of models)'}")


def _check_model(settings: Settings, d: Diagnosis) -> None:
    """The configured pair, checked exactly as `clone` checks it before loading."""
    from inference.gguf import inspect_pair
    from inference.vram import auto_plan

    d.lines.append(f"  model: {settings.model or '(none set)'}")
    d.lines.append(f"  mmproj: {settings.mmproj or '(none set)'}")
    try:
        config = settings.engine_config()
        pair = inspect_pair(config.model, config.mmproj)
        m = pair.model
        d.lines.append(f"    {m.display_name} [{m.quant or '?'}] {m.size_bytes / 1e9:.1f} GB "
                       f"with {pair.mmproj.path.name}: ready to clone")
        d.lines.append(f"    gpu: {auto_plan(config)[1]}")
    except ShotCloneError as e:
        d.fail(e, "    ")


def diagnose() -> Diagnosis:
    from inference.gpus import detect_gpus, llama_build

    d = Diagnosis()
    d.lines.append(f"ShotClone {__version__} on Python {sys.version.split()[0]}")
    build = llama_build()
    d.lines.append(f"llama.cpp: llama-cpp-python {build['version']}, backend {build['backend']}, "
                   f"GPU offload {'supported' if build['gpu_offload'] else 'not supported'}")
    gpus = detect_gpus()
    for g in gpus:
        d.lines.append(f"GPU: {g.name}, {g.free / 1e9:.1f} of {g.total / 1e9:.1f} GB free "
                       f"({g.kind})")
    if gpus and not build["gpu_offload"]:
        d.lines.append(f"  warning: this llama.cpp cannot use it. To fix: "
                       f"{GPU_HELP[gpus[0].kind]}.")
    if not gpus:
        d.lines.append("GPU: none found (no nvidia-smi, not Apple silicon): models run on the CPU")
    try:
        from app.review.browser import find_browser

        d.lines.append(f"Browser: {find_browser()}")
    except ShotCloneError as e:
        d.fail(e, "Browser: none. ")
    d.lines.append(f"Settings: {settings_path()}")
    settings: Settings | None = None
    try:
        from app.hotkey import describe

        settings = load_settings()
        d.lines.append(f"  global hotkey: {describe(settings.hotkey)}")
    except ShotCloneError as e:
        d.fail(e)
    if settings is not None:
        (_check_endpoint if settings.endpoint else _check_model)(settings, d)
    from inference.discovery import find_models

    found = find_models(model_folders())
    in_use = Path(settings.model).expanduser().resolve() if settings and settings.model else None
    d.lines.append(f"Models found in the usual folders: {len(found)}"
                   + (" (the one set is marked *)" if in_use else ""))
    if found:
        machine = Machine(gpus=gpus, offload=bool(build["gpu_offload"]))
        rows = model_rows(found, machine, settings or Settings())
        marks = ["*" if in_use == m.path.resolve() else " " for m in found]
        d.lines += ["  " + mark + " " + line for mark, line in
                    zip([" ", *marks], table(rows), strict=True)]
    return d
