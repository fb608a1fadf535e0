"""The pieces of n-gram speculation on plain token lists: drafts, draft length, acceptance."""

from __future__ import annotations

import numpy as np

from inference import speculative
from inference.sampling import SamplingParams
from inference.speculative import (
    SEPARATOR,
    DraftLength,
    NgramDrafter,
    accept_draft,
    measure_acceptance,
)


def test_draft_follows_the_latest_occurrence_of_the_longest_suffix() -> None:
    d = NgramDrafter([1, 2, 3, 4, 9, 9, 2, 3, 5, 6])
    for t in (7, 2, 3):
        d.append(t)
    assert d.propose(3) == ([5, 6, 7], 2)  # "2 3" last continued with 5 6 (7 came after)
    d.append(4)
    assert d.propose(2) == ([9, 9], 3)  # "2 3 4" seen once, at the start


def test_no_draft_without_a_match_and_none_across_a_separator() -> None:
    d = NgramDrafter([1, 2, SEPARATOR, 3])
    assert d.propose(4) == ([], 0)
    d.append(1)
    assert d.propose(4) == ([2], 1)  # stops before the image it ran into


def test_draft_length_falls_back_to_plain_decoding_when_drafts_fail() -> None:
    length = DraftLength(max_k=8)
    length.observe_cost(1, 0.050)
    assert length.choose(available=8, order=3) == 1  # the first try is the cheapest one
    length.observe_cost(2, 0.052)  # a GPU: four more tokens for a fifth of a pass
    assert length.choose(available=8, order=3) >= 1
    for _ in range(30):
        length.observe_tokens(order=3, drafted=4, accepted=0)
    assert length.choose(available=8, order=3) == 0
    for _ in range(30):  # drafts checked while decoding plainly start to match again
        length.observe_tokens(order=3, drafted=4, accepted=4)
    assert length.choose(available=8, order=3) >= 4


def test_expensive_verification_needs_better_drafts() -> None:
    cpu = DraftLength()
    cpu.observe_cost(1, 0.050)
    for _ in range(10):
        cpu.observe_cost(5, 0.200)  # each extra token costs most of a pass
    cpu.accept[2] = 0.5
    assert cpu.choose(available=8, order=2) == 0
    cpu.accept[2] = 0.97
    assert cpu.choose(available=8, order=2) > 0


def rows_preferring(tokens: list[int], vocab: int = 10) -> np.ndarray:
    rows = np.zeros((len(tokens), vocab), np.float32)
    for i, t in enumerate(tokens):
        rows[i, t] = 5.0
    return rows


def test_greedy_keeps_the_agreeing_prefix_and_the_models_own_token() -> None:
    greedy = SamplingParams(temperature=0.0)
    u = [0.5] * 4
    assert accept_draft(rows_preferring([4, 5, 6, 7]), [4, 5, 9], greedy, u) == ([4, 5, 6],
                                                                                  False)
    assert accept_draft(rows_preferring([4, 5, 6, 7]), [4, 5, 6], greedy, u) == ([4, 5, 6, 7],
                                                                                  False)
    assert accept_draft(rows_preferring([1]), [], greedy, u) == ([1], False)


def test_a_near_tie_in_a_verification_is_left_to_a_one_token_pass() -> None:
    """Two logits closer than the batched pass's noise: the drafts before them are kept, the
    position itself is not decided from the batch."""
    greedy = SamplingParams(temperature=0.0)
    u = [0.5] * 4
    rows = rows_preferring([4, 5, 6, 7])
    rows[2, 8] = rows[2, 6] - speculative.TIE_MARGIN / 2
    assert accept_draft(rows, [4, 5, 6], greedy, u) == ([4, 5], True)
    rows[2, 8] = rows[2, 6] - 2 * speculative.TIE_MARGIN  # clear enough
    assert accept_draft(rows, [4, 5, 6], greedy, u) == ([4, 5, 6, 7], False)
    tie = rows_preferring([1])
    tie[0, 2] = tie[0, 1]
    assert accept_draft(tie, [], greedy, u) == ([1], False)  # a one-token pass decides as plain
    sampled = SamplingParams(temperature=0.8)
    rows[2, 8] = rows[2, 6]
    assert not accept_draft(rows, [4, 5, 6], sampled, u)[1]  # sampling: the rule is exact


def test_sampled_acceptance_keeps_a_draft_as_often_as_the_model_would_write_it() -> None:
    """A draft token of probability p is kept for a fraction p of the random numbers, and on a
    miss the token comes from the rest of the distribution."""
    params = SamplingParams(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0)
    rows = np.log(np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]], np.float32))
    us = np.linspace(0.0, 1.0, 1000, endpoint=False)
    results = [accept_draft(rows, [1], params, [u, 0.5])[0] for u in us]
    kept = [r for r in results if r[0] == 1]
    assert abs(len(kept) / len(us) - 0.3) < 0.01
    assert all(len(r) == 2 and r[1] == 2 for r in kept)  # the row after the kept draft
    missed = [r[0] for r in results if r[0] != 1]
    assert abs(missed.count(0) / len(missed) - 0.6 / 0.7) < 0.01


def test_offline_acceptance_on_a_repetitive_answer() -> None:
    row = [10, 11, 12, 13, 14, 15]
    answer = row * 5
    plain = measure_acceptance([], answer, k=0)
    assert plain.steps == 30 and plain.tokens_per_step == 1.0
    spec = measure_acceptance([], answer, k=8)
    assert spec.steps < 12 and spec.accepted == 30 - spec.steps
    assert spec.speedup(verify_cost=0.0) == spec.tokens_per_step
    assert spec.speedup(verify_cost=1.0) == 1.0  # every draft was right: no gain, no loss
    assert spec.speedup(verify_cost=1.5) < 1.0 < spec.speedup(verify_cost=0.05)
    from_prompt = measure_acceptance(row, row, k=8)  # the prompt already holds the answer
    assert from_prompt.steps == 2


def test_offline_acceptance_with_the_engines_draft_length() -> None:
    answer = [10, 11, 12, 13, 14, 15] * 20
    cheap = measure_acceptance([], answer, k=8, verify_cost=0.05)
    assert cheap.tokens_per_step > 4
    costly = measure_acceptance([], answer, k=8, verify_cost=5.0)
    assert costly.drafted == 0 and costly.steps == len(answer)  # plain decoding throughout
