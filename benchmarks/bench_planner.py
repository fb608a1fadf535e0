"""The GPU planner's memory model against llama.cpp's own reported buffer sizes (model
weights, KV cache, compute) for several synthetic Gemma 4 shapes and contexts, loaded on this
machine's CPU. Prints a table and one JSON line per shape; target: every figure within 10%.

    python -m benchmarks.bench_planner
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from benchmarks._models import synthetic_pair
from benchmarks._report import emit
from inference import llama_log
from inference.config import EngineConfig
from inference.engine import LocalEngine
from inference.gguf import read_gguf
from inference.synthetic import Gemma4Shape
from inference.vram import MIB, needs_on_cpu

SHAPES = {
    "narrow-2L": Gemma4Shape(),
    "mid-8L": Gemma4Shape(n_embd=512, n_layer=8, n_head=8, n_head_kv=2, head_dim=64,
                          n_ff=2048),
    "wide-6L-f16": Gemma4Shape(n_embd=1024, n_layer=6, n_head=8, n_head_kv=4, head_dim=128,
                               n_ff=4096, f16=True, sliding_window=1024, swa_every=3),
    "vocab-32k": Gemma4Shape(n_embd=256, n_layer=4, n_head=4, n_head_kv=2, head_dim=64,
                             n_ff=1024, vocab_size=32000),
}
CONTEXTS = (4096, 16384)


def reported(lines: list[str]) -> dict[str, float]:
    """llama.cpp's own figures, in MiB."""
    out = {"weights": 0.0, "kv": 0.0, "compute": 0.0}
    for line in lines:
        m = re.search(r"(model|KV|compute) buffer size =\s+([\d.]+) MiB", line)
        if m and "reserve_compute_meta" not in line:  # that one is the vision encoder's
            kind = {"model": "weights", "KV": "kv", "compute": "compute"}[m.group(1)]
            out[kind] += float(m.group(2))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    llama_log.install()
    worst = 0.0
    print(f"{'shape':<14}{'ctx':>7}  {'what':<8}{'llama.cpp MiB':>15}{'planner MiB':>13}"
          f"{'error':>8}")
    for name, shape in SHAPES.items():
        model, mmproj = synthetic_pair(shape)
        info = read_gguf(model)
        errors = []
        for ctx in CONTEXTS:
            config = EngineConfig(model=model, mmproj=mmproj, n_ctx=ctx, gpu_layers=0)
            llama_log.clear()
            engine = LocalEngine(config)
            engine.load()
            actual = reported(llama_log.tail(400))
            engine.close()
            predicted = needs_on_cpu(info, ctx, config.n_batch)
            for kind in ("weights", "kv", "compute"):
                mine = getattr(predicted, kind) / MIB
                error = (mine - actual[kind]) / actual[kind] if actual[kind] else 0.0
                errors.append(abs(error))
                print(f"{name:<14}{ctx:>7}  {kind:<8}{actual[kind]:>15.2f}{mine:>13.2f}"
                      f"{error:>+8.1%}")
        worst = max(worst, *errors)
        emit(f"planner_error_{name}", max(errors) * 100, "%", target="<= 10%",
             contexts=list(CONTEXTS))
    print(f"worst error: {worst:.1%}")
    return 0 if worst <= 0.10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
