"""The in-process engine: load a vision GGUF pair with llama-cpp-python and stream an answer
about one image, with live statistics. It runs wherever it is put: in the CLI's own process or
inside the model worker process."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import llama_chat_format

from inference import llama_log
from inference.cancel import CancelToken
from inference.config import EngineConfig, GenerationRequest
from inference.decode import Decoder, DecodeStats
from inference.detokenize import StreamDetokenizer
from inference.draft_table import AnswerTable
from inference.errors import GenerationFailed, ModelLoadFailed
from inference.events import (
    EngineEvent,
    FinishReason,
    GenerationDone,
    GenerationStats,
    ImageEncoded,
    ModelLoaded,
    ModelLoading,
    PromptStarted,
    TokenText,
)
from inference.gguf import VisionModel, inspect_pair
from inference.messages import chat_messages
from inference.sampling import SamplingParams
from inference.speculative import SEPARATOR

_CACHE_TYPES = {"f16": llama_cpp.GGML_TYPE_F16, "q8_0": llama_cpp.GGML_TYPE_Q8_0,
                "q4_0": llama_cpp.GGML_TYPE_Q4_0}
ALL_LAYERS = 999  # llama.cpp caps this at the model's layer count


def gpu_offload_supported() -> bool:
    """Whether this llama-cpp-python build can put layers on a GPU at all."""
    return bool(llama_cpp.llama_supports_gpu_offload())


def resolve_gpu_layers(config: EngineConfig) -> int:
    if config.gpu_layers == "auto":
        return ALL_LAYERS if gpu_offload_supported() else 0
    return config.gpu_layers


def llama_settings(config: EngineConfig, gpu_layers: int) -> dict[str, Any]:
    """The text model's ``Llama`` arguments (benchmarks/gpu_diagnose.py loads with them too)."""
    return dict(model_path=str(config.model), n_gpu_layers=gpu_layers, n_ctx=config.n_ctx,
                n_batch=config.n_batch, n_ubatch=config.debug_ubatch or config.n_batch,
                n_threads=config.n_threads, flash_attn=config.flash_attn, swa_full=False,
                type_k=_CACHE_TYPES[config.cache_type], type_v=_CACHE_TYPES[config.cache_type])


class _MtmdHooks:
    """Stands in for the ``llama_cpp.mtmd_cpp`` module inside a chat handler: sets the image
    token budget the handlers never set, and times each image as llama.cpp encodes it."""

    def __init__(self, module: Any, image_tokens: int,
                 on_image: Callable[[int, int, float], None]) -> None:
        self._module = module
        self._image_tokens = image_tokens
        self._on_image = on_image

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def mtmd_context_params_default(self) -> Any:
        params = self._module.mtmd_context_params_default()
        params.image_max_tokens = self._image_tokens
        return params

    def mtmd_helper_eval_chunk_single(self, ctx: Any, lctx: Any, chunk: Any, n_past: Any,
                                      *args: Any) -> int:
        m = self._module
        is_text = m.mtmd_input_chunk_get_type(chunk) == m.MTMD_INPUT_CHUNK_TYPE_TEXT
        started = time.monotonic()
        result = m.mtmd_helper_eval_chunk_single(ctx, lctx, chunk, n_past, *args)
        if not is_text:
            self._on_image(int(getattr(n_past, "value", n_past)),
                           m.mtmd_input_chunk_get_n_tokens(chunk), time.monotonic() - started)
        return result


def make_handler(vision: VisionModel, image_tokens: int,
                 on_image: Callable[[int, int, float], None], *, verbose: bool = False) -> Any:
    name = vision.legacy_handler or "MTMDChatHandler"
    handler = getattr(llama_chat_format, name)(clip_model_path=str(vision.mmproj.path),
                                               verbose=verbose)
    handler._mtmd_cpp = _MtmdHooks(handler._mtmd_cpp, image_tokens, on_image)
    return handler


