"""N-gram speculative decoding: drafts from the text so far, how many to verify, and which to
keep. HTML and CSS repeat themselves (class names, properties, sibling rows, the prompt's own
text), so the tokens that followed the last occurrence of the current n-gram are often the next
ones; the model checks several in one pass, for about the cost of one on a GPU.

Used by the engine's decode loop and, with the same drafter, by the offline measurement of how
much a given answer would have been accepted (``measure_acceptance``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from inference.sampling import SamplingParams, pick

if TYPE_CHECKING:
    from inference.draft_table import NgramIndex

SEPARATOR = -1  # between prompt segments (text around an image): no n-gram spans it
MAX_ORDER = 4  # longest n-gram looked up; longer matches predict better, shorter ones match more
MAX_DRAFT = 12
# At temperature 0, a pass over several tokens and a one-token pass can order two nearly equal
# logits differently: llama.cpp's kernels are not batch-invariant (rows of a 7-token pass were
# up to 1e-3 off the one-token rows on this CPU, where the tiny test model had a 6e-4 tie). A
# verified position whose best two logits are closer than this is decided again by a one-token
# pass, as plain decoding decides it; far above the noise measured, and rare on real answers.
TIE_MARGIN = 0.05


class NgramDrafter:
    """Proposes the tokens that followed the latest earlier occurrence of the longest suffix
    (up to ``MAX_ORDER`` tokens) of everything seen so far. O(MAX_ORDER) per token.

    ``table`` (earlier answers, inference.draft_table) is asked for an n-gram only when the
    prompt and the answer so far hold no match for it: they are the more specific source, but
    a longer n-gram in the table predicts better than a shorter one here (measured:
    benchmarks/bench_decode.py's offline acceptance)."""

    def __init__(self, context: Sequence[int] = (), max_order: int = MAX_ORDER,
                 table: NgramIndex | None = None) -> None:
        self.max_order = max_order
        self.table = table
        self.tokens: list[int] = []
        self._next: dict[tuple[int, ...], int] = {}  # n-gram -> where its continuation starts
        for t in context:
            self.append(t)

    def append(self, token: int) -> None:
        toks = self.tokens
        toks.append(token)
        end = len(toks) - 1  # the new token continues the n-grams that end just before it
        for n in range(1, min(self.max_order, end) + 1):
            gram = tuple(toks[end - n:end])
            if SEPARATOR in gram:
                break
            self._next[gram] = end

    def propose(self, k: int) -> tuple[list[int], int]:
        """(up to k draft tokens, the kind of draft: the order of the n-gram that matched,
        plus ``max_order`` for one from the table; 0 when none did)."""
        toks = self.tokens
        for n in range(min(self.max_order, len(toks)), 0, -1):
            gram = tuple(toks[-n:])
            start = self._next.get(gram)
            if start is not None:
                draft = toks[start:start + k]
                if SEPARATOR in draft:
                    draft = draft[:draft.index(SEPARATOR)]
                if draft:
                    return draft, n
            if self.table is not None:
                draft = self.table.follow(gram, k)
                if draft:
                    return draft, self.max_order + n
        return [], 0


class DraftLength:
    """How many drafted tokens to verify: the k that maximises expected tokens per second,
    from the acceptance rate seen recently for drafts of each n-gram order and the measured
    cost of a decode of 1 and of k+1 tokens. k = 0 is plain decoding; while there, drafts are
    still checked against what the model writes (for free), so verification comes back when
    they start to match again."""

    _EMA = 0.1

    def __init__(self, max_k: int = MAX_DRAFT, max_order: int = MAX_ORDER) -> None:
        self.max_k = max_k
        # per-token acceptance by kind of draft: n-gram order, for the prompt and answer so
        # far, then for the table of earlier answers
        self.accept = [0.5] * (2 * max_order + 1)
        self.single_s = 0.0  # one-token decode
        self.extra_s = 0.0  # each further token in the same decode
        self._verified = False

    def choose(self, available: int, order: int) -> int:
        if available == 0 or order == 0 or self.single_s == 0.0:
            return 0
        a = self.accept[order]
        best_k, best_rate, expected = 0, 1.0 / self.single_s, 1.0
        # until a verification has been timed, try the cheapest one (on some CPUs a pass over
        # a few tokens costs many one-token passes)
        longest = min(available, self.max_k) if self._verified else 1
        for k in range(1, longest + 1):
            expected += a ** k
            rate = expected / (self.single_s + self.extra_s * k)
            if rate > best_rate:
                best_k, best_rate = k, rate
        return best_k

    def observe_tokens(self, order: int, drafted: int, accepted: int) -> None:
        """``accepted`` of ``drafted`` tokens matched; the first miss (if any) counts too."""
        if order == 0 or drafted == 0:
            return
        tried = min(drafted, accepted + 1)
        rate = accepted / tried
        w = 1 - (1 - self._EMA) ** tried
        self.accept[order] += w * (rate - self.accept[order])

    def assume_costs(self, *, single_s: float, extra_s: float) -> None:
        """Known costs instead of measured ones (the offline measurement)."""
        self.single_s, self.extra_s, self._verified = single_s, extra_s, True

    def observe_cost(self, n_tokens: int, seconds: float) -> None:
        if n_tokens == 1:
            first = self.single_s == 0.0
            self.single_s = seconds if first else self.single_s + self._EMA * (seconds -
                                                                                self.single_s)
            if first:
                self.extra_s = 0.1 * seconds  # a GPU's cost, until verification is measured
        elif self.single_s:
            extra = max(0.0, seconds - self.single_s) / (n_tokens - 1)
            if self._verified:
                self.extra_s += 0.3 * (extra - self.extra_s)
            else:  # the first measurement replaces the guess
                self.extra_s, self._verified = extra, True


@dataclass(slots=True)
class ShadowDraft:
    """A draft left unverified (k was 0), compared with the tokens the model writes instead,
    so that acceptance is still learned without paying for verification."""

    draft: list[int] = field(default_factory=list)
    order: int = 0
    matched: int = 0

    def check(self, produced: list[int], length: DraftLength) -> None:
        if not self.draft:
            return
        rest = self.draft[self.matched:]
        n = 0
        while n < len(produced) and n < len(rest) and produced[n] == rest[n]:
            n += 1
        self.matched += n
        if n == len(produced) and self.matched < len(self.draft):
            return  # all matched so far: go on with the next tokens
        length.observe_tokens(self.order, len(self.draft), self.matched)
        self.draft = []


def accept_draft(rows: np.ndarray, draft: Sequence[int], params: SamplingParams,
                 uniforms: Sequence[float]) -> tuple[list[int], bool]:
    """(the tokens a verification keeps, tie). The tokens are the longest agreeing prefix of
    ``draft`` plus the model's own next token. ``rows[j]`` are the logits after the j-th
    verified token (row 0 follows the last accepted token, so there are ``len(draft) + 1``
    rows); ``uniforms[j]`` is the random number of that answer position. ``tie``: at
    temperature 0 the row after the kept drafts was too close to call in a pass over several
    tokens (``TIE_MARGIN``), so the model's token is left out, for a one-token pass to choose.

    Each position's token is chosen as plain decoding would choose it, and a draft token is kept
    when it is that token. At temperature 0 this is "the most likely token". With sampling it
    is the speculative-sampling rule for a draft that is a single token (a point mass): kept
    with probability p(token), and on a miss the token comes from p without it, so the output
    distribution is that of plain sampling. Because the random number belongs to the position,
    a seed gives the same answer however many tokens each pass verified."""
    kept: list[int] = []
    check_ties = params.greedy and len(draft) > 0
    for j, row in enumerate(rows[: len(draft) + 1]):
        token = pick(row, params, uniforms[j])
        if check_ties and np.count_nonzero(row > row[token] - TIE_MARGIN) > 1:
            return kept, True
        if j == len(draft) or token != draft[j]:
            return [*kept, token], False
        kept.append(token)
    raise AssertionError("unreachable: the last row always ends the loop")


@dataclass(frozen=True, slots=True)
class Acceptance:
    tokens: int  # answer tokens
    steps: int  # model passes needed (verifications and plain decodes)
    drafted: int  # draft tokens verified
    accepted: int  # of which kept

    @property
    def tokens_per_step(self) -> float:
        return self.tokens / self.steps if self.steps else 0.0

    def speedup(self, verify_cost: float) -> float:
        """Implied speed-up over plain decoding when each drafted token in a pass adds
        ``verify_cost`` of a one-token pass (a GPU: about 0.05-0.1; this CPU: much more)."""
        cost = self.steps + verify_cost * self.drafted
        return self.tokens / cost if cost else 0.0


def measure_acceptance(prompt: Sequence[int], answer: Sequence[int], k: int,
                       verify_cost: float | None = None,
                       table: NgramIndex | None = None) -> Acceptance:
    """How decoding ``answer`` would have gone with n-gram drafts of up to ``k`` tokens, had the
    model written exactly that answer at temperature 0 (where acceptance depends only on the
    output, so this is exact). Drafts come from the prompt and the answer so far, then
    ``table`` (earlier answers). With
    ``verify_cost`` the draft length is chosen as the engine chooses it (``DraftLength``), for
    passes that cost ``1 + verify_cost * drafted``; without, every draft is verified."""
    drafter = NgramDrafter(prompt, table=table)
    length = DraftLength(max_k=k)
    if verify_cost is not None:
        length.assume_costs(single_s=1.0, extra_s=verify_cost)
    shadow = ShadowDraft()
    steps = drafted = accepted = i = 0
    while i < len(answer):
        # the answer's last token is always the model's own, never a draft
        draft, order = drafter.propose(min(k, len(answer) - i - 1))
        if verify_cost is not None:
            n_verify = length.choose(len(draft), order)
            if n_verify == 0 and draft and not shadow.draft:
                shadow = ShadowDraft(draft, order)
            draft = draft[:n_verify]
        n = 0
        while n < len(draft) and draft[n] == answer[i + n]:
            n += 1
        length.observe_tokens(order, len(draft), n)
        steps += 1
        drafted += len(draft)
        accepted += n
        produced = list(answer[i:i + n + 1])  # the accepted drafts and the model's own token
        for t in produced:
            drafter.append(t)
        shadow.check(produced, length)
        i += n + 1
    return Acceptance(tokens=len(answer), steps=steps, drafted=drafted, accepted=accepted)
