"""How many layers and how much context fit the GPU, from the GGUF itself: bytes per layer
from its tensors, KV-cache bytes per token (sliding-window layers hold only their window), the
output layer, the projector, llama.cpp's compute buffer, and a safety margin.

The compute-buffer model was fitted to what llama.cpp reports for synthetic Gemma 4 shapes
(benchmarks/bench_planner.py checks it): the larger of a layer's peak (the attention mask, f16,
one row per micro-batch token and one column per KV cell, plus per token 4 x the FFN width or
5 x the embedding width in f32) and the logits (per token the vocabulary, padded to 1024, in
f32). With Gemma's 262k vocabulary and a 1120-token micro-batch the logits dominate: ~1.1 GB."""

from __future__ import annotations

from dataclasses import dataclass, replace

from inference.config import EngineConfig
from inference.gguf import GGUFInfo, read_gguf
from inference.gpus import Gpu, detect_gpus

MIB = 1 << 20
KV_TYPE_BYTES = {"f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}
CELL_PAD = 256  # llama.cpp rounds KV cells up to this
MIN_CONTEXT = 8192
PROJECTOR_COMPUTE = 64 * MIB  # the vision encoder's own buffers, beside its weights


def _pad(n: int, to: int = CELL_PAD) -> int:
    return -(-n // to) * to


@dataclass(frozen=True, kw_only=True)
class MemoryNeeds:
    """Bytes llama.cpp will allocate for one model at one context, all on one device."""

    weights: int
    kv: int
    compute: int

    @property
    def total(self) -> int:
        return self.weights + self.kv + self.compute


def swa_cells(model: GGUFInfo, n_ctx: int, n_ubatch: int) -> int:
    return min(_pad(n_ctx), _pad((model.sliding_window or n_ctx) + n_ubatch))


def kv_bytes_per_layer(model: GGUFInfo, n_ctx: int, n_ubatch: int,
                       cache_type: str = "f16") -> list[int]:
    per_value = KV_TYPE_BYTES[cache_type]
    pattern = model.swa_pattern or (False,) * (model.block_count or 0)
    heads = model.kv_heads
    if len(heads) != len(pattern):  # no per-layer figure to trust: the most for every layer
        heads = (model.head_count_kv or model.head_count or 1,) * len(pattern)
    out = []
    for is_swa, kv_heads in zip(pattern, heads, strict=True):
        if is_swa:
            dims = (model.key_length_swa or 0) + (model.value_length_swa or 0)
            cells = swa_cells(model, n_ctx, n_ubatch)
        else:
            dims = (model.key_length or 0) + (model.value_length or 0)
            cells = _pad(n_ctx)
        out.append(round(cells * kv_heads * dims * per_value))
    return out


def compute_bytes(model: GGUFInfo, n_ctx: int, n_ubatch: int) -> int:
    has_swa = any(model.swa_pattern)
    mask_columns = _pad(n_ctx) + (swa_cells(model, n_ctx, n_ubatch) if has_swa else 0)
    layer_peak = mask_columns * n_ubatch * 2 + n_ubatch * 4 * max(
        4 * (model.feed_forward_length or 0), 5 * (model.embedding_length or 0))
    logits_peak = n_ubatch * 4 * _pad(model.vocab_size or 0, 1024)
    return max(layer_peak, logits_peak)


def needs_on_cpu(model: GGUFInfo, n_ctx: int, n_ubatch: int,
                 cache_type: str = "f16") -> MemoryNeeds:
    """What llama.cpp reports when everything stays on the CPU (the planner's check)."""
    return MemoryNeeds(weights=sum(model.layer_bytes) + model.other_bytes,
                       kv=sum(kv_bytes_per_layer(model, n_ctx, n_ubatch, cache_type)),
                       compute=compute_bytes(model, n_ctx, n_ubatch))


def needs_on_gpu(model: GGUFInfo, gpu_layers: int, n_ctx: int, n_ubatch: int,
                 cache_type: str = "f16") -> MemoryNeeds:
    """What llama.cpp puts on the GPU for ``gpu_layers``: the last layers with their KV cache
    (llama.cpp offloads from the end), the output matrix once every layer is there
    (n_gpu_layers = n_layer + 1), and the compute buffer once anything is."""
    n_layer = model.block_count or len(model.layer_bytes)
    on_gpu = range(max(0, n_layer - gpu_layers), n_layer)
    kv = kv_bytes_per_layer(model, n_ctx, n_ubatch, cache_type)
    return MemoryNeeds(
        weights=sum(model.layer_bytes[i] for i in on_gpu)
        + (model.output_bytes if gpu_layers > n_layer else 0),
        kv=sum(kv[i] for i in on_gpu),
        compute=compute_bytes(model, n_ctx, n_ubatch) if gpu_layers else 0)


@dataclass(frozen=True, kw_only=True)
class OffloadPlan:
    gpu_layers: int  # what to pass as n_gpu_layers
    n_layer: int
    n_ctx: int
    used: int  # bytes on the GPU
    free: int
    context_reduced: bool = False
    gpu_name: str = "GPU"

    @property
    def fits_all(self) -> bool:
        return self.gpu_layers > self.n_layer

    def explain(self) -> str:
        on_gpu = min(self.gpu_layers, self.n_layer)
        ctx = f"{self.n_ctx // 1024}k" if self.n_ctx % 1024 == 0 else str(self.n_ctx)
        text = (f"{on_gpu} of {self.n_layer} layers on the {self.gpu_name}, {ctx} context, "
                f"{self.used / 1e9:.1f} of {self.free / 1e9:.1f} GB")
        if self.context_reduced:
            text += " (context reduced so that every layer fits)"
        elif on_gpu == 0:
            text += " (nothing fits: running on the CPU)"
        return text


def plan_offload(model: GGUFInfo, mmproj: GGUFInfo | None, free: int, *, n_ctx: int,
                 n_ubatch: int, cache_type: str = "f16", gpu_name: str = "GPU",
                 margin: int | None = None) -> OffloadPlan:
    """The most layers that fit in ``free`` bytes; when not all fit at ``n_ctx``, a smaller
    context (down to 8k) that lets every layer fit is preferred."""
    margin = margin if margin is not None else max(384 * MIB, free // 20)
    n_layer = model.block_count or len(model.layer_bytes)
    projector = (mmproj.tensor_bytes + PROJECTOR_COMPUTE) if mmproj else 0

    def fit(ctx: int) -> tuple[int, int]:
        budget = free - margin - projector
        layers = 0
        for n in range(1, n_layer + 2):
            if needs_on_gpu(model, n, ctx, n_ubatch, cache_type).total > budget:
                break
            layers = n
        return layers, (needs_on_gpu(model, layers, ctx, n_ubatch, cache_type).total
                        + projector if layers else 0)

    layers, used = fit(n_ctx)
    if layers > n_layer:
        return OffloadPlan(gpu_layers=layers, n_layer=n_layer, n_ctx=n_ctx, used=used, free=free,
                           gpu_name=gpu_name)
    ctx = n_ctx // 2
    while ctx >= MIN_CONTEXT:
        smaller, smaller_used = fit(ctx)
        if smaller > n_layer:
            return OffloadPlan(gpu_layers=smaller, n_layer=n_layer, n_ctx=ctx,
                               used=smaller_used, free=free, context_reduced=True,
                               gpu_name=gpu_name)
        ctx //= 2
    return OffloadPlan(gpu_layers=layers, n_layer=n_layer, n_ctx=n_ctx, used=used, free=free,
                       gpu_name=gpu_name)


def auto_plan(config: EngineConfig, gpus: list[Gpu] | None = None,
              offload: bool | None = None) -> tuple[EngineConfig, str]:
    """Settle ``gpu_layers="auto"`` (and the context, when that lets every layer fit) for this
    machine, and say what was decided in one line."""
    if offload is None:
        from inference.engine import gpu_offload_supported

        offload = gpu_offload_supported()
    if config.gpu_layers != "auto":
        asked = config.gpu_layers
        if asked > 0 and not offload:
            return config, (f"{asked} GPU layers asked for, but this llama.cpp build runs on "
                            "the CPU only; `shotclone doctor` says how to fix it")
        gpus = detect_gpus() if gpus is None and asked > 0 else gpus or []
        if gpus:
            gpu = max(gpus, key=lambda g: g.free)
            plan = plan_offload(read_gguf(config.model),
                                read_gguf(config.mmproj) if config.mmproj else None, gpu.free,
                                n_ctx=config.n_ctx, n_ubatch=config.n_batch,
                                cache_type=config.cache_type, gpu_name=gpu.name)
            if asked > plan.gpu_layers and not plan.context_reduced:
                return config, (f"{asked} GPU layers, as set, but only {plan.gpu_layers} fit "
                                f"the {gpu.name}'s {gpu.free / 1e9:.1f} GB free at this "
                                "context: loading may fail for lack of memory; --gpu-layers "
                                "auto picks what fits")
        return config, f"{asked} GPU layers, as set"
    if not offload:
        return replace(config, gpu_layers=0), ("running on the CPU: this llama.cpp build "
                                               "cannot use a GPU (see `shotclone doctor`)")
    gpus = detect_gpus() if gpus is None else gpus
    if not gpus:
        return replace(config, gpu_layers=999), ("every layer on the GPU (its free memory "
                                                 "could not be read)")
    gpu = max(gpus, key=lambda g: g.free)
    plan = plan_offload(read_gguf(config.model),
                        read_gguf(config.mmproj) if config.mmproj else None, gpu.free,
                        n_ctx=config.n_ctx, n_ubatch=config.n_batch,
                        cache_type=config.cache_type, gpu_name=gpu.name)
    return replace(config, gpu_layers=plan.gpu_layers, n_ctx=plan.n_ctx), plan.explain()
