"""Speculative decoding through the real llama.cpp path: the same answer as plain decoding, on
the tiny model and on one with a real-sized (262,144-token) vocabulary, with the KV cache kept
right through a sliding window far shorter than the answer, and cancel during a verification.
Every engine here keeps a table of its earlier answers (inference.draft_table), so the later
answer of each comparison drafts from it too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import pytest
from llama_cpp.llama_chat_format import MTMDChatHandler

from inference import draft_table, speculative
from inference.cancel import CancelToken
from inference.config import EngineConfig, GenerationRequest
from inference.engine import LocalEngine
from inference.events import GenerationDone, GenerationStats, TokenText
from inference.messages import chat_messages
from inference.synthetic import Gemma4Shape, write_pair
from tests.conftest import make_ui_png

SMALL_WINDOW = Gemma4Shape(sliding_window=32)  # every other layer sees only 32 positions
REAL_VOCAB = Gemma4Shape(vocab_size=262_144, f16=True)


@pytest.fixture(scope="module")
def window_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_pair(tmp_path_factory.mktemp("small-window"), SMALL_WINDOW)


@pytest.fixture(scope="module")
def real_vocab_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_pair(tmp_path_factory.mktemp("real-vocab"), REAL_VOCAB)


def make_engine(pair: tuple[Path, Path], tables: Path | None) -> LocalEngine:
    # 80 image tokens keep the micro-batch at 512, so the window cache holds 768 cells
    return LocalEngine(EngineConfig(model=pair[0], mmproj=pair[1], n_ctx=4096, image_tokens=80,
                                    draft_tables=tables))


@pytest.fixture
def engine(tiny_model: tuple[Path, Path], tmp_path: Path) -> Iterator[LocalEngine]:
    e = make_engine(tiny_model, tmp_path / "drafts")
    yield e
    e.close()


@pytest.fixture
def every_draft_verified(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verify up to 6 drafted tokens whenever there is a draft, whatever verification costs
    on this machine, so that every pass exercises acceptance, rejection and rollback."""
    monkeypatch.setattr(speculative.DraftLength, "choose",
                        lambda self, available, order: min(available, 6))


def request(**kw: object) -> GenerationRequest:
    base: dict[str, object] = dict(system="You write HTML.", prompt="Clone this page.",
                                   image_png=make_ui_png(), max_tokens=200, temperature=0.0,
                                   seed=3)
    return GenerationRequest(**{**base, **kw})  # type: ignore[arg-type]


def answer(engine: LocalEngine, req: GenerationRequest) -> tuple[list[str], GenerationStats]:
    events = list(engine.stream(req))
    done = events[-1]
    assert isinstance(done, GenerationDone)
    return [e.text for e in events if isinstance(e, TokenText)], done.stats


def raw_llama_text(config: EngineConfig, req: GenerationRequest) -> str:
    """llama-cpp-python's own chat completion: the reference for plain decoding."""
    handler = MTMDChatHandler(clip_model_path=str(config.mmproj), verbose=False)
    llm = llama_cpp.Llama(model_path=str(config.model), chat_handler=handler,
                          n_ctx=config.n_ctx, n_batch=config.n_batch, n_ubatch=config.n_batch,
                          flash_attn=config.flash_attn, swa_full=False, n_gpu_layers=0,
                          verbose=False)
    try:
        out = llm.create_chat_completion(messages=chat_messages(req),  # type: ignore[arg-type]
                                         max_tokens=req.max_tokens, temperature=0.0)
        return str(out["choices"][0]["message"]["content"])  # type: ignore[index]
    finally:
        llm.close()


def test_plain_decoding_writes_what_llama_cpp_python_writes(
        tiny_model: tuple[Path, Path]) -> None:
    """The engine's own loop (sampling included) against ``create_chat_completion``, with the
    same settings and the default image budget."""
    config = EngineConfig(model=tiny_model[0], mmproj=tiny_model[1], n_ctx=4096)
    engine = LocalEngine(config)
    try:
        plain, _ = answer(engine, request(speculate=False))
        fast, _ = answer(engine, request(speculate=True))
    finally:
        engine.close()
    assert "".join(plain) == "".join(fast) == raw_llama_text(config, request())


@pytest.mark.usefixtures("every_draft_verified")
def test_greedy_answer_is_token_for_token_that_of_plain_decoding(engine: LocalEngine) -> None:
    plain, plain_stats = answer(engine, request(speculate=False))
    fast, stats = answer(engine, request(speculate=True))
    assert fast == plain
    assert len(plain) == 200 and stats.completion_tokens == 200
    assert stats.drafted > stats.accepted > 0  # drafts were verified, some kept, some not
    # each kept draft saved a pass; a near tie cost one
    assert stats.decode_steps == 199 - stats.accepted + stats.ties
    assert plain_stats.drafted == 0 and plain_stats.decode_steps == 199


def test_adaptive_draft_length_gives_the_same_answer(engine: LocalEngine) -> None:
    plain, _ = answer(engine, request(speculate=False, max_tokens=300))
    fast, stats = answer(engine, request(speculate=True, max_tokens=300))
    assert fast == plain
    assert stats.speculative and stats.decode_steps + stats.accepted - stats.ties == 299


