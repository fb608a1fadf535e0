"""Choosing the next token from one row of logits, with the sampler chain llama-cpp-python's
``create_chat_completion`` uses by default (top-k 40, top-p 0.95, min-p 0.05, then temperature;
greedy at temperature 0). The engine samples itself because speculative decoding needs the whole
target distribution at each verified position, not just one drawn token."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, kw_only=True)
class SamplingParams:
    temperature: float = 0.2
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0


def distribution(logits: np.ndarray, params: SamplingParams) -> tuple[np.ndarray, np.ndarray]:
    """(token ids, probabilities) the sampler draws from, in llama.cpp's order: top-k, top-p
    and min-p on the raw logits, then the temperature."""
    k = min(params.top_k, logits.shape[0]) if params.top_k > 0 else logits.shape[0]
    ids = np.argpartition(logits, -k)[-k:]
    ids = ids[np.argsort(-logits[ids], kind="stable")]
    kept = logits[ids].astype(np.float64)
    if params.top_p < 1.0:
        p = np.exp(kept - kept[0])
        p /= p.sum()
        last = int(np.searchsorted(np.cumsum(p), params.top_p)) + 1
        ids, kept = ids[:last], kept[:last]
    if params.min_p > 0.0:
        keep = kept >= kept[0] + np.log(params.min_p)
        ids, kept = ids[keep], kept[keep]
    p = np.exp((kept - kept[0]) / params.temperature)
    return ids, p / p.sum()


def pick(logits: np.ndarray, params: SamplingParams, u: float) -> int:
    """The next token: the most likely one at temperature 0, else the draw that the uniform
    number ``u`` in [0, 1) selects (inverse CDF, so one number decides one position)."""
    if params.greedy:
        return int(np.argmax(logits))
    ids, p = distribution(logits, params)
    return int(ids[min(int(np.searchsorted(np.cumsum(p), u, side="right")), len(ids) - 1)])
