"""Nothing slow runs on the UI thread: reading model headers, planning the offload, starting
the worker and the browser all happen elsewhere, from Generate to the finished review and in
the settings dialog's check. Asserted on where the calls run, not on timings."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog
from tests.ui.helpers import open_and_wait


@pytest.fixture
def slow_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """(what, whether it ran on the UI thread) for every slow call made while a test runs."""
    import inference.gguf
    import inference.vram
    import inference.worker
    from app.review.render import Renderer

    calls: list[tuple[str, bool]] = []

    def spy(owner: Any, name: str) -> None:
        real = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append((name, threading.current_thread() is threading.main_thread()))
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    for owner in (inference.gguf, inference.vram):
        spy(owner, "read_gguf")
    spy(inference.gguf, "inspect_pair")
    spy(inference.worker, "inspect_pair")
    spy(inference.vram, "auto_plan")
    spy(inference.worker.ModelWorker, "__init__")
    spy(Renderer, "render")
    return calls


def test_generate_keeps_every_slow_call_off_the_ui_thread(
        make_main_window: Callable[[], MainWindow], qtbot: object, ui_png: Path,
        tiny_settings: Settings, slow_calls: list[tuple[str, bool]]) -> None:
    w = make_main_window()
    open_and_wait(qtbot, w, ui_png)
    phases: list[str] = []
    w.runner.event.connect(lambda ev: phases.append(w.status.phase.text()))
    w.generate()
    qtbot.waitUntil(lambda: w.review is not None and not w.running, timeout=60_000)  # type: ignore[attr-defined]
    names = {name for name, _ in slow_calls}
    assert {"read_gguf", "auto_plan", "__init__", "render"} <= names
    assert [name for name, on_ui in slow_calls if on_ui] == []
    assert phases[0] == "Checking the model…"  # the state is shown while it is checked


def test_the_settings_dialog_checks_the_model_off_the_ui_thread(
        make_main_window: Callable[[], MainWindow], qtbot: object,
        tiny_model: tuple[Path, Path], slow_calls: list[tuple[str, bool]]) -> None:
    w = make_main_window()
    dialog = SettingsDialog(w.settings, w)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.model.edit.setText(str(tiny_model[0]))
    dialog.mmproj.edit.setText(str(tiny_model[1]))
    dialog.accept()
    assert not dialog.checking.isHidden() and not dialog.ok.isEnabled()
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted)  # type: ignore[attr-defined]
    assert ("inspect_pair", False) in slow_calls
    assert [name for name, on_ui in slow_calls if on_ui] == []
