"""Models on this machine as a person reads them: the folders searched, each model's real size
and quant, and whether it fits the GPU (the offload planner decides), for `shotclone models
list`, `shotclone doctor` and the app's Models dialog."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.settings import Settings, data_dir
from inference.config import EngineConfig
from inference.discovery import FoundModel
from inference.errors import ShotCloneError
from inference.gpus import Gpu


def model_folders() -> list[tuple[str, Path]]:
    """ShotClone's own download folder, searched beside the usual places."""
    return [("ShotClone", data_dir() / "models")]


def served_models(settings: Settings, timeout_s: float = 5.0) -> list[str]:
    """What the model server in the settings serves, asked briefly; raises ``ShotCloneError``
    when it does not answer, or does not serve the model named in the settings."""
    from inference.errors import RemoteError
    from inference.remote import RemoteBackend, RemoteConfig

    config = RemoteConfig(endpoint=settings.endpoint, model=settings.endpoint_model or None,
                          timeout_s=timeout_s)
    try:
        served = RemoteBackend(config).served_models()
    except (ValueError, KeyError, TypeError):
        return []  # it answers, but keeps no list of models: a run will tell
    if settings.endpoint_model and served and settings.endpoint_model not in served:
        raise RemoteError(f"{config.endpoint} serves no model '{settings.endpoint_model}'; it "
                          f"serves: {', '.join(served)}.", status=404)
    return served


def human_size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


@dataclass(frozen=True)
class Machine:
    """What decides whether a model fits: the GPUs, and whether this llama.cpp can use one."""

    gpus: Sequence[Gpu]
    offload: bool

    @classmethod
    def detect(cls) -> Machine:
        from inference.engine import gpu_offload_supported
        from inference.gpus import detect_gpus

        return cls(gpus=detect_gpus(), offload=gpu_offload_supported())


def gpu_fit(m: FoundModel, machine: Machine, settings: Settings) -> str:
    """'yes', 'yes at 8k context', '30/48 layers', 'no', or why the question does not arise."""
    from inference.gguf import read_gguf
    from inference.vram import plan_offload

    if m.mmproj is None:
        return "-"
    if not machine.offload:
        return "CPU-only build"
    if not machine.gpus:
        return "no GPU"
    gpu = max(machine.gpus, key=lambda g: g.free)
    try:
        config = EngineConfig(model=m.path, mmproj=m.mmproj, n_ctx=settings.n_ctx,
                              image_tokens=settings.image_tokens,
                              cache_type=settings.cache_type)  # type: ignore[arg-type]
        plan = plan_offload(m.info, read_gguf(m.mmproj), gpu.free, n_ctx=config.n_ctx,
                            n_ubatch=config.n_batch, cache_type=config.cache_type,
                            gpu_name=gpu.name)
    except ShotCloneError:
        return "?"
    if plan.fits_all:
        return f"yes at {plan.n_ctx // 1024}k context" if plan.context_reduced else "yes"
    return f"{plan.gpu_layers}/{plan.n_layer} layers" if plan.gpu_layers else "no"


HEADER = ("NAME", "QUANT", "SIZE", "FITS GPU", "PROJECTOR", "FOUND IN", "PATH")


def model_rows(found: Sequence[FoundModel], machine: Machine,
               settings: Settings) -> list[tuple[str, ...]]:
    return [(m.name, m.quant, human_size(m.size_bytes), gpu_fit(m, machine, settings),
             m.mmproj.name if m.mmproj else "none: text only", m.source, str(m.path))
            for m in found]


def table(rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> list[str]:
    """Aligned columns, the last one (a path) left free to run on."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]])
            for r in [header, *rows]]
