"""The decode loop after llama.cpp has read the image and prompt: plain one token per pass, or
speculative, verifying up to k n-gram drafts in one ``llama_decode`` with logits at every
position and dropping the rejected positions from the KV cache.

Dropping positions is safe with a small sliding-window cache (``swa_full=False``): llama.cpp
reuses a window cell only when it is out of the window of the sequence's next position, judged
from the positions held *before* the batch (``llama_kv_cache::find_slot``), and a verification
keeps at least its first position, so every position the next pass can attend to is still
there. tests/inference/test_speculative_decode.py checks it with a window far shorter than the
answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import llama_cpp
import numpy as np

from inference.sampling import SamplingParams, pick
from inference.speculative import (
    MAX_DRAFT,
    DraftLength,
    NgramDrafter,
    ShadowDraft,
    accept_draft,
)

if TYPE_CHECKING:
    from inference.draft_table import NgramIndex


class DecodeFailed(RuntimeError):
    pass


@dataclass(slots=True)
class DecodeStats:
    steps: int = 0  # llama_decode calls
    drafted: int = 0  # draft tokens verified
    accepted: int = 0  # of which kept
    ties: int = 0  # verifications that ended at a near tie, decided again in one-token passes


class Decoder:
    """One llama context's decoding. Holds a batch big enough for a verification."""

    def __init__(self, ctx: Any, n_vocab: int, max_draft: int = MAX_DRAFT) -> None:
        self._ctx = ctx
        self._mem = llama_cpp.llama_get_memory(ctx)
        self._n_vocab = n_vocab
        self._size = max_draft + 1
        self._batch = llama_cpp.llama_batch_init(self._size, 0, 1)
        # what passes cost and how well drafts do, learned across answers of this model
        self.length = DraftLength(max_k=max_draft)

    def close(self) -> None:
        if self._batch is not None:
            llama_cpp.llama_batch_free(self._batch)
            self._batch = None

    def last_logits(self) -> np.ndarray:
        """The logits of the last position the prompt evaluation computed."""
        ptr = llama_cpp.llama_get_logits_ith(self._ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(self._n_vocab,))

    def evaluate(self, tokens: Sequence[int], n_past: int) -> np.ndarray:
        """Logits after each of ``tokens`` (placed from position ``n_past``): a view into
        llama.cpp's buffer, valid until the next call."""
        b = self._batch
        n = len(tokens)
        b.n_tokens = n
        for i, t in enumerate(tokens):
            b.token[i] = t
            b.pos[i] = n_past + i
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = 0
            b.logits[i] = True
        code = llama_cpp.llama_decode(self._ctx, b)
        if code != 0:
            raise DecodeFailed(f"llama_decode returned {code}")
        ptr = llama_cpp.llama_get_logits(self._ctx)
        return np.ctypeslib.as_array(ptr, shape=(n, self._n_vocab))

    def drop_from(self, pos: int) -> None:
        """Forget every position from ``pos`` on (rejected drafts)."""
        if not llama_cpp.llama_memory_seq_rm(self._mem, 0, pos, -1):
            raise DecodeFailed(f"llama.cpp could not drop KV positions from {pos}")

    def kept_positions(self) -> tuple[int, int]:
        """(lowest, highest) position the KV cache holds; the lowest is that of the sliding
        window's cache on models with one."""
        return (llama_cpp.llama_memory_seq_pos_min(self._mem, 0),
                llama_cpp.llama_memory_seq_pos_max(self._mem, 0))

    def generate(self, *, n_past: int, budget: int, params: SamplingParams,
                 rng: np.random.Generator, is_end: Callable[[int], bool], speculate: bool,
                 context: Sequence[int] = (), table: NgramIndex | None = None,
                 stats: DecodeStats | None = None) -> Iterator[list[int]]:
        """Yield the tokens each pass produces (one, or accepted drafts plus one), at most
        ``budget`` in all, ending after an end-of-generation token. The prompt must just have
        been evaluated, ending at ``n_past``. ``context`` (the prompt's text tokens) seeds the
        drafts; ``table`` (earlier answers) adds drafts where they have none."""
        stats = stats if stats is not None else DecodeStats()
        drafter = NgramDrafter(context, table=table) if speculate else None
        length = self.length
        shadow = ShadowDraft()  # a draft not verified, checked against the tokens as they come
        uniforms = rng.random(budget)  # one per answer position: see accept_draft
        done = 0
        token = pick(self.last_logits(), params, uniforms[0])
        produced = [token]
        tie = False  # the last pass ended at a near tie: the next one is a one-token pass
        while True:
            if produced:
                if drafter is not None:
                    for t in produced:
                        drafter.append(t)
                    shadow.check(produced, length)
                yield produced
                done += len(produced)
                if is_end(produced[-1]) or done >= budget:
                    return
            draft: list[int] = []
            order = 0
            if drafter is not None and not tie:
                draft, order = drafter.propose(min(self._size - 1, budget - done - 1))
                k = length.choose(len(draft), order)
                if k == 0 and draft and not shadow.draft:
                    shadow = ShadowDraft(draft, order)
                draft = draft[:k]
            started = time.perf_counter()
            batch = [token, *draft]
            rows = self.evaluate(batch, n_past)
            produced, tie = accept_draft(rows, draft, params, uniforms[done:])
            length.observe_cost(len(batch), time.perf_counter() - started)
            stats.steps += 1
            stats.drafted += len(draft)
            if tie:  # keep the drafts before the tie; the token that led to it is done again
                kept = len(produced)
                length.observe_tokens(order, kept, kept)
                stats.ties += 1
                token = batch[kept]
                n_past += kept
                self.drop_from(n_past)
            else:
                kept = len(produced) - 1
                length.observe_tokens(order, len(draft), kept)
                n_past += 1 + kept
                if kept < len(draft):
                    self.drop_from(n_past)
                token = produced[-1]
            stats.accepted += kept
            ends = [i for i, t in enumerate(produced) if is_end(t)]
            if ends:
                produced = produced[:ends[0] + 1]
