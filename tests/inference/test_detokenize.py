"""Streamed text from token ids through llama.cpp's own vocabulary, bytes included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import pytest

from inference.detokenize import StreamDetokenizer


@pytest.fixture(scope="module")
def vocab(tiny_model: tuple[Path, Path]) -> Iterator[object]:
    llama_cpp.llama_backend_init()
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = llama_cpp.llama_model_load_from_file(str(tiny_model[0]).encode(), params)
    yield llama_cpp.llama_model_get_vocab(model)
    llama_cpp.llama_model_free(model)


def token(vocab: object, text: str) -> int:
    ids = [i for i in range(llama_cpp.llama_vocab_n_tokens(vocab))
           if llama_cpp.llama_vocab_get_text(vocab, i) == text.encode()]
    assert len(ids) == 1, text
    return ids[0]


def test_byte_tokens_join_into_characters(vocab: object) -> None:
    d = StreamDetokenizer(vocab)
    euro = [token(vocab, f"<0x{b:02X}>") for b in "€".encode()]
    out = [d.push(t) for t in [token(vocab, "<"), *euro, token(vocab, "div")]]
    assert out == ["<", "", "", "€", "div"]
    assert d.flush() == ""


def test_an_unfinished_character_at_the_end_is_replaced(vocab: object) -> None:
    d = StreamDetokenizer(vocab)
    assert d.push(token(vocab, "<0xE2>")) == ""
    assert d.flush() == "\ufffd"
    d.reset()
    assert d.push(token(vocab, "a")) == "a"


def test_control_tokens_write_nothing_and_spaces_come_through(vocab: object) -> None:
    d = StreamDetokenizer(vocab)
    assert d.push(token(vocab, "<|turn>")) == ""
    assert d.push(token(vocab, "▁class")) == " class"
