"""Models already on the machine, in fake LM Studio and Hugging Face cache folders."""

import shutil
from pathlib import Path

import pytest

from inference.discovery import find_models
from inference.synthetic import write_mmproj


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("HF_HOME", "HF_HUB_CACHE", "LLAMA_CACHE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def test_lm_studio_and_hugging_face_cache(home: Path, tiny_model: tuple[Path, Path]) -> None:
    model, mmproj = tiny_model
    lms = home / ".lmstudio" / "models" / "ggml-org" / "gemma-4-tiny-GGUF"
    lms.mkdir(parents=True)
    shutil.copy(model, lms / "gemma-4-tiny-Q4_K_M.gguf")
    shutil.copy(mmproj, lms / "mmproj-gemma-4-tiny-F16.gguf")
    write_mmproj(lms / "mmproj-other-model-F16.gguf", projection_dim=96)  # not a match
    # The Hugging Face cache: snapshot entries are links to content-addressed blobs.
    repo = home / ".cache" / "huggingface" / "hub" / "models--org--tiny-text-GGUF"
    (repo / "blobs").mkdir(parents=True)
    (repo / "snapshots" / "abc123").mkdir(parents=True)
    shutil.copy(model, repo / "blobs" / "sha-model")
    (repo / "snapshots" / "abc123" / "tiny-text-Q8_0.gguf").symlink_to(repo / "blobs" / "sha-model")
    (home / ".cache" / "llama.cpp").mkdir(parents=True)
    (home / ".cache" / "llama.cpp" / "broken.gguf").write_bytes(b"GGUF" + b"\0" * 20)

    found = find_models()
    by_source = {m.source: m for m in found}
    lm = by_source["LM Studio"]
    assert lm.sees_images and lm.mmproj == lms / "mmproj-gemma-4-tiny-F16.gguf"
    assert lm.info.architecture == "gemma4" and lm.info.quant == "F32"
    hf = by_source["Hugging Face cache"]
    assert not hf.sees_images and hf.path.name == "tiny-text-Q8_0.gguf"
    assert len(found) == 2  # the broken download is not offered
    assert found[0] is lm  # models that can see come first


def test_user_folders(home: Path, tiny_model: tuple[Path, Path], tmp_path: Path) -> None:
    mine = tmp_path / "my-models"
    mine.mkdir()
    shutil.copy(tiny_model[0], mine / "a.gguf")
    shutil.copy(tiny_model[1], mine / "mmproj-a.gguf")
    found = find_models([("my folder", mine)])
    assert [(m.source, m.sees_images) for m in found] == [("my folder", True)]
