import os
from pathlib import Path

import pytest

from inference.errors import BadGGUF, ModelMismatch, ModelNotFound
from inference.gguf import check_pair, inspect_pair, read_gguf
from inference.synthetic import TINY, write_mmproj, write_text_model


def test_reads_model_metadata_without_loading(tiny_model: tuple[Path, Path]) -> None:
    model, mmproj = tiny_model
    info = read_gguf(model)
    assert info.architecture == "gemma4"
    assert info.block_count == TINY.n_layer
    assert info.embedding_length == TINY.n_embd
    assert info.context_length == TINY.n_ctx_train
    assert info.quant == "F32"
    assert info.chat_template and "<|turn>" in info.chat_template
    assert not info.is_projector
    proj = read_gguf(mmproj)
    assert proj.is_projector and proj.has_vision_encoder
    assert proj.projector_type == "gemma4uv"
    assert proj.projection_dim == TINY.n_embd
    assert proj.tensor_count == 10


def test_a_good_pair_passes(tiny_model: tuple[Path, Path]) -> None:
    pair = inspect_pair(*tiny_model)
    assert pair.legacy_handler is None  # the GGUF's own template is used


def test_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="no such file"):
        read_gguf(tmp_path / "nope.gguf")


def test_not_a_gguf(tmp_path: Path, ui_png: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(ui_png.read_bytes())
    with pytest.raises(BadGGUF, match=r"is not a GGUF file .*b'\\x89PNG'"):
        read_gguf(fake)


def test_truncated_download(tmp_path: Path, tiny_model: tuple[Path, Path]) -> None:
    data = tiny_model[0].read_bytes()
    for keep in (len(data) // 2, 2000):  # cut in the tensor data, and in the header
        cut = tmp_path / f"cut{keep}.gguf"
        cut.write_bytes(data[:keep])
        with pytest.raises(BadGGUF, match="cut short|damaged") as e:
            read_gguf(cut)
        assert "download it again" in str(e.value).lower()


def test_text_only_model_needs_an_mmproj(tiny_model: tuple[Path, Path]) -> None:
    with pytest.raises(ModelMismatch, match="text-only model.*--mmproj"):
        inspect_pair(tiny_model[0], None)


def test_model_given_as_mmproj(tiny_model: tuple[Path, Path]) -> None:
    model, _ = tiny_model
    with pytest.raises(ModelMismatch, match="not a vision projector"):
        inspect_pair(model, model)


def test_files_swapped(tiny_model: tuple[Path, Path]) -> None:
    model, mmproj = tiny_model
    with pytest.raises(ModelMismatch, match="is a vision projector .*--mmproj"):
        inspect_pair(mmproj, model)


def test_mmproj_of_another_model(tmp_path: Path, tiny_model: tuple[Path, Path]) -> None:
    other = write_mmproj(tmp_path / "mmproj-other.gguf", projection_dim=128)
    with pytest.raises(ModelMismatch, match="projects images to 128 dimensions.*64"):
        inspect_pair(tiny_model[0], other)


def test_audio_only_projector(tmp_path: Path, tiny_model: tuple[Path, Path]) -> None:
    proj = read_gguf(tiny_model[1])
    audio = type(proj)(**{**proj.__dict__, "has_vision_encoder": False,
                          "projector_type": "gemma4a"})
    with pytest.raises(ModelMismatch, match="no vision encoder"):
        check_pair(read_gguf(tiny_model[0]), audio)


def test_no_chat_template(tmp_path: Path, tiny_model: tuple[Path, Path]) -> None:
    bare = write_text_model(tmp_path / "bare.gguf", chat_template=None)
    with pytest.raises(ModelMismatch, match="no chat template"):
        inspect_pair(bare, tiny_model[1])


def test_old_llava_without_template_uses_its_handler(tmp_path: Path,
                                                     tiny_model: tuple[Path, Path]) -> None:
    bare = read_gguf(write_text_model(tmp_path / "bare.gguf", chat_template=None))
    proj = read_gguf(tiny_model[1])
    llava = type(proj)(**{**proj.__dict__, "projector_type": "mlp"})
    assert check_pair(bare, llava).legacy_handler == "Llava15ChatHandler"


def test_a_header_is_read_once_until_the_file_changes(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    reads = tmp_path / "reads.log"
    monkeypatch.setenv("SHOTCLONE_DEBUG_GGUF_READS", str(reads))
    model = write_text_model(tmp_path / "m.gguf")
    first = read_gguf(model)
    assert read_gguf(str(model)) is first
    assert reads.read_text().splitlines() == [str(model.resolve())]
    write_text_model(model, seed=5)  # replaced on disk: same size, a new modification time
    os.utime(model, ns=(first.mtime_ns + 10**9, first.mtime_ns + 10**9))
    assert read_gguf(model) is not first
    assert len(reads.read_text().splitlines()) == 2
