"""Pinpoint a native crash of ShotClone's model path (a GPU machine's SIGSEGV): run each step
of that path, from plain llama-cpp-python up to the model worker, in a subprocess of its own
with faulthandler and llama.cpp's log on a copy of stderr (which llama-cpp-python's quiet mode
cannot silence), and print one JSON line per step: ok, rc, the signal, the last log lines and,
after a crash, the Python stack. The first step that fails is the suspect; each step's whole
log is in --work. benchmarks/gpu_check.sh --diagnose runs this.

    python -m benchmarks.gpu_diagnose --model M.gguf --mmproj P.gguf [--gpu-layers N|auto]
"""

from __future__ import annotations

import argparse
import atexit
import faulthandler
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

STEPS: dict[str, str] = {
    "exit_with_log_callback": "our llama.cpp log callback installed, backends started, exit",
    "exit_with_log_callback_kept": "the same, our callback kept through exit (as ShotClone "
                                   "did before llama_log.restore_default)",
    "text_verbose": "text model only, verbose=True, llama-cpp-python's own settings (known good)",
    "text_quiet": "text model only, verbose=False (fds 1 and 2 on /dev/null while loading)",
    "text_quiet_log_callback": "text model only, verbose=False, our log callback",
    "text_engine_settings": "text model only, verbose=True, ShotClone's settings (batch = image "
                            "budget, KV type, layers)",
    "mmproj_gpu": "+ the projector through llama-cpp-python's own MTMD handler, on the GPU",
    "mmproj_cpu": "+ the projector through the same handler, kept on the CPU (use_gpu=False)",
    "mmproj_engine_handler": "+ the projector through ShotClone's handler (image-token hooks)",
    "engine_load": "ShotClone's LocalEngine.load, in this process",
    "engine_image": "LocalEngine: load, encode an image, write 8 tokens",
    "worker": "the model worker process (WorkerBackend), 8 tokens about an image",
}
RESULT = "DIAGNOSE-RESULT "  # the line a step prints last, with what it measured


# ----------------------------------------------------------------------------- one step (child)

def _kept_stderr() -> TextIO:
    """A copy of fd 2 taken now: llama-cpp-python's quiet mode points fd 2 at /dev/null while it
    loads, this copy still reaches the log file. faulthandler dumps to it."""
    stream = os.fdopen(os.dup(2), "w", buffering=1)
    faulthandler.enable(stream, all_threads=True)
    return stream


def _config(args: argparse.Namespace) -> Any:
    from inference.config import EngineConfig
    from inference.vram import auto_plan
    layers = "auto" if args.gpu_layers == "auto" else int(args.gpu_layers)
    config, _ = auto_plan(EngineConfig(model=args.model, mmproj=args.mmproj, n_ctx=8192,
                                       gpu_layers=layers))
    return config


def _request() -> Any:
    from assets import asset
    from inference.config import GenerationRequest
    return GenerationRequest(system="You write HTML.", prompt="Clone this screenshot.",
                             image_png=asset("samples/joke-card.png").read_bytes(),
                             max_tokens=8, temperature=0.0, seed=1)


def _plain_llama(args: argparse.Namespace, *, verbose: bool) -> Any:
    """What the known-good run used: llama-cpp-python's defaults, every layer offloadable."""
    import llama_cpp
    layers = -1 if llama_cpp.llama_supports_gpu_offload() and args.gpu_layers != "0" else 0
    return llama_cpp.Llama(model_path=str(args.model), n_gpu_layers=layers, n_ctx=4096,
                           n_batch=512, n_ubatch=512, flash_attn=True, swa_full=False,
                           verbose=verbose)


def _complete(llm: Any) -> dict[str, Any]:
    started = time.monotonic()
    out = llm.create_completion("<start_of_turn>user\nHello", max_tokens=8, temperature=0.0)
    return {"tokens": out["usage"]["completion_tokens"],
            "seconds": round(time.monotonic() - started, 3)}


def _with_projector(args: argparse.Namespace, wrap: Callable[[Any], Any]) -> dict[str, Any]:
    from llama_cpp.llama_chat_format import MTMDChatHandler
    llm = _plain_llama(args, verbose=True)
    handler = MTMDChatHandler(clip_model_path=str(args.mmproj), verbose=True)
    handler._mtmd_cpp = wrap(handler._mtmd_cpp)
    handler._init_mtmd_context(llm)
    return {"projector_loaded": handler.mtmd_ctx is not None, **_complete(llm)}


