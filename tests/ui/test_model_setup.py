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
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = tmp_path / ".lmstudio" / "models" / "pub" / "tiny-GGUF"
    folder.mkdir(parents=True)
    shutil.copy(tiny_model[0], folder / "tiny-Q4_K_M.gguf")
    shutil.copy(tiny_model[1], folder / "mmproj-tiny-F16.gguf")
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
