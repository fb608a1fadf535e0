"""Decode speed of the whole app path (model worker, IPC, streaming, pipeline, HTML stage) over
raw llama-cpp-python decoding of the same model, settings and prompt, in one run; speculative
decoding on and off; time to first token; what one verification costs on this device; and the
offline acceptance of n-gram drafts on real HTML answers (benchmarks/pages/answers) tokenized
with a Gemma 4 vocabulary, with the speed-up it implies at the measured verify cost and at the
one measured on an H100.

    python -m benchmarks.bench_decode [--tokens 128] [--rounds 3] [--offline-only]
        [--model GGUF --mmproj GGUF] [--gpu-layers N|auto] [--vocab GGUF] [--json]

Without --model it runs two synthetic models: a few hundred MB of small-vocabulary Gemma 4,
and the same with the real 262,144-token vocabulary. Every measure is one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import llama_cpp
from bs4 import BeautifulSoup
from llama_cpp.llama_chat_format import MTMDChatHandler

from app.cli import _gpu_layers
from app.intake import load_screenshot
from app.job.events import TokenChunk
from app.job.pipeline import CloneJob, run_clone, unwrap
from assets import asset
from benchmarks._models import DECODE_SHAPE, REAL_VOCAB_SHAPE, synthetic_pair
from benchmarks._report import ROOT, emit
from benchmarks._vocab import gemma4_vocab
from inference import llama_log
from inference.config import EngineConfig
from inference.decode import Decoder
from inference.draft_table import AnswerTable
from inference.engine import resolve_gpu_layers
from inference.events import GenerationStats
from inference.messages import chat_messages
from inference.speculative import MAX_DRAFT, SEPARATOR, Acceptance, measure_acceptance
from inference.vram import auto_plan
from inference.worker import WorkerBackend
from prompts import load_prompt

ANSWERS = ROOT / "benchmarks" / "pages" / "answers"
VERIFY_TOKENS = 9  # a verification of 8 drafts and the token before them
# what a drafted token cost on an H100 with the real-shaped 12B Q4 pair (gpu_check.sh's
# verify_cost: 6.7, 9.8 and 14.1 ms for 1, 4 and 8 tokens)
H100_VERIFY_COST = 0.15


def _raw_llm(config: EngineConfig) -> llama_cpp.Llama:
    handler = MTMDChatHandler(clip_model_path=str(config.mmproj), verbose=False)
    return llama_cpp.Llama(model_path=str(config.model), chat_handler=handler,
                           n_ctx=config.n_ctx, n_batch=config.n_batch, n_ubatch=config.n_batch,
                           flash_attn=config.flash_attn, swa_full=False,
                           n_gpu_layers=resolve_gpu_layers(config), verbose=False)


def raw_llama(config: EngineConfig, job: CloneJob) -> tuple[float, float, float]:
    """(decode tok/s, seconds to first token, verify cost) with llama-cpp-python used
    directly. The verify cost is what each further token in one pass adds, in passes of one
    token, measured on the same context after the answer."""
    llm = _raw_llm(config)
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
        return ((len(times) - 1) / (times[-1] - times[0]), times[0] - started,
                verify_cost(llm))
    finally:
        llm.close()


def verify_cost(llm: llama_cpp.Llama) -> float:
    decoder = Decoder(llm.ctx, llm.n_vocab())
    try:
        end = decoder.kept_positions()[1] + 1
        one, many = [], []
        for _ in range(5):
            for n, out in ((1, one), (VERIFY_TOKENS, many)):
                started = time.perf_counter()
                decoder.evaluate([llm.token_bos()] * n, end)
                out.append(time.perf_counter() - started)
                decoder.drop_from(end)
        single = statistics.median(one)
        return max(0.0, statistics.median(many) - single) / (VERIFY_TOKENS - 1) / single
    finally:
        decoder.close()


def app_path(backend: WorkerBackend, job: CloneJob) -> tuple[float, float, GenerationStats]:
    started = time.monotonic()
    times = []
    events = list(run_clone(job, backend))
    for ev in events:
        if isinstance(ev, TokenChunk):
            times.append(ev.at)
    result = unwrap(events[-1])
    return (len(times) - 1) / (times[-1] - times[0]), times[0] - started, result.stats


def decode_case(name: str, config: EngineConfig, args: argparse.Namespace) -> float:
    """Measure one model; return its verify cost."""
    shot = load_screenshot(asset("samples/joke-card.png"))
    spec = CloneJob(screenshot=shot, max_tokens=args.tokens, temperature=0.0, seed=1)
    plain = dataclasses.replace(spec, speculate=False)
    backend = WorkerBackend(config)
    raw, on, off = [], [], []
    try:
        app_path(backend, plain)  # load the model in the worker and warm up; speculation
        app_path(backend, spec)  # times its first verification here, once per loaded model
        for _ in range(args.rounds):
            raw.append(raw_llama(config, plain))
            on.append(app_path(backend, spec))
            off.append(app_path(backend, plain))
    finally:
        backend.close()
    size_mb = round((config.model.stat().st_size + (config.mmproj or config.model).stat().st_size)
                    / 1e6)
    common = dict(model=name, model_mb=size_mb, tokens=args.tokens, rounds=args.rounds,
                  gpu_layers=resolve_gpu_layers(config))
    raw_tps = statistics.median(r[0] for r in raw)
    off_tps = statistics.median(a[0] for a in off)
    on_tps = statistics.median(a[0] for a in on)
    emit("decode", off_tps, "tok/s", raw_tps, lower_is_better=False, target="ratio >= 0.97",
         reference_is="raw llama-cpp-python create_chat_completion, same model and settings",
         value_is="the app path, plain decoding (--no-speculate)", **common)
    stats = [a[2] for a in on]
    drafted = sum(s.drafted for s in stats)
    kept = sum(s.accepted for s in stats)
    emit("decode_speculative", on_tps, "tok/s", off_tps, lower_is_better=False,
         reference_is="the app path with --no-speculate, same run",
         value_is="the app path with speculation (the default)",
         vs_raw_llama=round(on_tps / raw_tps, 3), drafted=drafted, accepted=kept,
         tokens_per_pass=round(sum(s.completion_tokens for s in stats)
                               / max(1, sum(s.decode_steps + 1 for s in stats)), 3),
         note="synthetic weights write gibberish, so drafts rarely match: this shows the cost "
              "of trying, the offline acceptance below shows the gain on HTML", **common)
    emit("time_to_first_token", statistics.median(a[1] for a in on), "s",
         statistics.median(r[1] for r in raw), target="ratio <= 1.05",
         reference_is="raw llama-cpp-python, same prompt and image", **common)
    cost = statistics.median(r[2] for r in raw)
    emit("verify_cost", cost, "passes per drafted token",
         note=f"a pass over {VERIFY_TOKENS} tokens costs 1 + {VERIFY_TOKENS - 1} x this "
              "one-token passes", **common)
    return cost


def offline_acceptance(vocab: Path, costs: dict[str, float]) -> None:
    """n-gram drafting on real HTML answers, exact for temperature 0 (acceptance depends only
    on the output): drafts from the clone prompt, or the prompt plus the page's visible text
    as OCR text hints would give it, and the answer so far; then also from the table of
    earlier answers, built for each page from the other pages' answers only (leave-one-out:
    no page drafts from itself)."""
    llm = llama_cpp.Llama(model_path=str(vocab), vocab_only=True, verbose=False)

    def tokens(text: str) -> list[int]:
        return llm.tokenize(text.encode(), add_bos=False, special=False)

    prompt = [*tokens(load_prompt("system")), SEPARATOR,
              *tokens(load_prompt("clone", width=1280, height=800))]
    pages = sorted(ANSWERS.glob("*.html"))
    htmls = {page: page.read_text(encoding="utf-8") for page in pages}
    answers = {page: tokens(f"```html\n{html}\n```") for page, html in htmls.items()}
    hinted = {page: [*prompt, SEPARATOR, *tokens(f"Text in the screenshot:\n{_text(html)}")]
              for page, html in htmls.items()}
    tables = {}
    for page in pages:
        table = AnswerTable("leave-one-out", llm.n_vocab())
        for other in pages:
            if other != page:
                table.add(answers[other])
        tables[page] = table.index()
    sources = {"prompt": lambda page: (prompt, None),
               "prompt+text hints": lambda page: (hinted[page], None),
               "prompt+text hints+table": lambda page: (hinted[page], tables[page])}
    for source, drafts in sources.items():
        for device, cost in costs.items():
            total = Acceptance(tokens=0, steps=0, drafted=0, accepted=0)
            for page in pages:
                context, table = drafts(page)
                a = measure_acceptance(context, answers[page], k=MAX_DRAFT, verify_cost=cost,
                                       table=table)
                total = Acceptance(tokens=total.tokens + a.tokens, steps=total.steps + a.steps,
                                   drafted=total.drafted + a.drafted,
                                   accepted=total.accepted + a.accepted)
            emit("offline_acceptance", total.tokens_per_step, "tokens per pass",
                 drafts_from=source, verify_cost=round(cost, 4), cost_of=device,
                 implied_speedup=round(total.speedup(cost), 3),
                 kept_share=round(total.accepted / max(1, total.drafted), 3),
                 pages=len(pages), answer_tokens=total.tokens, vocab=vocab.name,
                 draft_length="adaptive, as the engine chooses it, up to "
                              f"{MAX_DRAFT}; temperature 0",
                 **({"table": "the other pages' answers (leave-one-out)"} if "table" in source
                    else {}))
    llm.close()


def _text(html: str) -> str:
    """The page's visible text, as OCR text hints would give it."""
    body = BeautifulSoup(html, "html.parser").body
    return "\n".join(body.stripped_strings) if body else ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", type=Path, help="a real GGUF instead of the synthetic ones")
    parser.add_argument("--mmproj", type=Path, help="its vision projector")
    parser.add_argument("--gpu-layers", type=_gpu_layers, default=0, metavar="N|auto",
                        help="layers on the GPU for both paths; auto plans the offload as "
                             "`shotclone clone` does (default: 0)")
    parser.add_argument("--offline-only", action="store_true",
                        help="only the offline acceptance (no model is loaded; the H100's "
                             "verify cost only)")
    parser.add_argument("--vocab", type=Path, help="GGUF whose vocabulary tokenizes the HTML "
                        "answers (default: Gemma 4's, from llama-cpp-python's source package)")
    parser.add_argument("--json", action="store_true",
                        help="JSON lines only, the offload plan too (benchmarks/gpu_check.sh "
                             "reads it), and no progress notes on stderr")
    args = parser.parse_args(argv)
    if (args.model is None) != (args.mmproj is None):
        parser.error("--model and --mmproj go together")
    llama_log.install()  # llama.cpp logs to a buffer here as in the worker, not the terminal

    def note(text: str) -> None:
        if not args.json:
            print(text, file=sys.stderr, flush=True)

    if args.offline_only:
        cases = []
    elif args.model:
        cases = [(args.model.name, args.model, args.mmproj)]
    else:
        cases = [("synthetic", *synthetic_pair(DECODE_SHAPE)),
                 ("synthetic, 262,144-token vocabulary", *synthetic_pair(REAL_VOCAB_SHAPE))]
    costs = {"H100 (measured by gpu_check.sh)": H100_VERIFY_COST}
    for name, model, mmproj in cases:
        note(f"decoding with {name} ...")
        config, plan = auto_plan(EngineConfig(model=model, mmproj=mmproj, n_ctx=8192,
                                              gpu_layers=args.gpu_layers))
        if args.json:
            print(json.dumps({"bench": "offload", "model": name, "plan": plan,
                              "gpu_layers": config.gpu_layers, "n_ctx": config.n_ctx}),
                  flush=True)
        else:
            print(f"offload: {plan}", file=sys.stderr)
        costs[f"{name}, measured"] = decode_case(name, config, args)
    note("offline acceptance on real HTML ...")
    vocab = args.vocab or gemma4_vocab()
    if vocab is None:
        emit("offline_acceptance", 0.0, "tokens per pass", skipped="no Gemma 4 vocabulary here "
             "(run benchmarks/gpu_carry.sh, or pass --vocab)", verify_costs=costs)
    else:
        offline_acceptance(vocab, costs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