class LocalEngine:
    """One loaded model. Not thread-safe: one request at a time."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.vision = inspect_pair(config.model, config.mmproj)
        self._llm: llama_cpp.Llama | None = None
        self._images: list[ImageEncoded] = []
        self._image_spans: list[tuple[int, int]] = []  # (first position, tokens) per image
        self._decoder: Decoder | None = None
        self._detokenizer: StreamDetokenizer | None = None
        self.drafts: AnswerTable | None = None  # earlier answers, when config.draft_tables
        self.load_seconds = 0.0
        self.gpu_layers = resolve_gpu_layers(config)

    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def _on_image(self, start: int, tokens: int, seconds: float) -> None:
        self._images.append(ImageEncoded(tokens=tokens, seconds=seconds))
        self._image_spans.append((start, tokens))

    def load(self) -> ModelLoaded:
        if self._llm is None:
            llama_log.install()
            cfg = self.config
            started = time.monotonic()
            handler = make_handler(self.vision, cfg.image_tokens, self._on_image)
            try:
                llm = llama_cpp.Llama(chat_handler=handler,
                                      **llama_settings(cfg, self.gpu_layers), verbose=False)
            except (ValueError, RuntimeError) as e:
                raise ModelLoadFailed(self._failure("load the model", e), path=cfg.model) from e
            try:
                handler._init_mtmd_context(llm)  # load the projector now, not at the first image
            except (ValueError, RuntimeError) as e:
                llm.close()
                raise ModelLoadFailed(self._failure("load the vision projector", e),
                                      path=cfg.mmproj) from e
            self._llm = llm
            self._decoder = Decoder(llm.ctx, llm.n_vocab())
            vocab = llama_cpp.llama_model_get_vocab(llm.model)
            self._detokenizer = StreamDetokenizer(vocab)
            if cfg.draft_tables is not None:
                self.drafts = AnswerTable.for_vocabulary(
                    cfg.draft_tables, llm.n_vocab(),
                    lambda t: llama_cpp.llama_vocab_get_text(vocab, t) or b"")
            self.load_seconds = time.monotonic() - started
        return ModelLoaded(model=self.vision.model.display_name, seconds=self.load_seconds,
                           gpu_layers=self.gpu_layers,
                           gpu_offload_supported=gpu_offload_supported())

    @staticmethod
    def _failure(what: str, error: Exception) -> str:
        lines = llama_log.tail(8)
        hint = ""
        if any("out of memory" in line or "failed to allocate" in line for line in lines):
            hint = (" The GPU ran out of memory: use --gpu-layers auto (or fewer layers), or a "
                    "smaller --ctx.")
        log = "\n".join(lines)
        return f"llama.cpp could not {what}: {error}.{hint}\nLast lines of its log:\n{log}"

    def stream(self, request: GenerationRequest,
               cancel: CancelToken | None = None) -> Iterator[EngineEvent]:
        """Yield progress, then ``TokenText`` per token, then one ``GenerationDone``."""
        cancel = cancel or CancelToken()
        load_s = 0.0
        if not self.loaded:
            v = self.vision
            yield ModelLoading(model=v.model.display_name,
                               size_bytes=v.model.size_bytes + v.mmproj.size_bytes)
            loaded = self.load()
            load_s = loaded.seconds
            yield loaded
        llm, decoder, detok = self._llm, self._decoder, self._detokenizer
        assert llm is not None and decoder is not None and detok is not None
        self._images.clear()
        self._image_spans.clear()
        started = time.monotonic()
        yield PromptStarted()
        n = 0
        first = last = 0.0
        finish: FinishReason = "length"
        counts = DecodeStats()
        answer: list[int] = []
        detok.reset()
        vocab = llama_cpp.llama_model_get_vocab(llm.model)
        try:
            self._read_prompt(llm, request)
            prompt_tokens = llm.n_tokens
            yield from self._images
            tokens = decoder.generate(
                n_past=prompt_tokens, budget=min(request.max_tokens, llm.n_ctx() - prompt_tokens),
                params=SamplingParams(temperature=request.temperature),
                rng=np.random.default_rng(request.seed), speculate=request.speculate,
                is_end=lambda t: llama_cpp.llama_vocab_is_eog(vocab, t),
                context=self._prompt_text_tokens(llm), stats=counts,
                table=self.drafts.index() if self.drafts is not None and request.speculate
                else None)
            try:
                for produced in tokens:
                    for token in produced:
                        if cancel.cancelled:  # also when it came during a verification
                            finish = "cancelled"
                            break
                        if llama_cpp.llama_vocab_is_eog(vocab, token):
                            finish = "stop"
                            break
                        n += 1
                        answer.append(token)
                        last = time.monotonic()
                        first = first or last
                        yield TokenText(text=detok.push(token), n_tokens=n)
                    else:
                        continue
                    break
            finally:
                tokens.close()
            rest = detok.flush()
            if rest:
                yield TokenText(text=rest, n_tokens=n)
        except (ValueError, RuntimeError) as e:
            raise GenerationFailed(self._generation_failure(e)) from e
        if self.drafts is not None and finish != "cancelled":
            self.drafts.remember(answer)
        decode_s = last - first
        stats = GenerationStats(
            prompt_tokens=prompt_tokens,
            image_tokens=sum(i.tokens for i in self._images),
            completion_tokens=n,
            load_s=load_s,
            ttft_s=(first or time.monotonic()) - started,
            decode_tps=(n - 1) / decode_s if n > 1 and decode_s > 0 else 0.0,
            total_s=time.monotonic() - started,
            speculative=request.speculate,
            decode_steps=counts.steps,
            drafted=counts.drafted,
            accepted=counts.accepted,
            ties=counts.ties,
        )
        yield GenerationDone(finish_reason=finish, stats=stats)

    @staticmethod
    def _read_prompt(llm: llama_cpp.Llama, request: GenerationRequest) -> None:
        """Encode the image and read the prompt through the chat handler, which renders the
        model's chat template and feeds text and image chunks to llama.cpp. It does that before
        it returns its (lazy) token stream, which is closed unread: the decode loop is ours."""
        unread: Any = llm.create_chat_completion(
            messages=chat_messages(request),  # type: ignore[arg-type]
            stream=True, max_tokens=1)
        unread.close()

    def _prompt_text_tokens(self, llm: llama_cpp.Llama) -> list[int]:
        """The prompt's tokens for drafting, each image replaced by one separator (llama-cpp-
        python leaves stale ids at image positions)."""
        ids = llm.input_ids[: llm.n_tokens].tolist()
        for start, count in sorted(self._image_spans, reverse=True):
            ids[start:start + count] = [SEPARATOR]
        return ids

    def _generation_failure(self, e: Exception) -> str:
        msg = str(e)
        if "exceeds n_ctx" in msg:
            return (f"The prompt and image do not fit the {self.config.n_ctx}-token context "
                    f"({msg}). Raise the context (--ctx) or lower the image budget "
                    "(--image-tokens).")
        return self._failure("finish the answer", e)

    def close(self) -> None:
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None
        if self._llm is not None:
            self._llm.close()
            self._llm = None
