"""Settings a model or machine cannot take are refused before llama.cpp loads anything: each
of these crashed the worker, or grew it until the out-of-memory killer ended it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.cli import main
from inference.config import EngineConfig
from inference.errors import ConfigError
from inference.gguf import inspect_pair
from inference.limits import available_memory, check_before_loading
from inference.synthetic import Gemma4Shape, write_pair


def _clone(tiny_model: tuple[Path, Path], ui_png: Path, tmp_path: Path, *extra: str) -> int:
    return main(["clone", str(ui_png), "-o", str(tmp_path / "p.html"), "--model",
                 str(tiny_model[0]), "--mmproj", str(tiny_model[1]), "--max-tokens", "3",
                 *extra])


@pytest.mark.parametrize("flags, message", [
    (["--ctx", "99999999999"], "context = 99999999999: synthetic-gemma4-2L-64 was trained for "
                               "32768 tokens; use at most 32768."),
    (["--threads", "100000"], f"threads = 100000: this machine has {os.cpu_count()} CPU "
                              f"threads; use 1 to {os.cpu_count()}"),
    (["--image-tokens", "64"], "image tokens = 64: llama.cpp's gemma4uv projector takes at "
                               "least 70 tokens per image; use 70 or more."),
])
def test_refused_in_one_line_before_loading(tiny_model: tuple[Path, Path], ui_png: Path,
                                            tmp_path: Path, flags: list[str], message: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert _clone(tiny_model, ui_png, tmp_path, *flags) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"shotclone: error: {message}"), err
    assert not (tmp_path / "p.html").exists()


def test_the_edges_llama_cpp_accepts_still_run(tiny_model: tuple[Path, Path], ui_png: Path,
                                               tmp_path: Path) -> None:
    assert _clone(tiny_model, ui_png, tmp_path, "--ctx", "32768", "--image-tokens", "70",
                  "--threads", str(os.cpu_count())) == 0


def test_a_context_the_machine_cannot_hold(tmp_path: Path) -> None:
    """A model trained for four billion tokens: at that context it needs thousands of GB, more
    than this machine has; the message says what would fit."""
    model, mmproj = write_pair(tmp_path, Gemma4Shape(n_ctx_train=4_000_000_000))
    vision = inspect_pair(model, mmproj)
    config = EngineConfig(model=model, mmproj=mmproj, n_ctx=4_000_000_000)
    with pytest.raises(ConfigError, match=r"need about \d+\.\d GB, but this machine has "
                                          r".* GB free .*; the most that fits is about \d+ "
                                          "tokens") as e:
        check_before_loading(config, vision)
    fits = int(str(e.value).split("about ")[-1].split()[0])
    check_before_loading(EngineConfig(model=model, mmproj=mmproj, n_ctx=fits // 2), vision)
    assert available_memory() > 0
