"""The n-gram table of earlier answers: a third source of speculative drafts, after the prompt
and the answer so far. HTML and CSS answers share much (the doctype and head, resets, flex
rows, class names the model likes), so what followed an n-gram in an earlier answer often
follows it again.

One file per tokenizer (token ids mean nothing across vocabularies), named and headed by a
fingerprint of the vocabulary; bounded to the most recent answers; written atomically; a
corrupt or foreign file is ignored with a log line and replaced by the next save."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from inference.speculative import MAX_ORDER, SEPARATOR

MAX_ANSWERS = 64
MAX_TOKENS = 262_144  # 1 MB on disk; the index of 4 orders about 16 MB in memory
_MAGIC = b"SHOTCLONE-DRAFTS 1\n"
_P = 0x100000001B3  # FNV's 64-bit prime: a multiplier that mixes token ids well enough
_MASK = (1 << 64) - 1
_SAMPLED_TOKENS = 4096

log = logging.getLogger("shotclone.drafts")


def vocab_fingerprint(n_vocab: int, token_text: Callable[[int], bytes]) -> str:
    """The vocabulary's size and a hash of the texts of tokens spread over all of it."""
    digest = hashlib.sha256()
    for token in range(0, n_vocab, max(1, n_vocab // _SAMPLED_TOKENS)):
        digest.update(token_text(token) + b"\0")
    return f"{n_vocab}-{digest.hexdigest()[:16]}"


def _gram_hash(gram: Sequence[int]) -> int:
    h = len(gram)
    for t in gram:
        h = (h * _P + t + 2) & _MASK
    return h


class NgramIndex:
    """For each n-gram (1 to ``max_order`` tokens) of a token list, where its latest
    occurrence's continuation starts: sorted 64-bit hashes and positions, so lookups are a
    binary search and memory is 16 bytes per n-gram. A hit is checked against the tokens, so a
    hash collision never gives a wrong draft (it could only hide a right one)."""

    def __init__(self, tokens: np.ndarray, max_order: int = MAX_ORDER) -> None:
        self.tokens = tokens
        n = len(tokens)
        keys, starts = [], []
        for order in range(1, max_order + 1):
            ends = np.arange(order, n)  # a gram tokens[e-order:e] continues at e
            if len(ends) == 0:
                break
            ok = tokens[ends] != SEPARATOR
            h = np.full(len(ends), order, np.uint64)
            for j in range(order):
                part = tokens[ends - order + j]
                ok &= part != SEPARATOR
                h = h * np.uint64(_P) + (part + 2).astype(np.uint64)  # wraps, as _gram_hash
            keys.append(h[ok])
            starts.append(ends[ok])
        all_keys = np.concatenate(keys) if keys else np.zeros(0, np.uint64)
        all_starts = np.concatenate(starts) if starts else np.zeros(0, np.int64)
        order_ = np.lexsort((all_starts, all_keys))
        all_keys, all_starts = all_keys[order_], all_starts[order_]
        latest = np.append(all_keys[1:] != all_keys[:-1], True) if len(all_keys) else order_
        self._keys = all_keys[latest]
        self._starts = all_starts[latest]

    def follow(self, gram: Sequence[int], k: int) -> list[int]:
        """Up to ``k`` tokens that followed ``gram`` at its latest occurrence; [] if none."""
        h = np.uint64(_gram_hash(gram))
        i = int(np.searchsorted(self._keys, h))
        if i == len(self._keys) or self._keys[i] != h:
            return []
        start = int(self._starts[i])
        n = len(gram)
        if self.tokens[start - n:start].tolist() != list(gram):
            return []
        draft = self.tokens[start:start + k].tolist()
        return draft[:draft.index(SEPARATOR)] if SEPARATOR in draft else draft


class AnswerTable:
    """The token ids of earlier finished answers of one vocabulary, most recent last, at most
    ``max_answers`` of them and ``max_tokens`` in all."""

    def __init__(self, fingerprint: str, n_vocab: int, *, max_answers: int = MAX_ANSWERS,
                 max_tokens: int = MAX_TOKENS) -> None:
        self.fingerprint = fingerprint
        self.n_vocab = n_vocab
        self.max_answers = max_answers
        self.max_tokens = max_tokens
        self.answers: list[np.ndarray] = []
        self.path: Path | None = None  # where ``remember`` keeps it
        self._index: NgramIndex | None = None

    @property
    def tokens(self) -> int:
        return sum(len(a) for a in self.answers)

    def add(self, answer: Sequence[int]) -> None:
        """Remember a finished answer; the oldest ones go when the table is full."""
        kept = np.asarray(answer, np.int32)[-self.max_tokens:]
        if len(kept) == 0:
            return
        self.answers.append(kept)
        while len(self.answers) > self.max_answers or self.tokens > self.max_tokens:
            self.answers.pop(0)
        self._index = None

    def index(self) -> NgramIndex | None:
        """The n-gram index of the answers (built on first use after a change); None if empty."""
        if not self.answers:
            return None
        if self._index is None:
            parts: list[np.ndarray] = []
            for a in self.answers:
                parts += [a.astype(np.int64), np.array([SEPARATOR], np.int64)]
            self._index = NgramIndex(np.concatenate(parts))
        return self._index

    def remember(self, answer: Sequence[int]) -> None:
        """Add a finished answer and keep the table in its file; a file that cannot be written
        costs only the log line."""
        self.add(answer)
        if self.path is not None:
            try:
                self.save(self.path)
            except OSError as e:
                log.warning("draft table %s not saved: %s", self.path, e)

    def save(self, path: Path) -> None:
        """Write the table atomically: a reader sees the old file or the new one, whole."""
        header = {"vocab": self.fingerprint, "answers": [len(a) for a in self.answers]}
        payload = b"".join(a.astype("<i4").tobytes() for a in self.answers)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC + json.dumps(header).encode() + b"\n" + payload)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path, fingerprint: str, n_vocab: int) -> AnswerTable:
        """The table in ``path``, or an empty one when there is none, or it is unreadable,
        damaged, or made for another vocabulary (said in a log line, never an error)."""
        table = cls(fingerprint, n_vocab)
        table.path = path
        if not path.is_file():
            return table
        try:
            answers = _read(path, fingerprint, n_vocab)
        except (OSError, ValueError) as e:  # json's and numpy's errors are ValueErrors too
            log.warning("draft table %s not used: %s", path, e)
            return table
        for a in answers:
            table.add(a)
        return table

    @classmethod
    def for_vocabulary(cls, folder: Path, n_vocab: int,
                       token_text: Callable[[int], bytes]) -> AnswerTable:
        """The table of this vocabulary in ``folder`` (one file per vocabulary)."""
        fingerprint = vocab_fingerprint(n_vocab, token_text)
        return cls.load(folder / f"{fingerprint}.drafts", fingerprint, n_vocab)


