"""First start with no model: use one found on the machine, or download the default one."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from app.settings import Settings, load_settings, save_settings
from app.ui.main_window import MainWindow
from app.ui.model_setup import ModelSetupDialog
from tests.inference.hub import FakeHub
from tests.ui.helpers import open_and_wait


@pytest.fixture
def catalog_with_tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    from inference import catalog as catalog_module
    from inference.catalog import CatalogEntry

    tiny = CatalogEntry(name="tiny", title="Tiny test Gemma 4", repo="test-org/tiny-GGUF",
                        quant="Q4_K_M", default=True)
    monkeypatch.setattr(catalog_module, "catalog", lambda: [tiny])


def test_first_start_offers_a_model(make_main_window: Callable[[], MainWindow]) -> None:
    w = make_main_window()
    assert w.banner.isVisible() and "No model is set" in w.banner.message.text()
    assert w.banner.action_button.text() == "Set up a model…"


def test_use_a_model_found_in_lm_studio(qtbot: object, tiny_model: tuple[Path, Path],
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        catalog_with_tiny: None) -> None:
    folder = lm_studio_model(tmp_path, tiny_model, monkeypatch)
    dialog = ModelSetupDialog(Settings())
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: dialog.found.count() == 1)  # type: ignore[attr-defined]
    assert "LM Studio" in dialog.found.item(0).text()
    dialog.use_found()
    saved = load_settings()
    assert saved.model == str(folder / "tiny-Q4_K_M.gguf")
    assert saved.mmproj == str(folder / "mmproj-tiny-F16.gguf")


def test_download_the_default_model_with_progress(qtbot: object, fake_hub: FakeHub,
                                                  catalog_with_tiny: None, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # nothing found: the download is the way
    monkeypatch.setattr("inference.download.CHUNK", 64 << 10)
    dialog = ModelSetupDialog(Settings())
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "No vision model" in dialog.status.text())  # type: ignore[attr-defined]
    assert "Tiny test Gemma 4" in dialog.download_button.text()
    texts: list[str] = []
    dialog._relay.progress.connect(lambda _: texts.append(dialog.progress_text.text()))
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.chosen is not None, timeout=30_000)  # type: ignore[attr-defined]
    assert any("MB/s" in t for t in texts)
    saved = load_settings()
    assert Path(saved.model).name == "tiny-Q4_K_M.gguf" and Path(saved.model).is_file()


def test_gpu_layers_on_a_cpu_only_build_are_warned_about(
        make_main_window: Callable[[], MainWindow], qtbot: object, ui_png: Path,
        tiny_model: tuple[Path, Path]) -> None:
    import llama_cpp

    if llama_cpp.llama_supports_gpu_offload():
        pytest.skip("this llama.cpp can offload: there is nothing to warn about")
    save_settings(Settings(model=str(tiny_model[0]), mmproj=str(tiny_model[1]), n_ctx=4096,
                           max_tokens=20, gpu_layers=20))
    w = make_main_window()
    open_and_wait(qtbot, w, ui_png)
    w.generate()  # the backend is planned on the job's thread; the warning comes from there
    qtbot.waitUntil(lambda: w.banner.level == "warning", timeout=30_000)  # type: ignore[attr-defined]
    assert "built for the CPU only" in w.banner.message.text()
    assert "scripts/setup.sh" in w.banner.message.text()
    qtbot.waitUntil(lambda: not w.running, timeout=30_000)  # type: ignore[attr-defined]


def lm_studio_model(tmp_path: Path, tiny_model: tuple[Path, Path],
                    monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = tmp_path / ".lmstudio" / "models" / "pub" / "tiny-GGUF"
    folder.mkdir(parents=True)
    shutil.copy(tiny_model[0], folder / "tiny-Q4_K_M.gguf")
    shutil.copy(tiny_model[1], folder / "mmproj-tiny-F16.gguf")
    return folder


def test_found_models_show_size_quant_and_gpu_fit(qtbot: object, tiny_model: tuple[Path, Path],
                                                  tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    lm_studio_model(tmp_path, tiny_model, monkeypatch)
    dialog = ModelSetupDialog(Settings())
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: dialog.found.count() == 1)  # type: ignore[attr-defined]
    text = dialog.found.item(0).text()
    assert "None" not in text and "0.0 GB" not in text
    assert " MB " in text and "F32" in text and "fits the GPU: " in text


def test_close_button_and_wrapped_errors(qtbot: object) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    dialog = ModelSetupDialog(Settings())
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    assert dialog.status.wordWrap() and dialog.progress_text.wordWrap()
    box = dialog.findChild(QDialogButtonBox)
    close = box.button(QDialogButtonBox.StandardButton.Close)
    assert close is not None and close.isVisible()
    close.click()
    assert not dialog.isVisible() and dialog.chosen is None


def test_choose_files_takes_the_projector_beside_the_model(
        qtbot: object, tiny_model: tuple[Path, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(tiny_model[0], folder / "model.gguf")
    shutil.copy(tiny_model[1], folder / "mmproj-F16.gguf")
    asked: list[str] = []

    def pick(parent: object, title: str, *rest: object) -> tuple[str, str]:
        asked.append(title)
        return str(folder / "model.gguf"), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", pick)
    dialog = ModelSetupDialog(Settings())
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.files_button.click()
    assert asked == ["Choose the model"]  # a file picker, and only one: the projector matched
    saved = load_settings()
    assert saved.model == str(folder / "model.gguf")
    assert saved.mmproj == str(folder / "mmproj-F16.gguf")


def test_choose_files_asks_for_a_projector_and_refuses_a_wrong_one(
        qtbot: object, tiny_model: tuple[Path, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    from inference.synthetic import write_mmproj

    shutil.copy(tiny_model[0], tmp_path / "model.gguf")  # no projector beside it
    (tmp_path / "elsewhere").mkdir()
    other = write_mmproj(tmp_path / "elsewhere" / "mmproj-other.gguf", projection_dim=96)
    answers = iter([str(tmp_path / "model.gguf"), str(other)])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (next(answers), ""))
    dialog = ModelSetupDialog(Settings())
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.files_button.click()
    assert "does not belong to" in dialog.status.text() and dialog.chosen is None
