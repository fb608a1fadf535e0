"""The real-shaped Gemma 4 12B pair: its real size on a sparse file, written in seconds; its
header, pairing checks and the GPU planner at that scale."""

from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType

from inference.config import EngineConfig, GenerationRequest
from inference.engine import LocalEngine
from inference.errors import BadGGUF, ModelMismatch
from inference.events import GenerationDone, TokenText
from inference.gguf import inspect_pair, read_gguf
from inference.synthetic import (
    GEMMA4_12B,
    Gemma4Shape,
    gemma4_tensors,
    write_real_shaped_pair,
)
from inference.vram import needs_on_cpu, plan_offload


def test_real_size_little_disk(real_shaped: tuple[Path, Path]) -> None:
    model, mmproj = real_shaped
    assert 7.3e9 < model.stat().st_size < 7.5e9  # Gemma 3 12B's published Q4_K_M is 7.3 GB
    assert model.stat().st_blocks * 512 < 64 << 20  # the weights are a hole
    assert 20e6 < mmproj.stat().st_size < 40e6


def test_q4_k_m_recipe() -> None:
    tensors = {name: qtype for name, _, qtype in gemma4_tensors(GEMMA4_12B)}
    assert len(tensors) == 3 + 13 * 48
    assert tensors["token_embd.weight"] == GGMLQuantizationType.Q6_K  # the tied output
    q6_down = [i for i in range(48) if tensors[f"blk.{i}.ffn_down.weight"] ==
               GGMLQuantizationType.Q6_K]
    assert q6_down[:8] == [0, 1, 2, 3, 4, 5, 8, 11] and q6_down[-6:] == [42, 43, 44, 45, 46, 47]
    assert tensors["blk.6.ffn_up.weight"] == GGMLQuantizationType.Q4_K
    assert GEMMA4_12B.swa_pattern.count(False) == 8  # one global layer in six


def test_header_of_the_real_shape(real_shaped: tuple[Path, Path]) -> None:
    pair = inspect_pair(*real_shaped)
    model, mmproj = pair.model, pair.mmproj
    assert model.vocab_size == 262144 and model.block_count == 48
    assert (model.embedding_length, model.head_count, model.head_count_kv) == (3840, 16, 8)
    assert model.kv_heads[:6] == (8, 8, 8, 8, 8, 2) and model.key_length == 512
    assert model.swa_pattern == tuple(GEMMA4_12B.swa_pattern) and model.sliding_window == 1024
    assert model.quant == "Q4_K_M" and model.tensor_count == 627
    assert model.output_bytes == 262144 * 3840 // 256 * 210  # the tied Q6_K embeddings
    assert sum(model.layer_bytes) + model.other_bytes == model.tensor_bytes
    assert mmproj.projection_dim == 3840 and mmproj.quant == "F16"


def test_pairing_errors_at_real_scale(tmp_path: Path, real_shaped: tuple[Path, Path],
                                      tiny_model: tuple[Path, Path]) -> None:
    model, mmproj = real_shaped
    with pytest.raises(ModelMismatch, match="projects images to 64 dimensions.*3840"):
        inspect_pair(model, tiny_model[1])
    with pytest.raises(ModelMismatch, match="is a vision projector"):
        inspect_pair(mmproj, model)
    cut = tmp_path / "cut.gguf"  # an interrupted download: the header and half the weights
    with model.open("rb") as f:
        cut.write_bytes(f.read(16 << 20))
    with cut.open("r+b") as f:
        f.truncate(model.stat().st_size // 2)
    with pytest.raises(BadGGUF, match="cut short: it holds 3,699,"):
        read_gguf(cut)


def test_planner_at_real_scale(real_shaped: tuple[Path, Path]) -> None:
    pair = inspect_pair(*real_shaped)
    eight_gb = plan_offload(pair.model, pair.mmproj, int(7.6e9), n_ctx=32768, n_ubatch=1120)
    assert 20 < eight_gb.gpu_layers < 48 and not eight_gb.context_reduced
    ten = plan_offload(pair.model, pair.mmproj, int(10.5e9), n_ctx=32768, n_ubatch=1120)
    assert ten.fits_all and ten.n_ctx == 16384 and ten.context_reduced
    cpu = needs_on_cpu(pair.model, 4096, 1120)
    assert cpu.compute == 1120 * 4 * 262144  # the logits of a 262k vocabulary dominate


def test_random_q4_data_runs_in_llama_cpp(tmp_path: Path, ui_png: Path) -> None:
    """gpu_check.sh's model, at a small size: random Q4_K/Q6_K blocks with sane scales, which
    llama.cpp decodes into plain words of the 262k vocabulary (NaN scales would not)."""
    small = Gemma4Shape(n_embd=256, n_layer=2, n_head=2, n_head_kv=1, head_dim=128, n_ff=512,
                        swa_every=2, vision_dim=32, vocab_size=262144)
    model, mmproj = write_real_shaped_pair(tmp_path, random_data=True, shape=small)
    info = read_gguf(model)
    assert info.vocab_size == 262144 and info.block_count == 2
    blocks = np.fromfile(model, np.uint8, count=144 * 64, offset=info.size_bytes - 144 * 64)
    assert blocks.any()
    engine = LocalEngine(EngineConfig(model=model, mmproj=mmproj, n_ctx=2048, image_tokens=128,
                                      gpu_layers=0))
    try:
        events = list(engine.stream(GenerationRequest(
            system="", prompt="HTML please", image_png=ui_png.read_bytes(), max_tokens=6,
            temperature=0.8, seed=3)))
    finally:
        engine.close()
    text = "".join(e.text for e in events if isinstance(e, TokenText))
    assert isinstance(events[-1], GenerationDone) and events[-1].stats.completion_tokens == 6
    assert text.strip()