class _ProjectorOnCpu:
    """Stands in for ``mtmd_cpp``: the handler always asks for the GPU; this says no."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def mtmd_init_from_file(self, path: bytes, model: Any, params: Any) -> Any:
        params.use_gpu = False
        return self._module.mtmd_init_from_file(path, model, params)


def run_step(name: str, args: argparse.Namespace, log: TextIO) -> dict[str, Any]:
    import llama_cpp

    from inference import llama_log
    from inference.engine import LocalEngine, llama_settings, make_handler, resolve_gpu_layers
    from inference.gguf import inspect_pair
    from inference.worker import WorkerBackend

    if name.startswith("exit_with_log_callback"):
        llama_log.install(echo=log)
        if name.endswith("_kept"):
            atexit.unregister(llama_log.restore_default)
        llama_cpp.llama_backend_init()
        return {"gpu_offload": bool(llama_cpp.llama_supports_gpu_offload())}
    if name == "text_verbose":
        return _complete(_plain_llama(args, verbose=True))
    if name == "text_quiet":
        return _complete(_plain_llama(args, verbose=False))
    if name == "text_quiet_log_callback":
        llama_log.install(echo=log)
        return _complete(_plain_llama(args, verbose=False))
    config = _config(args)
    if name == "text_engine_settings":
        settings = llama_settings(config, resolve_gpu_layers(config))
        llm = llama_cpp.Llama(**settings, verbose=True)
        return {"settings": {k: v for k, v in settings.items() if k != "model_path"},
                **_complete(llm)}
    if name == "mmproj_gpu":
        return _with_projector(args, lambda module: module)
    if name == "mmproj_cpu":
        return _with_projector(args, _ProjectorOnCpu)
    if name == "mmproj_engine_handler":
        llm = llama_cpp.Llama(**llama_settings(config, resolve_gpu_layers(config)),
                              verbose=True)
        handler = make_handler(inspect_pair(config.model, config.mmproj),
                               config.image_tokens, lambda *_: None, verbose=True)
        handler._init_mtmd_context(llm)
        return {"projector_loaded": handler.mtmd_ctx is not None}
    llama_log.install(echo=log)
    if name == "engine_load":
        loaded = LocalEngine(config).load()
        return {"gpu_layers": loaded.gpu_layers, "seconds": round(loaded.seconds, 2)}
    if name == "engine_image":
        events = list(LocalEngine(config).stream(_request()))
        return {"last_event": type(events[-1]).__name__, "events": len(events)}
    if name == "worker":
        backend = WorkerBackend(config)
        try:
            events = list(backend.stream(_request()))
        finally:
            backend.close()
        return {"last_event": type(events[-1]).__name__, "events": len(events)}
    raise ValueError(f"unknown step {name!r}")


# ----------------------------------------------------------------------------- all steps (parent)

def diagnose(name: str, args: argparse.Namespace) -> dict[str, Any]:
    from inference.worker import crash_stack, split_crash_dump
    path = args.work / f"{name}.log"
    command = [sys.executable, "-m", "benchmarks.gpu_diagnose", "--step", name,
               "--model", str(args.model), "--mmproj", str(args.mmproj),
               "--gpu-layers", args.gpu_layers]
    started = time.monotonic()
    with path.open("w") as out:
        try:
            rc = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT,
                                timeout=args.timeout, env={**os.environ,
                                                           "PYTHONUNBUFFERED": "1"}).returncode
        except subprocess.TimeoutExpired:
            rc = None
    lines = path.read_text(errors="replace").splitlines()
    detail = [json.loads(line[len(RESULT):]) for line in lines if line.startswith(RESULT)]
    log, dump = split_crash_dump([line for line in lines if not line.startswith(RESULT)])
    return {"step": "diagnose", "name": name, "ok": rc == 0, "rc": rc,
            "signal": signal.Signals(-rc).name if rc is not None and rc < 0 else None,
            "seconds": round(time.monotonic() - started, 1), "what": STEPS[name],
            "result": detail[0] if detail else None,
            "log": [line for line in log if line.strip()][-args.lines:],
            "stack": list(crash_stack(dump, n=16)), "log_file": str(path)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--mmproj", type=Path, required=True)
    parser.add_argument("--gpu-layers", default="auto", help="a number, or auto (default)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/shotclone-diagnose"),
                        help="where each step's whole log goes")
    parser.add_argument("--steps", default=",".join(STEPS),
                        help="comma-separated, in order (default: all)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per step")
    parser.add_argument("--lines", type=int, default=8, help="log lines per JSON line")
    parser.add_argument("--step", choices=list(STEPS), help=argparse.SUPPRESS)  # the child
    args = parser.parse_args(argv)
    if args.step:
        log = _kept_stderr()
        print(RESULT + json.dumps(run_step(args.step, args, log), default=str), file=log)
        return 0
    names = [n for n in args.steps.split(",") if n]
    unknown = sorted(set(names) - set(STEPS))
    if unknown:
        parser.error(f"unknown steps {', '.join(unknown)}: use {', '.join(STEPS)}")
    args.work.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in names:
        report = diagnose(name, args)
        failed += not report["ok"]
        print(json.dumps(report), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
