"""The GPU planner on generated GGUFs with given free-memory figures."""

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest

from inference import llama_log
from inference.config import EngineConfig
from inference.engine import LocalEngine
from inference.gguf import GGUFInfo, read_gguf
from inference.gpus import Gpu
from inference.synthetic import Gemma4Shape, write_pair
from inference.vram import (
    MIB,
    PROJECTOR_COMPUTE,
    auto_plan,
    compute_bytes,
    kv_bytes_per_layer,
    plan_offload,
)

UBATCH = 1120
MARGIN = 64 * MIB


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[GGUFInfo, GGUFInfo]:
    model, mmproj = write_pair(tmp_path_factory.mktemp("plan"), Gemma4Shape(
        n_embd=512, n_layer=8, n_head=8, n_head_kv=2, head_dim=64, n_ff=2048))
    return read_gguf(model), read_gguf(mmproj)


def exact_need(model: GGUFInfo, mmproj: GGUFInfo, ctx: int, layers: int) -> int:
    """Bytes for the last ``layers`` layers at ``ctx``, with everything around them."""
    kv = kv_bytes_per_layer(model, ctx, UBATCH)
    n = model.block_count or 0
    body = sum(model.layer_bytes[i] + kv[i] for i in range(n - layers, n))
    return MARGIN + mmproj.tensor_bytes + PROJECTOR_COMPUTE + compute_bytes(model, ctx, UBATCH) \
        + body


def test_sliding_window_layers_hold_only_their_window(pair: tuple[GGUFInfo, GGUFInfo]) -> None:
    model, _ = pair
    kv = kv_bytes_per_layer(model, 32768, UBATCH)
    swa, full = kv[0], kv[1]  # layer 0 slides, layer 1 attends to everything
    assert model.swa_pattern[:2] == (True, False)
    assert full == 32768 * 2 * 128 * 2  # cells x kv heads x (k+v dims) x f16
    assert swa == 1792 * 2 * 128 * 2  # window 512 + micro-batch 1120, padded to 256
    assert kv_bytes_per_layer(model, 32768, UBATCH, "q8_0")[1] < full


def test_fits_all(pair: tuple[GGUFInfo, GGUFInfo]) -> None:
    model, mmproj = pair
    plan = plan_offload(model, mmproj, 8 << 30, n_ctx=32768, n_ubatch=UBATCH, margin=MARGIN)
    assert plan.fits_all and plan.gpu_layers == 9 and plan.n_ctx == 32768
    assert plan.explain().startswith("8 of 8 layers on the GPU, 32k context, 0.")


def test_fits_some(pair: tuple[GGUFInfo, GGUFInfo]) -> None:
    model, mmproj = pair
    free = exact_need(model, mmproj, 8192, 5) + 1000  # five layers, not six
    plan = plan_offload(model, mmproj, free, n_ctx=8192, n_ubatch=UBATCH, margin=MARGIN)
    assert plan.gpu_layers == 5 and not plan.fits_all and plan.n_ctx == 8192
    assert "5 of 8 layers" in plan.explain()


def test_fits_none(pair: tuple[GGUFInfo, GGUFInfo]) -> None:
    model, mmproj = pair
    plan = plan_offload(model, mmproj, 100 * MIB, n_ctx=16384, n_ubatch=UBATCH, margin=MARGIN)
    assert plan.gpu_layers == 0 and plan.used == 0
    assert "nothing fits: running on the CPU" in plan.explain()


def test_context_reduced_so_that_every_layer_fits(pair: tuple[GGUFInfo, GGUFInfo]) -> None:
    model, mmproj = pair
    free = exact_need(model, mmproj, 16384, 8) + model.output_bytes + 1000
    assert free < exact_need(model, mmproj, 32768, 8)  # all of them do not fit at 32k
    plan = plan_offload(model, mmproj, free, n_ctx=32768, n_ubatch=UBATCH, margin=MARGIN)
    assert plan.fits_all and plan.n_ctx == 16384 and plan.context_reduced
    assert "16k context" in plan.explain() and "context reduced" in plan.explain()


def test_auto_plan_on_this_machine_and_others(tiny_model: tuple[Path, Path]) -> None:
    config = EngineConfig(model=tiny_model[0], mmproj=tiny_model[1], n_ctx=16384)
    cpu, text = auto_plan(config, offload=False)
    assert cpu.gpu_layers == 0 and "cannot use a GPU" in text
    card = Gpu(name="RTX 4060", total=8 << 30, free=7 << 30, kind="cuda")
    gpu, text = auto_plan(config, gpus=[card], offload=True)
    assert gpu.gpu_layers == 3 and text.startswith("2 of 2 layers on the RTX 4060, 16k context")
    unknown, text = auto_plan(config, gpus=[], offload=True)
    assert unknown.gpu_layers == 999 and "could not be read" in text
    asked = EngineConfig(model=tiny_model[0], mmproj=tiny_model[1], gpu_layers=20)
    same, text = auto_plan(asked, offload=False)
    assert same.gpu_layers == 20 and "CPU only" in text and "shotclone doctor" in text


def test_too_many_layers_asked_for_the_card_are_warned_about(
        pair: tuple[GGUFInfo, GGUFInfo]) -> None:
    model, mmproj = pair
    free = exact_need(model, mmproj, 8192, 3) - MARGIN + 384 * MIB + 1000  # default margin
    small = Gpu(name="GTX 1050", total=2 << 30, free=free, kind="cuda")
    config = EngineConfig(model=model.path, mmproj=mmproj.path, n_ctx=8192, gpu_layers=8)
    same, text = auto_plan(config, gpus=[small], offload=True)
    assert same.gpu_layers == 8  # the user's choice stands, with a warning
    assert "only 3 fit the GTX 1050" in text and "--gpu-layers auto" in text
    _, text = auto_plan(replace(config, gpu_layers=2), gpus=[small], offload=True)
    assert text == "2 GPU layers, as set"


def test_full_attention_layers_of_their_own_shape(tmp_path: Path) -> None:
    """Gemma 4's full-attention layers: a larger head and fewer KV heads (a per-layer array in
    the GGUF), as llama.cpp itself counts them."""
    shape = Gemma4Shape(n_embd=256, n_layer=3, n_head=4, n_head_kv=2, head_dim=64,
                        head_dim_full=128, n_head_kv_full=1, n_ff=512, swa_every=3)
    model, mmproj = write_pair(tmp_path, shape)
    info = read_gguf(model)
    assert info.kv_heads == (2, 2, 1) and info.head_count_kv == 2
    kv = kv_bytes_per_layer(info, 4096, UBATCH)
    assert kv[2] == 4096 * 1 * 256 * 2 and kv[0] == 1792 * 2 * 128 * 2
    lines = io.StringIO()
    llama_log.install()
    previous = llama_log.set_echo(lines)
    try:
        engine = LocalEngine(EngineConfig(model=model, mmproj=mmproj, n_ctx=4096,
                                          gpu_layers=0))
        engine.load()
        engine.close()
    finally:
        llama_log.set_echo(previous)
    reported = sum(float(m) for m in re.findall(r"KV buffer size =\s+([\d.]+) MiB",
                                                  lines.getvalue()))
    assert reported == pytest.approx(sum(kv) / MIB, rel=0.01)