def _read(path: Path, fingerprint: str, n_vocab: int) -> list[np.ndarray]:
    data = path.read_bytes()
    if not data.startswith(_MAGIC):
        raise ValueError("not a ShotClone draft table")
    line_end = data.find(b"\n", len(_MAGIC))
    if line_end < 0:
        raise ValueError("its header is cut off")
    header = json.loads(data[len(_MAGIC):line_end])
    if not isinstance(header, dict):
        raise ValueError("its header is not a table")
    if header.get("vocab") != fingerprint:
        raise ValueError(f"made for another vocabulary ({header.get('vocab')!r}, this model's "
                         f"is {fingerprint!r})")
    lengths = header.get("answers")
    if not isinstance(lengths, list) or not all(isinstance(n, int) and n > 0 for n in lengths):
        raise ValueError("its header lists no answer lengths")
    tokens = np.frombuffer(data, "<i4", offset=line_end + 1) \
        if (len(data) - line_end - 1) % 4 == 0 else None
    if tokens is None or len(tokens) != sum(lengths):
        raise ValueError(f"it holds {len(data) - line_end - 1} bytes of tokens, its header "
                         f"says {4 * sum(lengths)}")
    if len(tokens) and (tokens.min() < 0 or tokens.max() >= n_vocab):
        raise ValueError("it holds token ids outside the vocabulary")
    return np.split(tokens.astype(np.int32), np.cumsum(lengths)[:-1]) if lengths else []
