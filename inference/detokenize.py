"""Token ids to streamed text in O(1) per token at any vocabulary size (262,144 for Gemma 4).

Each token's bytes come from llama.cpp once and are cached; the bytes are joined with an
incremental UTF-8 decoder, so a character split over several byte tokens (``<0xE2><0x82><0xAC>``
for "€") comes out whole when its last byte arrives, and no earlier text is decoded again."""

from __future__ import annotations

import codecs
import ctypes
from typing import Any

import llama_cpp

_PIECE_BYTES = 64  # longer than any real token; llama.cpp says how many it needs if not


class StreamDetokenizer:
    """Feed it generated tokens one at a time; it returns the text each one completes. The
    token pieces stay cached across answers; ``reset`` starts a new answer."""

    def __init__(self, vocab: Any) -> None:
        self._vocab = vocab
        self._pieces: dict[int, bytes] = {}
        self._buf = ctypes.create_string_buffer(_PIECE_BYTES)
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def piece(self, token: int) -> bytes:
        """The token's bytes as llama.cpp renders them (control tokens render as nothing)."""
        cached = self._pieces.get(token)
        if cached is None:
            n = llama_cpp.llama_token_to_piece(self._vocab, token, self._buf, len(self._buf),
                                               0, False)
            if n < 0:  # the buffer was too small: llama.cpp returns minus the size it needs
                self._buf = ctypes.create_string_buffer(-n)
                n = llama_cpp.llama_token_to_piece(self._vocab, token, self._buf,
                                                   len(self._buf), 0, False)
            cached = self._pieces[token] = self._buf.raw[:n]
        return cached

    def reset(self) -> None:
        self._utf8.reset()

    def push(self, token: int) -> str:
        return self._utf8.decode(self.piece(token))

    def flush(self) -> str:
        """The rest of an unfinished character at the end of the answer, as U+FFFD."""
        return self._utf8.decode(b"", final=True)
