"""Synthetic Gemma 4 models for speed work, written once and kept between runs."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, replace
from pathlib import Path

from app.settings import data_dir
from inference.synthetic import Gemma4Shape, write_pair

# Hundreds of MB, so that compute and memory traffic dominate decoding, as in a real model.
DECODE_SHAPE = Gemma4Shape(n_embd=1024, n_layer=12, n_head=8, n_head_kv=4, head_dim=128,
                           n_ff=4096, f16=True)
# The same with Gemma 4's vocabulary size (padded with unused tokens): the output layer and the
# per-token work on 262,144 logits as in the real model.
REAL_VOCAB_SHAPE = replace(DECODE_SHAPE, vocab_size=262_144)


def synthetic_pair(shape: Gemma4Shape) -> tuple[Path, Path]:
    key = hashlib.sha1(repr(sorted(asdict(shape).items())).encode()).hexdigest()[:10]
    folder = data_dir() / "bench-models" / key
    model = folder / "synthetic-gemma4.gguf"
    mmproj = folder / "mmproj-synthetic-gemma4.gguf"
    if not (model.is_file() and mmproj.is_file()):
        write_pair(folder, shape)
    return model, mmproj
