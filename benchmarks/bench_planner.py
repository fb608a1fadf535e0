"""The GPU planner's memory model against llama.cpp's own reported buffer sizes (model
weights, KV cache, compute) for several synthetic Gemma 4 shapes and contexts, loaded on this
machine's CPU. Prints a table and one JSON line per shape; target: every figure within 10%.

With --model, one given pair instead, loaded with --gpu-layers (auto: planned as `shotclone
clone` plans it), comparing what the planner puts on the GPU with llama.cpp's CUDA0 buffers
(or, with no layers offloaded, everything on the CPU); benchmarks/gpu_check.sh runs this.

    python -m benchmarks.bench_planner [--model M.gguf --mmproj P.gguf [--gpu-layers auto]]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from benchmarks._models import synthetic_pair
from benchmarks._report import emit
from inference import llama_log
from inference.config import EngineConfig
from inference.engine import LocalEngine
from inference.gguf import read_gguf
from inference.synthetic import Gemma4Shape
from inference.vram import MIB, MemoryNeeds, auto_plan, needs_on_cpu, needs_on_gpu

SHAPES = {
    "narrow-2L": Gemma4Shape(),
    "mid-8L": Gemma4Shape(n_embd=512, n_layer=8, n_head=8, n_head_kv=2, head_dim=64,
                          n_ff=2048),
    "wide-6L-f16": Gemma4Shape(n_embd=1024, n_layer=6, n_head=8, n_head_kv=4, head_dim=128,
                               n_ff=4096, f16=True, sliding_window=1024, swa_every=3),
    "vocab-32k": Gemma4Shape(n_embd=256, n_layer=4, n_head=4, n_head_kv=2, head_dim=64,
                             n_ff=1024, vocab_size=32000),
    "gemma4-full-layers": Gemma4Shape(n_embd=512, n_layer=6, n_head=8, n_head_kv=4,
                                      head_dim=64, head_dim_full=128, n_head_kv_full=1,
                                      n_ff=2048, swa_every=3),
}
CONTEXTS = (4096, 16384)


# On the CPU llama.cpp also keeps a second copy of the Q4_K matrices in the layout its kernels
# prefer: real memory, but no GPU holds it and the planner does not predict it.
REPACK = "CPU_REPACK"


def reported(lines: list[str], device: str | None = None) -> dict[str, float]:
    """llama.cpp's own figures, in MiB: on ``device`` (e.g. CUDA0) only, or on all but the
    CPU's repacked copy; "repacked" holds that copy's size."""
    out = {"weights": 0.0, "kv": 0.0, "compute": 0.0, "repacked": 0.0}
    for line in lines:
        m = re.search(r"(\S+) (model|KV|compute) buffer size =\s+([\d.]+) MiB", line)
        if not m or "reserve_compute_meta" in line:  # that one is the vision encoder's
            continue
        if m.group(1) == REPACK:
            out["repacked"] += float(m.group(3))
        elif device in (None, m.group(1)):
            kind = {"model": "weights", "KV": "kv", "compute": "compute"}[m.group(2)]
            out[kind] += float(m.group(3))
    return out


@contextlib.contextmanager
def full_log() -> Iterator[io.StringIO]:
    """Every llama.cpp log line while inside (more than llama_log's ring buffer keeps)."""
    lines = io.StringIO()
    llama_log.install()
    previous = llama_log.set_echo(lines)
    try:
        yield lines
    finally:
        llama_log.set_echo(previous)


def load_log(config: EngineConfig) -> list[str]:
    with full_log() as lines:
        engine = LocalEngine(config)
        engine.load()
        engine.close()
    return lines.getvalue().splitlines()


def compare(predicted: MemoryNeeds, actual: dict[str, float]) -> dict[str, float]:
    """Relative error of each planner figure, printed as a table row."""
    errors = {}
    for kind in ("weights", "kv", "compute"):
        mine = getattr(predicted, kind) / MIB
        errors[kind] = (mine - actual[kind]) / actual[kind] if actual[kind] else 0.0
        print(f"  {kind:<8}{actual[kind]:>15.2f}{mine:>13.2f}{errors[kind]:>+8.1%}")
    return errors


def check_model(model: Path, mmproj: Path | None, gpu_layers: str) -> int:
    asked = "auto" if gpu_layers == "auto" else int(gpu_layers)
    config, plan = auto_plan(EngineConfig(model=model, mmproj=mmproj, n_ctx=8192,
                                          gpu_layers=asked))
    print(json.dumps({"bench": "offload", "plan": plan, "gpu_layers": config.gpu_layers,
                      "n_ctx": config.n_ctx}), flush=True)
    layers = int(config.gpu_layers)
    info = read_gguf(model)
    if layers:
        predicted = needs_on_gpu(info, layers, config.n_ctx, config.n_batch, config.cache_type)
    else:
        predicted = needs_on_cpu(info, config.n_ctx, config.n_batch, config.cache_type)
    device = "CUDA0" if layers else None
    print(f"{'what':<10}{'llama.cpp MiB':>15}{'planner MiB':>13}{'error':>8}  "
          f"({device or 'all devices'})")
    actual = reported(load_log(config), device)
    errors = compare(predicted, actual)
    for kind, error in errors.items():
        emit(f"planner_{kind}", getattr(predicted, kind) / MIB, "MiB", actual[kind],
             reference_is=f"llama.cpp's {device or 'total'} {kind} buffers",
             error_pct=round(error * 100, 2), gpu_layers=layers, n_ctx=config.n_ctx,
             target="within 10%")
    return 0 if max(map(abs, errors.values())) <= 0.10 else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="check this GGUF instead of the shapes")
    parser.add_argument("--mmproj", type=Path, help="its projector (with --model)")
    parser.add_argument("--gpu-layers", default="0", help="a number, or auto (default: 0)")
    args = parser.parse_args(argv)
    if args.model:
        return check_model(args.model, args.mmproj, args.gpu_layers)
    worst = 0.0
    print(f"{'what':<10}{'llama.cpp MiB':>15}{'planner MiB':>13}{'error':>8}")
    for name, shape in SHAPES.items():
        model, mmproj = synthetic_pair(shape)
        info = read_gguf(model)
        errors = []
        for ctx in CONTEXTS:
            config = EngineConfig(model=model, mmproj=mmproj, n_ctx=ctx, gpu_layers=0)
            print(f"{name}, {ctx} context")
            predicted = needs_on_cpu(info, ctx, config.n_batch)
            errors += compare(predicted, reported(load_log(config))).values()
        worst = max(worst, *map(abs, errors))
        emit(f"planner_error_{name}", max(map(abs, errors)) * 100, "%", target="<= 10%",
             contexts=list(CONTEXTS))
    print(f"worst error: {worst:.1%}")
    return 0 if worst <= 0.10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
