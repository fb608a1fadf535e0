"""Models as a person reads them: real sizes, quant tags, and whether each fits the GPU as the
offload planner sees it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from app.models import Machine, gpu_fit, human_size, model_rows, table
from app.settings import Settings
from inference.discovery import find_models
from inference.gpus import Gpu


def found_in(folder: Path, tiny_model: tuple[Path, Path], name: str) -> list:  # type: ignore[type-arg]
    folder.mkdir(parents=True)
    shutil.copy(tiny_model[0], folder / name)
    shutil.copy(tiny_model[1], folder / "mmproj-F16.gguf")
    return [m for m in find_models([("here", folder)]) if m.source == "here"]


def gpu(free_gb: float) -> Gpu:
    return Gpu(name="Test GPU", total=int(8e9), free=int(free_gb * 1e9), kind="cuda")


def test_size_and_quant_are_real(tmp_path: Path, tiny_model: tuple[Path, Path]) -> None:
    [m] = found_in(tmp_path / "m", tiny_model, "tiny-it-UD-Q4_K_XL.gguf")
    assert m.quant == "F32"  # from the header
    assert replace(m, info=replace(m.info, quant=None)).quant == "UD-Q4_K_XL"  # the file name
    assert m.size_bytes == tiny_model[0].stat().st_size + tiny_model[1].stat().st_size
    assert human_size(m.size_bytes).endswith(("MB", "kB"))
    assert human_size(6_600_000_000) == "6.6 GB" and human_size(512) == "512 B"


def test_fits_the_gpu_as_the_planner_says(tmp_path: Path, tiny_model: tuple[Path, Path]) -> None:
    [m] = found_in(tmp_path / "m", tiny_model, "tiny-Q4_K_M.gguf")
    s = Settings(n_ctx=8192)
    assert gpu_fit(m, Machine(gpus=[gpu(8)], offload=True), s) == "yes"
    assert gpu_fit(m, Machine(gpus=[gpu(0.01)], offload=True), s) == "no"
    assert gpu_fit(m, Machine(gpus=[gpu(8)], offload=False), s) == "CPU-only build"
    assert gpu_fit(m, Machine(gpus=[], offload=True), s) == "no GPU"


def test_the_table_has_a_header_and_aligned_columns(tmp_path: Path,
                                                    tiny_model: tuple[Path, Path]) -> None:
    [m] = found_in(tmp_path / "m", tiny_model, "tiny-Q8_0.gguf")
    lines = table(model_rows([m, m], Machine(gpus=[gpu(8)], offload=True), Settings()))
    assert lines[0].split()[:4] == ["NAME", "QUANT", "SIZE", "FITS"]
    assert len({line.index(str(m.path)) for line in lines[1:]}) == 1
    assert lines[0].index("PATH") == lines[1].index(str(m.path))
    assert "Q8_0" in lines[1] and "mmproj-F16.gguf" in lines[1] and " yes " in lines[1]
