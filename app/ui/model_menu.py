"""The Model menu's dialogs: Models… (use, download or choose a model) and Settings…; a
change takes effect at the next run, which loads the model again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


class ModelMenu(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def open_model_setup(self) -> None:
        from app.ui.model_setup import ModelSetupDialog

        w = self.window
        dialog = ModelSetupDialog(w.settings, w)
        if dialog.exec() and dialog.chosen is not None:
            w.settings = dialog.chosen
            w.model_status.show_state(w.settings, "not loaded")
            w.banner.hide()

    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        w = self.window
        dialog = SettingsDialog(w.settings, w)
        if dialog.exec():
            w.settings = dialog.settings
            w.model_status.show_state(w.settings, "not loaded")
            if w.banner.level == "info":
                w.banner.hide()
            w.settings_changed.emit()
