"""The real-shaped Gemma 4 12B pair: its real size on a sparse file, written in seconds."""

from pathlib import Path

from gguf import GGMLQuantizationType

from inference.synthetic import GEMMA4_12B, gemma4_tensors


def test_real_size_little_disk(real_shaped: tuple[Path, Path]) -> None:
    model, mmproj = real_shaped
    assert 7.2e9 < model.stat().st_size < 7.4e9  # Gemma 3 12B's published Q4_K_M is 7.3 GB
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
