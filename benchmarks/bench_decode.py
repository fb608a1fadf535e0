"""Decode speed of the whole app path (model worker, IPC, streaming, pipeline, HTML stage) over
raw llama-cpp-python decoding of the same model, settings and prompt, in one run; and the
time to first token of both.

    python -m benchmarks.bench_decode [--tokens 64] [--rounds 3]
        [--model M.gguf --mmproj P.gguf] [--gpu-layers auto|N] [--json]

--gpu-layers auto plans the offload as `shotclone clone` does, and both paths use the plan;
--json prints that plan as one more JSON line on stdout (benchmarks/gpu_check.sh reads it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import llama_cpp
from llama_cpp.llama_chat_format import MTMDChatHandler

from app.intake import load_screenshot
from app.job.events import TokenChunk
from app.job.pipeline import CloneJob, run_clone, unwrap
from assets import asset
from benchmarks._models import DECODE_SHAPE, synthetic_pair
from benchmarks._report import emit
from inference import llama_log
from inference.config import EngineConfig
from inference.messages import chat_messages
from inference.vram import auto_plan
from inference.worker import WorkerBackend


def raw_llama(config: EngineConfig, job: CloneJob) -> tuple[float, float]:
    """(decode tok/s, seconds to first token) with llama-cpp-python used directly."""
    handler = MTMDChatHandler(clip_model_path=str(config.mmproj), verbose=False)
    llm = llama_cpp.Llama(model_path=str(config.model), chat_handler=handler,
                          n_ctx=config.n_ctx, n_batch=config.n_batch, n_ubatch=config.n_batch,
                          flash_attn=config.flash_attn, swa_full=False,
                          n_gpu_layers=int(config.gpu_layers),
                          verbose=False)
    try:
        request = job.request()
        started = time.perf_counter()
        times = []
        for chunk in llm.create_chat_completion(
                messages=chat_messages(request), stream=True,  # type: ignore[arg-type]
                max_tokens=request.max_tokens, temperature=request.temperature,
                seed=request.seed):
            if chunk["choices"][0]["delta"].get("content") is not None:
                times.append(time.perf_counter())
        return (len(times) - 1) / (times[-1] - times[0]), times[0] - started
    finally:
        llm.close()


def app_path(backend: WorkerBackend, job: CloneJob) -> tuple[float, float]:
    started = time.monotonic()
    times = []
    events = list(run_clone(job, backend))
    for ev in events:
        if isinstance(ev, TokenChunk):
            times.append(ev.at)
    unwrap(events[-1])
    return (len(times) - 1) / (times[-1] - times[0]), times[0] - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", type=Path, help="this GGUF instead of the synthetic one")
    parser.add_argument("--mmproj", type=Path, help="its projector (with --model)")
    parser.add_argument("--gpu-layers", default="0", help="a number, or auto (default: 0)")
    parser.add_argument("--json", action="store_true",
                        help="the offload plan as a JSON line on stdout, not text on stderr")
    args = parser.parse_args(argv)
    model, mmproj = (args.model, args.mmproj) if args.model else synthetic_pair(DECODE_SHAPE)
    gpu_layers = "auto" if args.gpu_layers == "auto" else int(args.gpu_layers)
    config, plan = auto_plan(EngineConfig(model=model, mmproj=mmproj, n_ctx=8192,
                                          gpu_layers=gpu_layers))
    if args.json:
        print(json.dumps({"bench": "offload", "plan": plan, "gpu_layers": config.gpu_layers,
                          "n_ctx": config.n_ctx}), flush=True)
    else:
        print(f"offload: {plan}", file=sys.stderr)
    llama_log.install()  # llama.cpp logs to a buffer here as in the worker, not the terminal
    shot = load_screenshot(asset("samples/joke-card.png"))
    job = CloneJob(screenshot=shot, max_tokens=args.tokens, temperature=0.0, seed=1)
    backend = WorkerBackend(config)
    try:
        app_path(backend, job)  # load the model in the worker and warm up
        app, raw = [], []
        for _ in range(args.rounds):
            raw.append(raw_llama(config, job))
            app.append(app_path(backend, job))
    finally:
        backend.close()
    size_mb = round((model.stat().st_size + mmproj.stat().st_size) / 1e6)
    app_tps = statistics.median(a[0] for a in app)
    raw_tps = statistics.median(r[0] for r in raw)
    emit("decode", app_tps, "tok/s", raw_tps, lower_is_better=False,
         reference_is="raw llama-cpp-python create_chat_completion, same model and settings",
         model_mb=size_mb, tokens=args.tokens, rounds=args.rounds, target="ratio >= 0.97")
    emit("time_to_first_token", statistics.median(a[1] for a in app), "s",
         statistics.median(r[1] for r in raw), model_mb=size_mb,
         reference_is="raw llama-cpp-python, same prompt and image")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
