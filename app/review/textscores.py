"""Design2Code's text-block scores: how much of the original's text the clone has, how close
its words, where, and in which colour.

Blocks are matched by text similarity with an optimal assignment (Hungarian, scipy), after
merging neighbouring blocks on either side wherever that raises the total similarity (a
paragraph one side reads as two lines, the other as one); pairs below 0.5 similarity are not
matches. Then, each in [0, 1], with every matched pair weighted by its two blocks' areas:
- block: the matched blocks' area over all blocks' area, both sides;
- text: the matched pairs' character similarity (difflib's ratio), with case, white space and
  list bullets left out: OCR drops spaces between words ("WelcomeBack!") and reads bullets
  that are not text in the DOM;
- position: 1 − the larger of the horizontal and vertical centre distances, as a share of the
  page's width and height;
- colour: 1 − CIEDE2000 / 100, floored at 0.
Two pages with no text at all agree fully; when only one has text, every score is 0."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.colour import delta_e, srgb_to_lab
from app.review.textblocks import Colour, TextBlock, merge


def linear_sum_assignment(sim: np.ndarray, *, maximize: bool) -> tuple[np.ndarray, np.ndarray]:
    # scipy.optimize costs a third of a second to import: only pay it when scoring
    from scipy.optimize import linear_sum_assignment as assign

    return assign(sim, maximize=maximize)

MATCH_THRESHOLD = 0.5  # Design2Code's: a weaker pair is two unmatched blocks
MISTEXTED_BELOW = 0.9  # a matched pair whose text is less alike than this is shown as wrong
_MAX_MERGE_ROUNDS = 8


@dataclass(frozen=True, kw_only=True)
class TextScores:
    block: float
    text: float
    position: float
    colour: float
    original_blocks: int
    clone_blocks: int
    matched: tuple[tuple[TextBlock, TextBlock, float], ...] = field(repr=False, default=())
    missing: tuple[TextBlock, ...] = field(repr=False, default=())  # the original's, unmatched
    extra: tuple[TextBlock, ...] = field(repr=False, default=())  # the clone's, unmatched

    @property
    def mistexted(self) -> tuple[tuple[TextBlock, TextBlock, float], ...]:
        return tuple(m for m in self.matched if m[2] < MISTEXTED_BELOW)

    def scores(self) -> dict[str, Any]:
        return {"block": round(self.block, 4), "text": round(self.text, 4),
                "position": round(self.position, 4), "colour": round(self.colour, 4),
                "text_blocks_original": self.original_blocks,
                "text_blocks_clone": self.clone_blocks,
                "text_blocks_matched": len(self.matched),
                "text_blocks_mistexted": len(self.mistexted)}


_IGNORED = {ord(c): None for c in " \t\n\r\u00a0·•●◦▪"}


def _fold(text: str) -> str:
    return text.casefold().translate(_IGNORED)


def text_similarity(a: str, b: str) -> float:
    return _similarity(_fold(a), _fold(b))


def _similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    # Below the match threshold a pair counts for nothing: skip the full ratio when a cheap
    # upper bound already says so.
    if matcher.real_quick_ratio() < MATCH_THRESHOLD or matcher.quick_ratio() < MATCH_THRESHOLD:
        return 0.0
    return matcher.ratio()


def _row(text: str, others: Sequence[str]) -> np.ndarray:
    return np.array([_similarity(text, o) for o in others], dtype=np.float64)


def _best_total(sim: np.ndarray) -> float:
    if sim.size == 0:
        return 0.0
    rows, cols = linear_sum_assignment(sim, maximize=True)
    picked = sim[rows, cols]
    return float(picked[picked >= MATCH_THRESHOLD].sum())


def _merge_pass(side: list[TextBlock], texts: list[str], sim: np.ndarray,
                other: list[str]) -> tuple[list[TextBlock], list[str], np.ndarray, bool]:
    """Merge neighbouring blocks of one side (rows of ``sim``) where the optimal total rises;
    the best merges that do not overlap are taken, one round."""
    current = _best_total(sim)
    gains: list[tuple[float, int, str, np.ndarray]] = []
    for i in range(len(side) - 1):
        text = texts[i] + texts[i + 1]
        row = _row(text, other)
        if row.size == 0 or row.max() <= max(sim[i].max(), sim[i + 1].max()):
            continue  # the merged text matches nothing better than its parts: no gain possible
        trial = np.vstack([sim[:i], row[None, :], sim[i + 2:]])
        gain = _best_total(trial) - current
        if gain > 1e-6:
            gains.append((gain, i, text, row))
    if not gains:
        return side, texts, sim, False
    taken: set[int] = set()
    merges: dict[int, tuple[str, np.ndarray]] = {}
    for _gain, i, text, row in sorted(gains, key=lambda g: -g[0]):
        if i in taken or i + 1 in taken:
            continue
        taken.update((i, i + 1))
        merges[i] = (text, row)
    blocks, new_texts, rows = [], [], []
    i = 0
    while i < len(side):
        if i in merges:
            blocks.append(merge(side[i:i + 2]))
            new_texts.append(merges[i][0])
            rows.append(merges[i][1])
            i += 2
        else:
            blocks.append(side[i])
            new_texts.append(texts[i])
            rows.append(sim[i])
            i += 1
    return blocks, new_texts, np.vstack(rows), True


def match_blocks(original: Sequence[TextBlock], clone: Sequence[TextBlock]
                 ) -> tuple[list[tuple[TextBlock, TextBlock, float]], list[TextBlock],
                            list[TextBlock]]:
    """(matched pairs with their text similarity, the original's unmatched, the clone's
    unmatched), after merging split lines on either side."""
    a, b = list(original), list(clone)
    ta, tb = [_fold(x.text) for x in a], [_fold(x.text) for x in b]
    sim = np.array([_row(t, tb) for t in ta]).reshape(len(a), len(b))
    for _ in range(_MAX_MERGE_ROUNDS):
        a, ta, sim, changed_a = _merge_pass(a, ta, sim, tb)
        b, tb, sim_t, changed_b = _merge_pass(b, tb, sim.T, ta)
        sim = sim_t.T
        if not (changed_a or changed_b):
            break
    pairs: list[tuple[TextBlock, TextBlock, float]] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    if sim.size:
        for i, j in zip(*linear_sum_assignment(sim, maximize=True), strict=True):
            if sim[i, j] >= MATCH_THRESHOLD:
                pairs.append((a[i], b[j], float(sim[i, j])))
                used_a.add(int(i))
                used_b.add(int(j))
    return (pairs, [x for k, x in enumerate(a) if k not in used_a],
            [x for k, x in enumerate(b) if k not in used_b])


def score_blocks(original: Sequence[TextBlock], clone: Sequence[TextBlock],
                 size: tuple[int, int]) -> TextScores:
    """Design2Code's block, text, position and colour scores for a page of ``size`` (w, h)."""
    if not original and not clone:
        return TextScores(block=1.0, text=1.0, position=1.0, colour=1.0, original_blocks=0,
                          clone_blocks=0)
    pairs, missing, extra = match_blocks(original, clone)
    width, height = max(1, size[0]), max(1, size[1])
    weights = np.array([a.area + b.area for a, b, _ in pairs])
    unmatched = sum(x.area for x in missing) + sum(x.area for x in extra)
    if not pairs or weights.sum() <= 0:
        return TextScores(block=0.0, text=0.0, position=0.0, colour=0.0,
                          original_blocks=len(original), clone_blocks=len(clone),
                          matched=tuple(pairs), missing=tuple(missing), extra=tuple(extra))
    texts = np.array([s for _, _, s in pairs])
    positions = np.array([1.0 - max(abs(a.centre[0] - b.centre[0]) / width,
                                    abs(a.centre[1] - b.centre[1]) / height)
                          for a, b, _ in pairs])
    colours = np.maximum(0.0, 1.0 - ciede2000(np.array([a.color for a, _, _ in pairs]),
                                              np.array([b.color for _, b, _ in pairs])) / 100)
    total = weights.sum()
    return TextScores(
        block=float(total / (total + unmatched)),
        text=float((texts * weights).sum() / total),
        position=float((np.clip(positions, 0, 1) * weights).sum() / total),
        colour=float((colours * weights).sum() / total),
        original_blocks=len(original), clone_blocks=len(clone),
        matched=tuple(pairs), missing=tuple(missing), extra=tuple(extra))


def ciede2000(rgb1: np.ndarray | Colour, rgb2: np.ndarray | Colour) -> np.ndarray:
    """CIEDE2000 colour difference between sRGB colours (0-255), elementwise."""
    return delta_e(srgb_to_lab(np.asarray(rgb1)), srgb_to_lab(np.asarray(rgb2)))