@pytest.mark.usefixtures("every_draft_verified")
def test_sampled_answer_for_a_seed_does_not_depend_on_verification(
        engine: LocalEngine) -> None:
    """With sampling, each position's random number decides its token, so speculation (kept
    with probability p(draft), else drawn from the rest) writes what plain sampling writes."""
    plain, _ = answer(engine, request(speculate=False, temperature=0.9, seed=11))
    fast, stats = answer(engine, request(speculate=True, temperature=0.9, seed=11))
    assert fast == plain and stats.accepted > 0
    other, _ = answer(engine, request(speculate=True, temperature=0.9, seed=12))
    assert other != plain


@pytest.mark.usefixtures("every_draft_verified")
def test_kv_cache_stays_right_through_a_short_sliding_window(
        window_model: tuple[Path, Path], tmp_path: Path) -> None:
    """1,000 tokens through a 32-token window whose cache (768 cells) wraps: verified drafts
    are dropped again and again while old cells are reused, and the answer still matches a
    plain run token for token."""
    engine = make_engine(window_model, tmp_path)
    try:
        plain, _ = answer(engine, request(speculate=False, max_tokens=1000))
        fast, stats = answer(engine, request(speculate=True, max_tokens=1000))
        lowest, highest = engine._decoder.kept_positions()  # type: ignore[union-attr]
    finally:
        engine.close()
    assert fast == plain
    assert stats.drafted - stats.accepted > 50  # many rejected drafts were rolled back
    assert lowest > 0  # the window cache did drop the oldest positions
    assert highest - lowest < 800


@pytest.mark.usefixtures("every_draft_verified")
def test_real_size_vocabulary(real_vocab_model: tuple[Path, Path], tmp_path: Path) -> None:
    engine = make_engine(real_vocab_model, tmp_path)
    try:
        plain, _ = answer(engine, request(speculate=False, max_tokens=120))
        fast, stats = answer(engine, request(speculate=True, max_tokens=120))
    finally:
        engine.close()
    assert fast == plain and stats.accepted > 0


@pytest.mark.usefixtures("every_draft_verified")
def test_cancel_during_a_verification(engine: LocalEngine,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The cancel arrives while llama.cpp verifies drafts (as the worker's reader thread
    delivers it): none of that pass's tokens are sent, and the next answer is whole."""
    cancel = CancelToken()
    real_decode = llama_cpp.llama_decode
    verifications = 0
    emitted_before = 0

    def decode(ctx: object, batch: llama_cpp.llama_batch) -> int:
        nonlocal verifications, emitted_before
        if batch.n_tokens > 1 and batch.logits[1]:
            verifications += 1
            if verifications == 3:
                cancel.cancel()
                emitted_before = seen
        return int(real_decode(ctx, batch))

    monkeypatch.setattr(llama_cpp, "llama_decode", decode)
    seen = 0
    done = None
    for ev in engine.stream(request(max_tokens=500), cancel):
        if isinstance(ev, TokenText):
            seen = ev.n_tokens
        if isinstance(ev, GenerationDone):
            done = ev
    assert done is not None and done.finish_reason == "cancelled"
    assert verifications == 3 and seen == emitted_before == done.stats.completion_tokens
    again, _ = answer(engine, request())
    monkeypatch.undo()
    fresh = make_engine_from(engine)
    try:
        assert again == answer(fresh, request())[0]
    finally:
        fresh.close()


def make_engine_from(engine: LocalEngine) -> LocalEngine:
    """A fresh engine of the same model, with no table of earlier answers."""
    assert engine.config.mmproj is not None
    return make_engine((engine.config.model, engine.config.mmproj), None)


@pytest.mark.usefixtures("every_draft_verified")
def test_drafts_from_earlier_answers_keep_the_answer_exact(
        tiny_model: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table holds a sampled answer of the same prompt (close, not equal, to the greedy
    one): its drafts are verified, partly kept and partly rolled back, and the greedy answer
    is token for token that of an engine with no table. A new engine loads the table."""
    reference = make_engine(tiny_model, None)
    try:
        plain, _ = answer(reference, request(speculate=False))
    finally:
        reference.close()
    from_table = []
    real_follow = draft_table.NgramIndex.follow

    def follow(self: draft_table.NgramIndex, gram: list[int], k: int) -> list[int]:
        draft = real_follow(self, gram, k)
        from_table.append(len(draft))
        return draft

    monkeypatch.setattr(draft_table.NgramIndex, "follow", follow)
    engine = make_engine(tiny_model, tmp_path)
    try:
        answer(engine, request(speculate=False, temperature=0.9, seed=5))  # into the table
        assert engine.drafts is not None and len(engine.drafts.answers) == 1
        fast, stats = answer(engine, request(speculate=True))
    finally:
        engine.close()
    assert fast == plain and stats.accepted > 0
    assert sum(1 for n in from_table if n) > 5  # the table did draft
    later = make_engine(tiny_model, tmp_path)
    try:
        later.load()
        assert later.drafts is not None and len(later.drafts.answers) == 2  # both, from disk
    finally:
        later.close()
