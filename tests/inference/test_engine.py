"""The real llama.cpp multimodal path, on the CPU, with the tiny random-weight Gemma 4."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from inference.cancel import CancelToken
from inference.config import EngineConfig, GenerationRequest
from inference.engine import LocalEngine
from inference.errors import ConfigError, GenerationFailed
from inference.events import (
    GenerationDone,
    ImageEncoded,
    ModelLoaded,
    ModelLoading,
    PromptStarted,
    TokenText,
)
from tests.conftest import make_ui_png


@pytest.fixture
def engine(tiny_model: tuple[Path, Path]) -> Iterator[LocalEngine]:
    e = LocalEngine(EngineConfig(model=tiny_model[0], mmproj=tiny_model[1], n_ctx=4096))
    yield e
    e.close()


def request(**kw: object) -> GenerationRequest:
    base: dict[str, object] = dict(system="You write HTML.", prompt="Clone this.",
                                   image_png=make_ui_png(), max_tokens=24, seed=7)
    return GenerationRequest(**{**base, **kw})  # type: ignore[arg-type]


def test_streams_tokens_with_stats(engine: LocalEngine) -> None:
    events = list(engine.stream(request()))
    kinds = [type(e) for e in events]
    assert kinds[:3] == [ModelLoading, ModelLoaded, PromptStarted]
    assert kinds[-1] is GenerationDone
    tokens = [e for e in events if isinstance(e, TokenText)]
    assert [t.n_tokens for t in tokens] == list(range(1, 25))
    image = next(e for e in events if isinstance(e, ImageEncoded))
    assert image.tokens == 13 * 8  # 640x400 rounds to 624x384: 48 px patches, one token each
    done = events[-1]
    assert isinstance(done, GenerationDone)
    assert done.finish_reason == "length"
    s = done.stats
    assert s.completion_tokens == 24
    assert s.image_tokens == image.tokens
    assert s.prompt_tokens > s.image_tokens
    assert 0 < s.ttft_s <= s.total_s
    assert s.decode_tps > 0


def test_model_stays_loaded_between_requests(engine: LocalEngine) -> None:
    list(engine.stream(request()))
    second = list(engine.stream(request()))
    assert not any(isinstance(e, ModelLoading) for e in second)


def test_same_seed_same_answer_other_seed_other_answer(engine: LocalEngine) -> None:
    def text(seed: int) -> str:
        return "".join(e.text for e in engine.stream(request(seed=seed, temperature=1.0))
                       if isinstance(e, TokenText))

    assert text(1) == text(1)
    assert text(1) != text(2)


def test_cancel_stops_within_one_token(engine: LocalEngine) -> None:
    cancel = CancelToken()
    seen = 0
    done = None
    for ev in engine.stream(request(max_tokens=500), cancel):
        if isinstance(ev, TokenText):
            seen = ev.n_tokens
            if seen == 5:
                cancel.cancel()
        if isinstance(ev, GenerationDone):
            done = ev
    assert done is not None and done.finish_reason == "cancelled"
    assert seen == 5 and done.stats.completion_tokens == 5
    assert sum(1 for e in engine.stream(request()) if isinstance(e, TokenText)) == 24


def test_image_token_budget_is_applied(tiny_model: tuple[Path, Path]) -> None:
    e = LocalEngine(EngineConfig(model=tiny_model[0], mmproj=tiny_model[1], n_ctx=4096,
                                 image_tokens=80))
    try:
        image = next(ev for ev in e.stream(request(image_png=make_ui_png(1280, 800)))
                     if isinstance(ev, ImageEncoded))
        assert image.tokens <= 80
    finally:
        e.close()


def test_batch_holds_the_whole_image_budget() -> None:
    assert EngineConfig(model=Path("m.gguf"), image_tokens=1120).n_batch == 1120
    assert EngineConfig(model=Path("m.gguf"), image_tokens=256).n_batch == 512


def test_prompt_larger_than_context_is_a_clear_error(tiny_model: tuple[Path, Path]) -> None:
    e = LocalEngine(EngineConfig(model=tiny_model[0], mmproj=tiny_model[1], n_ctx=2048,
                                 image_tokens=1120))
    try:
        with pytest.raises(GenerationFailed, match="do not fit the 2048-token context.*--ctx"):
            list(e.stream(request(prompt="x " * 1500, image_png=make_ui_png(1920, 1080))))
    finally:
        e.close()


@pytest.mark.parametrize("kw, message", [
    (dict(n_ctx=100), "at least 2048"),
    (dict(cache_type="q8_0", flash_attn=False), "needs flash attention"),
    (dict(cache_type="q5"), "KV-cache type"),
    (dict(gpu_layers=-3), "gpu layers"),
    (dict(image_tokens=8000), "image tokens"),
])
def test_bad_settings_are_refused(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        EngineConfig(model=Path("m.gguf"), **kw)  # type: ignore[arg-type]
