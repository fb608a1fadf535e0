"""The window's size, place and pane widths, kept in QSettings between sessions (the user's
settings file holds only what ShotClone does, never window state)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QSplitter

DEFAULT_SIZE = (1480, 880)


def restore_window(window: QMainWindow, splitter: QSplitter) -> None:
    state = QSettings()
    geometry = state.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    else:
        window.resize(*DEFAULT_SIZE)
    widths = state.value("window/splitter")
    if widths is not None:
        splitter.restoreState(widths)


def save_window(window: QMainWindow, splitter: QSplitter) -> None:
    state = QSettings()
    state.setValue("window/geometry", window.saveGeometry())
    state.setValue("window/splitter", splitter.saveState())


def keep_checked(action: QAction, key: str, default: bool, apply: Callable[[bool], None]) -> None:
    """A View option as it was last time: checked, applied, and remembered on each change."""
    action.setChecked(QSettings().value(key, default, type=bool))
    apply(action.isChecked())
    action.toggled.connect(apply)
    action.toggled.connect(lambda on: QSettings().setValue(key, on))
