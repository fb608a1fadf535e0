"""The Settings dialog: messages in the app's words, fields that keep their size when a
message shows, the projector filled in beside a chosen model, a model server asked before it
is kept, and speculative decoding switched off for the next run."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractSpinBox, QFileDialog, QLineEdit, QPushButton

from app.settings import SPECS, Settings, load_settings
from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog
from app.ui.wording import in_app_words
from tests.inference.servers import CannedServer, free_port
from tests.ui.helpers import open_and_wait


def dialog_for(qtbot: object, settings: Settings | None = None) -> SettingsDialog:
    dialog = SettingsDialog(settings or Settings())
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    return dialog


def accept(qtbot: object, dialog: SettingsDialog) -> None:
    """Press OK and wait for the check, which runs off the UI thread."""
    dialog.accept()
    qtbot.waitUntil(dialog.ok.isEnabled)  # type: ignore[attr-defined]


def test_messages_name_the_fields_not_the_flags(qtbot: object,
                                                tiny_model: tuple[Path, Path]) -> None:
    dialog = dialog_for(qtbot)
    accept(qtbot, dialog)
    assert "Choose the model file" in dialog.error.text()
    dialog.model.edit.setText(str(tiny_model[0]))
    accept(qtbot, dialog)
    text = dialog.error.text()
    assert "text-only model" in text and "“Vision projector”" in text and "--" not in text
    assert in_app_words("(for llama-server: --mmproj FILE)") == "(for llama-server: --mmproj FILE)"
    assert in_app_words("Check --endpoint and --endpoint-model.") == \
        "Check “Endpoint” and “Model name”."


def test_a_message_does_not_squash_the_fields(qtbot: object,
                                              tiny_model: tuple[Path, Path]) -> None:
    def fields_keep_their_size() -> None:
        qtbot.wait(10)  # type: ignore[attr-defined]  # one pass of the event loop lays it out
        edits = [e for e in dialog.findChildren(QLineEdit)
                 if e.objectName() != "qt_spinbox_lineedit"]  # a spin box's own insides
        for field in edits + dialog.findChildren(QAbstractSpinBox):
            if field.isVisible():
                assert field.height() >= field.minimumSizeHint().height(), field

    dialog = dialog_for(qtbot)
    fields_keep_their_size()
    height = dialog.height()
    dialog.model.edit.setText(str(tiny_model[0]))
    accept(qtbot, dialog)
    assert dialog.error.isVisible()
    fields_keep_their_size()
    assert dialog.height() > height  # the dialog made room for the message


def test_choosing_a_model_fills_in_its_projector(qtbot: object, tiny_model: tuple[Path, Path],
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(tiny_model[0], tmp_path / "gemma-Q4_K_M.gguf")
    shutil.copy(tiny_model[1], tmp_path / "mmproj-gemma-F16.gguf")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(tmp_path / "gemma-Q4_K_M.gguf"), ""))
    dialog = dialog_for(qtbot)
    dialog.model.findChild(QPushButton).click()  # its Choose… button
    assert dialog.mmproj.text() == str(tmp_path / "mmproj-gemma-F16.gguf")
    accept(qtbot, dialog)
    assert load_settings().mmproj == str(tmp_path / "mmproj-gemma-F16.gguf")


def test_a_model_server_is_asked_before_it_is_kept(qtbot: object) -> None:
    dialog = dialog_for(qtbot)
    dialog.endpoint.setText(f"http://127.0.0.1:{free_port()}/v1")  # nothing listens there
    accept(qtbot, dialog)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "127.0.0.1" in dialog.error.text() and not load_settings().endpoint
    server = CannedServer(200, {}, models=("gemma-4",))
    try:
        dialog.endpoint.setText(server.url)
        dialog.endpoint_model.setText("gemma-4")
        with qtbot.waitSignal(dialog.accepted):  # type: ignore[attr-defined]
            dialog.accept()
    finally:
        server.close()
    assert load_settings().endpoint == server.url


def test_speculative_decoding_off_in_the_dialog_reaches_the_next_run(
        make_main_window: Callable[[], MainWindow], qtbot: object, tiny_settings: Settings,
        ui_png: Path) -> None:
    """Settings… from the menu, the box unticked, OK: the file says so, and the next clone's
    request to the model asks for plain decoding (the engine's own statistics say so)."""
    w = make_main_window()
    assert w.settings.speculate

    def untick_and_ok() -> None:
        dialog = w.findChild(SettingsDialog)
        assert dialog.speculate.isChecked()  # on by default
        assert dialog.speculate.toolTip() == SPECS["speculate"].help  # the setting's own help
        dialog.speculate.click()
        dialog.accept()

    QTimer.singleShot(0, untick_and_ok)
    w.settings_action.trigger()  # the dialog is modal: this returns when OK has saved
    assert not w.settings.speculate and not load_settings().speculate
    open_and_wait(qtbot, w, ui_png)
    w.generate()
    qtbot.waitUntil(lambda: w.review is not None and not w.running,  # type: ignore[attr-defined]
                    timeout=60_000)
    meta = w.history.entries()[0].meta
    assert meta["stats"]["speculative"] is False and meta["stats"]["drafted"] == 0
